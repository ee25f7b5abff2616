package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.EmbeddedPostgresServer;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on a PostgreSQL spool (issue #19): {@code --spool-url} or {@code spool-url} for
 * submit, drain, dispatch and the spool commands, the password never from a flag, and several
 * {@code dispatch} processes sharing one spool, each message delivered once.
 */
class PostgresSpoolCliTest {
  private static final String KEY = "sk-canary-postgres-cli-5e0a";
  private static final Duration BOUND = Duration.ofMinutes(2);

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private final String url = EmbeddedPostgresServer.jdbcUrl(EmbeddedPostgresServer.newDatabaseName());
  private final List<Process> children = new ArrayList<>();
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();
  /** More lines for the --config file. */
  private String moreConfig = "";

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

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-url=" + url + "\n"
        + moreConfig);
    return file.toString();
  }

  private void submit(String key) throws IOException {
    assertThat(run("submit", "--config", config(), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Order " + key, "--text", "Thanks", "--idempotency-key", key)).as(err.toString()).isZero();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %s", what, BOUND).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  void submitStatusAndDrainWorkOnAPostgresSpool() throws Exception {
    submit("pg-1");
    submit("pg-2");

    assertThat(run("spool", "status", "--config", config(), "--json")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("\"pending\":2");
    assertThat(sparkPost.requests()).as("submit never connects to SparkPost").isEmpty();

    assertThat(run("drain", "--config", config(), "--timeout", "60s")).as(out + err.toString()).isZero();
    assertThat(sparkPost.acceptedKeys()).containsExactlyInAnyOrder("pg-1", "pg-2");
    assertThat(out.toString()).contains("Drained: 2 delivered, 0 still pending, 0 dead.");
  }

  @Test
  void aPasswordOnTheCommandLineIsRefusedAndAWrongOneIsAUsageError() throws Exception {
    int code = run("submit", "--spool-url", "jdbc:postgresql://localhost:1/mail?user=mailer&password=secret",
        "--config", config(), "--from", "shop@example.com", "--to", "a@example.com", "--subject", "Hi", "--text", "Hi");

    assertThat(code).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("holds a password").contains(SpoolOptions.PASSWORD_VARIABLE)
        .doesNotContain("secret").hasLineCount(1);

    assertThat(run("spool", "status", "--spool", dir.toString(), "--spool-url", url)).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("Both --spool and --spool-url");
  }

  /** Starts {@code count} {@code steadfast dispatch} processes on the spool and waits until each runs. */
  private void dispatchers(int count, String... extra) throws Exception {
    for (int i = 0; i < count; i++) {
      Path log = dir.resolve("dispatch-" + i + ".log");
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Steadfast.class.getName(), "dispatch", "--config", config()));
      command.addAll(List.of(extra));
      children.add(new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(log.toFile()).start());
    }
    for (int i = 0; i < count; i++) {
      Path log = dir.resolve("dispatch-" + i + ".log");
      await("dispatcher " + i + " started", () -> {
        try {
          return Files.readString(log).contains("INFO  Dispatching the spool at the PostgreSQL database");
        } catch (IOException e) {
          return false;
        }
      });
    }
  }

  @Test
  void aDispatcherOfThreeSigkilledMidDeliveryLosesAndDoublesNothing() throws Exception {
    // Lost answers are looked up in the fake's events after moments, not SparkPost's 90 s.
    moreConfig = "reconcile-settle-delay=200ms\nreconcile-recheck-delay=200ms\n";
    // Each answer takes a moment, so the kill lands while the dead node has messages in flight.
    sparkPost.alwaysRespond(io.steadfast.testing.FakeResponse.acceptedAfter(Duration.ofMillis(150)));
    // Leases short enough that the others take over what the dead node had in flight well inside BOUND, yet
    // long enough that a live node on a loaded 2-core machine never loses one mid-delivery (a 3 s lease
    // did, and its entry went out twice).
    dispatchers(3, "--lease", "20s", "--attempt-timeout", "5s");
    for (int i = 1; i <= 40; i++) {
      submit("kill-" + i);
    }

    await("some delivered", () -> sparkPost.acceptedKeys().size() >= 5);
    children.get(0).destroyForcibly();
    assertThat(children.get(0).waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

    await("every message delivered", () -> sparkPost.acceptedKeys().size() == 40);
    await("every delivery recorded", () -> {
      assertThat(run("spool", "status", "--config", configPath(), "--json")).isZero();
      return out.toString().contains("\"pending\":0,\"in_flight\":0,\"reconciling\":0,\"delivered\":40");
    });
    for (int i = 1; i <= 40; i++) {
      assertThat(sparkPost.transmissionCountFor("kill-" + i)).as("kill-%d", i).isEqualTo(1);
    }
  }

  private String configPath() {
    return dir.resolve("steadfast.properties").toString();
  }

  @Test
  void threeDispatchProcessesShareOnePostgresSpoolAndDeliverEachMessageOnce() throws Exception {
    dispatchers(3);

    for (int i = 1; i <= 30; i++) {
      submit("fleet-" + i);
    }

    await("every message delivered", () -> sparkPost.acceptedKeys().size() == 30);
    for (int i = 1; i <= 30; i++) {
      assertThat(sparkPost.transmissionCountFor("fleet-" + i)).as("fleet-%d", i).isEqualTo(1);
    }
    for (Process child : children) {
      child.destroy();
    }
    for (int i = 0; i < 3; i++) {
      assertThat(children.get(i).waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(children.get(i).exitValue()).as(Files.readString(dir.resolve("dispatch-" + i + ".log"))).isZero();
    }
  }
}
