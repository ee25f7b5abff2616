package io.steadfast.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application's runtime classpath (its classes and the runtime-scope jars Maven resolves for it,
 * written by the build to {@code target/runtime-classpath.txt}) defines no class twice: the starter
 * brings no logging bridge beside Spring's commons-logging.
 */
class RuntimeClasspathTest {

  @Test
  void theApplicationsRuntimeClasspathDefinesNoClassTwice() throws IOException {
    Path listing = Path.of(System.getProperty("steadfast.runtimeClasspath", "target/runtime-classpath.txt"));
    assertThat(listing).as("written by maven-dependency-plugin's build-classpath in this module's build").exists();
    List<Path> classpath = new ArrayList<>();
    classpath.add(Path.of("target", "classes"));
    for (String entry : Files.readString(listing).strip().split(File.pathSeparator)) {
      classpath.add(Path.of(entry));
    }
    assertThat(classpath).as("the starter, Spring and the spool are on it")
        .anyMatch(entry -> entry.getFileName().toString().startsWith("steadfast-spring-boot-starter"))
        .anyMatch(entry -> entry.getFileName().toString().startsWith("spring-core-"))
        .anyMatch(entry -> entry.getFileName().toString().startsWith("commons-logging-"));

    Map<String, Set<String>> duplicates = DuplicateClasses.in(classpath);

    assertThat(duplicates).as("classes defined by more than one jar:%n%s", DuplicateClasses.describe(duplicates))
        .isEmpty();
  }

  @Test
  void aClassInTwoJarsIsReportedWithBothJars(@TempDir Path directory) throws IOException {
    Path bridge = jar(directory.resolve("bridge-1.0.jar"), "org/example/Log.class", "org/example/Bridge.class");
    Path original = jar(directory.resolve("original-1.3.jar"), "org/example/Log.class",
        "META-INF/versions/11/org/example/Only.class", "org/example/Only.class", "module-info.class");
    Path other = jar(directory.resolve("other-2.0.jar"), "module-info.class", "org/other/Thing.class");

    Map<String, Set<String>> duplicates = DuplicateClasses.in(List.of(bridge, original, other));

    // The versioned copy inside one jar and module-info.class in every modular jar are not duplicates.
    assertThat(duplicates).containsExactly(Map.entry("bridge-1.0.jar, original-1.3.jar", Set.of("org.example.Log")));
    assertThat(DuplicateClasses.describe(duplicates))
        .isEqualTo("bridge-1.0.jar, original-1.3.jar share 1 classes, e.g. [org.example.Log]");
  }

  private static Path jar(Path file, String... entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
      for (String entry : entries) {
        jar.putNextEntry(new JarEntry(entry));
        jar.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
        jar.closeEntry();
      }
    }
    return file;
  }
}
