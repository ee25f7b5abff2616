package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code steadfast dispatch} as a real process (issue #19): it delivers what other processes submit,
 * serves metrics and health, refuses to be a second dispatcher, and stops on SIGTERM with everything
 * delivered or pending, exit 0.
 */
class DispatchCommandTest {
  private static final String KEY = "sk-canary-dispatch-7c1e";
  private static final Duration BOUND = Duration.ofMinutes(2);

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private final List<Process> children = new ArrayList<>();
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    for (Process child : children) {
      child.destroyForcibly();
    }
    sparkPost.close();
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    return file.toString();
  }

  private void submit(String key) throws IOException {
    assertThat(run("submit", "--config", config(), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Order " + key, "--text", "Thanks", "--idempotency-key", key)).as(err.toString()).isZero();
  }

  /** A running {@code steadfast dispatch} child and the file its log (stderr) goes to. */
  record Service(Process process, Path logFile) {
    String log() {
      try {
        return Files.readString(logFile);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** Waits for a log line matching {@code pattern} and returns its match. */
    Matcher await(String pattern) {
      Matcher matcher = Pattern.compile(pattern).matcher("");
      DispatchCommandTest.await("a log line matching " + pattern, () -> {
        matcher.reset(log());
        return matcher.find() || !process.isAlive() && matcher.reset(log()).find();
      });
      return matcher;
    }

    /** Sends SIGTERM and returns the exit code. */
    int terminate() throws InterruptedException {
      process.destroy();
      assertThat(process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).as("stopped after SIGTERM:%n%s", log()).isTrue();
      return process.exitValue();
    }
  }

  private Service dispatch(String... extra) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Steadfast.class.getName(), "dispatch", "--config", config()));
    command.addAll(List.of(extra));
    Path logFile = dir.resolve("dispatch-" + children.size() + ".log");
    Process child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(logFile.toFile()).start();
    children.add(child);
    Service service = new Service(child, logFile);
    service.await("INFO  Dispatching the spool at ");
    return service;
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %s", what, BOUND).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  void deliversWhatOtherProcessesSubmitAndServesMetricsAndHealth() throws Exception {
    Service service = dispatch("--metrics-port", "0");
    int port = Integer.parseInt(service.await("Serving http://127\\.0\\.0\\.1:(\\d+)/metrics").group(1));

    for (int i = 1; i <= 3; i++) {
      submit("from-a-script-" + i);
    }

    await("the three submitted messages delivered", () -> sparkPost.acceptedKeys().size() == 3);
    HttpClient http = HttpClient.newHttpClient();
    await("the deliveries recorded", () -> {
      try (SqliteSpool spool = SqliteSpool.openReadOnly(spool())) {
        return spool.stats(Instant.now()).count(SpoolState.DELIVERED) == 3;
      }
    });
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("steadfast_spool_entries{state=\"delivered\"} 3.0")
        .contains("steadfast_spool_delivered_total{route=").contains("steadfast_attempts_total{")
        .doesNotContain(KEY);
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).startsWith("{\"status\":\"UP\"").contains("\"pending\":0");

    assertThat(service.terminate()).as(service.log()).isZero();
    assertThat(service.log()).contains("INFO  Stopping: no new claims")
        .contains("INFO  Stopped: 3 delivered by this run, 0 pending").doesNotContain(KEY).doesNotContain("a@example.com");
    // One line per change of state, none per message: start, serving, stopping, stopped.
    assertThat(service.log().lines()).hasSize(4);
  }

  @Test
  void sigtermDuringAnOutageLeavesTheMessagesPendingNotDeadAndExitsZero() throws Exception {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    for (int i = 1; i <= 5; i++) {
      submit("outage-" + i);
    }
    Service service = dispatch("--grace", "5s");

    service.await("WARN  Route '[^']+' circuit OPEN");
    int code = service.terminate();

    assertThat(code).as(service.log()).isZero();
    assertThat(service.log()).containsPattern("Stopped: 0 delivered by this run, \\d+ pending, 0 in flight, "
        + "\\d+ reconciling, 0 dead");
    try (SqliteSpool spool = SqliteSpool.openReadOnly(spool())) {
      SpoolStats stats = spool.stats(Instant.now());
      assertThat(stats.count(SpoolState.PENDING) + stats.count(SpoolState.RECONCILING)).isEqualTo(5);
      assertThat(stats.count(SpoolState.DEAD)).isZero();
      assertThat(stats.count(SpoolState.IN_FLIGHT)).isZero();
    }
    assertThat(sparkPost.acceptedKeys()).isEmpty();
  }

  @Test
  void aSecondDispatcherExitsThreeInOneLineWhileSubmitsStillWork() throws Exception {
    Service first = dispatch();

    int code = run("dispatch", "--config", config());

    assertThat(code).isEqualTo(Steadfast.RETRYABLE);
    assertThat(err.toString()).contains("is being dispatched by another process").hasLineCount(1)
        .doesNotContain("\tat ");
    submit("beside-the-first");
    await("delivered by the first dispatcher", () -> sparkPost.transmissionCountFor("beside-the-first") == 1);
    assertThat(first.terminate()).isZero();
  }
}
