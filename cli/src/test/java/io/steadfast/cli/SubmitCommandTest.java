package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code steadfast submit} stores and returns: no dispatcher, no connection to SparkPost (issue #17, finding 4). */
class SubmitCommandTest extends CliRunner {
  private static final String KEY = "sk-canary-submit-41d0";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    return file.toString();
  }

  private static Spool.NewEntry entry(String key, Instant now) {
    Message message = Message.builder().from("shop@example.com").to("a@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, now, now.plus(Duration.ofDays(3)),
        message.estimatedSizeBytes());
  }

  @Test
  void submitStoresAndReturnsWithoutDispatchingAnything() throws IOException {
    Instant now = Instant.now();
    try (SqliteSpool seeded = SqliteSpool.open(spool())) {
      // A due entry a dispatcher would send, and one a dead process left in flight, which a dispatcher's
      // start moves to RECONCILING before it does anything else.
      seeded.append(List.of(entry("in-flight-before", now.minusSeconds(60))), Spool.Limits.NONE);
      assertThat(seeded.claim(1, now, Duration.ofMinutes(5))).hasSize(1);
      seeded.append(List.of(entry("due-before", now.minusSeconds(60))), Spool.Limits.NONE);
    }

    int code = run("submit", "--config", config(), "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", "submit-only-1");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Spooled: id ").contains("key submit-only-1");
    assertThat(sparkPost.requests()).as("requests to SparkPost").isEmpty();
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .noneMatch(name -> name.startsWith("steadfast-dispatch"));
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      assertThat(spool.find(IdempotencyKey.of("submit-only-1"))).get()
          .satisfies(e -> assertThat(e.state()).isEqualTo(SpoolState.PENDING))
          .extracting(SpoolEntry::attempts).isEqualTo(0);
      assertThat(spool.find(IdempotencyKey.of("in-flight-before"))).as("nothing recovered: no dispatcher started")
          .get().extracting(SpoolEntry::state).isEqualTo(SpoolState.IN_FLIGHT);
      assertThat(spool.find(IdempotencyKey.of("due-before"))).get().extracting(SpoolEntry::attempts).isEqualTo(0);
    }
  }

  @Test
  void submitStoresBesideARunningDispatcherWhichClaimsIt() throws IOException {
    String config = config();
    try (SqliteSpool dispatcher = SqliteSpool.open(spool())) {
      int code = run("submit", "--config", config, "--from", "shop@example.com", "--to", "a@example.com",
          "--subject", "Hi", "--text", "Hello", "--idempotency-key", "submit-beside");

      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("key submit-beside");
      assertThat(dispatcher.claim(10, Instant.now(), Duration.ofMinutes(5)))
          .extracting(c -> c.entry().idempotencyKey().value()).containsExactly("submit-beside");
    }
  }

  @Test
  void submitWhileTheWriteLockIsHeldPastTheLockTimeoutExitsThreeAndStoresNothing() throws Exception {
    String config = config();
    SqliteSpool.open(spool()).close();
    try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:"
        + spool().resolve(SqliteSpool.DATABASE_FILE)); java.sql.Statement s = other.createStatement()) {
      // Another process's write that does not end, as a sqlite3 shell inside BEGIN IMMEDIATE is.
      s.execute("BEGIN IMMEDIATE");

      int code = run("submit", "--config", config, "--lock-timeout", "300ms", "--from", "shop@example.com", "--to",
          "a@example.com", "--subject", "Hi", "--text", "Hello", "--idempotency-key", "submit-blocked");

      assertThat(code).isEqualTo(Steadfast.RETRYABLE);
      assertThat(err.toString()).contains("waited 300 ms (the lock timeout) for the spool's write lock")
          .contains("nothing was stored").hasLineCount(1).doesNotContain("\tat ");
      assertThat(out.toString()).isEmpty();
      s.execute("ROLLBACK");
    }
    try (SqliteSpool spool = SqliteSpool.openReadOnly(spool())) {
      assertThat(spool.find(IdempotencyKey.of("submit-blocked"))).isEmpty();
    }
  }
}
