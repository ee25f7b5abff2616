package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** Runs the built jar as a real process, the way the README tells a newcomer to. */
class SteadfastJarIT {

  @Test
  void demoOutageRunsFromTheJarThroughTheSpoolAndExitsZero() throws Exception {
    Path jar = Path.of("target", "steadfast.jar");
    assertThat(jar).exists();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");

    Process process = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "demo", "outage", "--messages", "300",
        "--duration", "4s").redirectErrorStream(true).start();
    // Read while it runs, so a full pipe can never stall the child.
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process));
    boolean finished = process.waitFor(120, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String text = output.get(2, TimeUnit.MINUTES);

    assertThat(finished).as(text).isTrue();
    assertThat(process.exitValue()).as(text).isZero();
    assertThat(text)
        .contains("KILL: the dispatcher's process dies mid-outage")
        .contains("RESTART: a new dispatcher opened the same spool file")
        .containsPattern("submitted \\(acknowledged by the spool\\)\\s+300 of 300")
        .containsPattern("delivered \\(accepted by SparkPost, by key\\)\\s+300\\R")
        .containsPattern("duplicates \\(a key accepted twice\\)\\s+0\\R")
        .containsPattern("lost \\(acknowledged, never accepted\\)\\s+0\\R")
        .contains("RESULT: nothing lost, nothing sent twice")
        .doesNotContain("SLF4J")
        .doesNotContain("Exception");
  }

  @Test
  void versionIsTheBuildsVersionFromTheJarsManifest() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "-jar", Path.of("target", "steadfast.jar").toString(),
        "--version").redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process));
    boolean finished = process.waitFor(2, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String text = output.get(2, TimeUnit.MINUTES);

    assertThat(finished).as(text).isTrue();
    assertThat(process.exitValue()).as(text).isZero();
    assertThat(text.strip()).isEqualTo("steadfast " + System.getProperty("steadfast.version"));
  }

  @Test
  void dryRunPrintsTheTransmissionFromTheJar() throws Exception {
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "steadfast.jar").toString(), "send", "--dry-run", "--from", "shop@example.com",
        "--to", "a@example.com", "--subject", "Hi", "--text", "Hello").redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process));
    boolean finished = process.waitFor(2, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String text = output.get(2, TimeUnit.MINUTES);

    assertThat(finished).as(text).isTrue();
    assertThat(process.exitValue()).as(text).isZero();
    assertThat(text).startsWith("POST /api/v1/transmissions").contains("\"subject\" : \"Hi\"")
        .contains("\"steadfast_idempotency_key\"");
  }

  /** Issue #21.6: the command carries no test framework, nor Prometheus's protobuf format it never serves. */
  @Test
  void theJarCarriesNoTestFramework() throws IOException {
    try (JarFile jar = new JarFile(Path.of("target", "steadfast.jar").toFile())) {
      assertThat(jar.stream().map(entry -> entry.getName()))
          .isNotEmpty()
          .noneMatch(name -> name.startsWith("io/steadfast/testing/"))
          .noneMatch(name -> name.startsWith("com/github/tomakehurst/") || name.startsWith("wiremock/"))
          .noneMatch(name -> name.startsWith("org/eclipse/jetty/") || name.startsWith("org/junit/"))
          .noneMatch(name -> name.contains("com_google_protobuf"))
          .anyMatch(name -> name.equals("io/steadfast/cli/internal/DemoSparkPost.class"))
          .anyMatch(name -> name.equals("io/prometheus/metrics/expositionformats/PrometheusTextFormatWriter.class"));
    }
  }

  private static String readAll(Process process) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      process.getInputStream().transferTo(bytes);
    } catch (IOException e) {
      // The process was destroyed; what was read so far is the output.
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
