package io.steadfast.examples.springboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds class names that more than one entry of a classpath defines: the JVM loads whichever comes
 * first, so two jars with {@code org.apache.commons.logging.Log} decide the logging by classpath order.
 */
final class DuplicateClasses {

  /** A multi-release jar's versioned copy of a class is the same class, not a duplicate. */
  private static final Pattern VERSIONED = Pattern.compile("^META-INF/versions/\\d+/");

  private DuplicateClasses() {}

  /**
   * Returns, for every set of classpath entries that share class names, those names, keyed by the
   * entries' file names (e.g. {@code "commons-logging-1.3.5.jar, jcl-over-slf4j-2.0.17.jar"}).
   */
  static Map<String, Set<String>> in(List<Path> classpath) {
    Map<String, Set<String>> entriesByClass = new TreeMap<>();
    for (Path entry : classpath) {
      for (String className : classNames(entry)) {
        entriesByClass.computeIfAbsent(className, name -> new TreeSet<>()).add(entry.getFileName().toString());
      }
    }
    Map<String, Set<String>> classesByEntries = new TreeMap<>();
    entriesByClass.forEach((className, entries) -> {
      if (entries.size() > 1) {
        classesByEntries.computeIfAbsent(String.join(", ", entries), key -> new TreeSet<>()).add(className);
      }
    });
    return classesByEntries;
  }

  /** One line per set of entries: how many classes they share and the first few of them. */
  static String describe(Map<String, Set<String>> duplicates) {
    List<String> lines = new ArrayList<>();
    duplicates.forEach((entries, classes) -> lines.add(
        entries + " share " + classes.size() + " classes, e.g. " + classes.stream().limit(3).toList()));
    return String.join("\n", lines);
  }

  private static Set<String> classNames(Path entry) {
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(entry)) {
      try (Stream<Path> files = Files.walk(entry)) {
        files.map(file -> entry.relativize(file).toString().replace('\\', '/'))
            .forEach(name -> addClass(names, name));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return names;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        addClass(names, entries.nextElement().getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + entry, e);
    }
    return names;
  }

  private static void addClass(Set<String> names, String entryName) {
    String name = VERSIONED.matcher(entryName).replaceFirst("");
    if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
      names.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
    }
  }
}
