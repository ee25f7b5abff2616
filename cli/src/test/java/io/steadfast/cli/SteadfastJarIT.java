package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the built jar as a real process, the way the README tells a newcomer to. */
class SteadfastJarIT {

  @Test
  void demoOutageRunsFromTheJarAndExitsZero() throws IOException, InterruptedException {
    Path jar = Path.of("target", "steadfast.jar");
    assertThat(jar).exists();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");

    Process process = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "demo", "outage", "--messages", "80")
        .redirectErrorStream(true).start();
    boolean finished = process.waitFor(120, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(finished).as(output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("RESULT: nothing lost, nothing sent twice").doesNotContain("SLF4J");
  }
}
