package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.WaitReason;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast spool flush}: entries rescheduled hours into the future, for any reason, become due
 * at once, oldest first, and a drain delivers them against an embedded FakeSparkPost.
 */
class SpoolFlushCommandTest extends CliRunner {
  private static final String KEY = "sk-canary-flush-4b2d";

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

  private static Spool.NewEntry entry(String key, Instant createdAt) {
    Message message = Message.builder().from("shop@example.com").to("a@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, createdAt,
        createdAt.plus(Duration.ofDays(5)), message.estimatedSizeBytes());
  }

  /** Appends an entry created at {@code createdAt}, claims it and reschedules it to {@code next} for {@code reason}. */
  private static long waiting(SqliteSpool spool, String key, Instant createdAt, Instant next, WaitReason reason) {
    long id = spool.append(List.of(entry(key, createdAt)), Spool.Limits.NONE).get(0).id();
    Spool.Claimed claim = spool.claim(1, createdAt, Duration.ofMinutes(5)).get(0);
    assertThat(claim.entry().id()).isEqualTo(id);
    assertThat(spool.reschedule(claim, next, "HTTP 503 from rest-us", reason)).isTrue();
    return id;
  }

  @Test
  void flushMakesEveryWaitingEntryDueNowWhateverItWaitsFor() throws Exception {
    Instant created = Instant.now().minus(Duration.ofHours(2));
    Instant later = Instant.now().plus(Duration.ofHours(3));
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      waiting(spool, "flush-provider", created, later, WaitReason.PROVIDER);
      waiting(spool, "flush-quota", created.plusSeconds(1), later, WaitReason.SENDING_LIMIT);
      waiting(spool, "flush-rate", created.plusSeconds(2), later, WaitReason.RATE_LIMITED);
    }

    int code = run("spool", "flush", "--spool", spool().toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Flushed 3 pending messages: due now;")
        .contains("'steadfast drain'");
    Instant afterFlush = Instant.now();
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      assertThat(spool.list(SpoolState.PENDING, 10)).hasSize(3)
          .allSatisfy(entry -> assertThat(entry.nextAttemptAt()).isBeforeOrEqualTo(afterFlush));
      // Due at their creation time: the oldest is claimed first, though all were rescheduled alike.
      assertThat(spool.claim(1, afterFlush, Duration.ofMinutes(5))).extracting(c -> c.entry().idempotencyKey().value())
          .containsExactly("flush-provider");
    }
  }

  @Test
  void flushedEntriesGoOutOnTheNextDrainWithoutWaitingOutTheirBackoff() throws Exception {
    Instant created = Instant.now().minus(Duration.ofHours(2));
    Instant later = Instant.now().plus(Duration.ofHours(3));
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      // Rescheduled in the opposite order of their age: the flush puts the oldest first again.
      waiting(spool, "flush-old", created, later.plusSeconds(60), WaitReason.PROVIDER);
      waiting(spool, "flush-young", created.plusSeconds(60), later, WaitReason.PROVIDER);
      assertThat(spool.nextDueAt()).get().matches(next -> next.isAfter(Instant.now().plus(Duration.ofHours(2))));
    }
    assertThat(run("spool", "flush", "--spool", spool().toString(), "--json")).as(err.toString()).isZero();
    JsonNode result = JsonMapper.builder().build().readTree(out.toString().strip());
    assertThat(result.get("flushed").asInt()).isEqualTo(2);
    assertThat(result.get("due_at").asString()).isNotBlank();

    int code = run("drain", "--config", config(), "--timeout", "30s");

    assertThat(code).as(out.toString() + err).isZero();
    assertThat(out.toString()).contains("Drained: 2 delivered, 0 still pending, 0 dead.");
    assertThat(sparkPost.transmissions()).extracting(t -> t.idempotencyKey())
        .containsExactlyInAnyOrder("flush-old", "flush-young");
  }

  @Test
  void flushLeavesDueAndDeadEntriesAloneAndSaysSoWhenNothingWaits() throws Exception {
    Instant now = Instant.now();
    long dead;
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      dead = spool.append(List.of(entry("flush-dead", now.minusSeconds(10))), Spool.Limits.NONE).get(0).id();
      Spool.Claimed claim = spool.claim(1, now, Duration.ofMinutes(5)).get(0);
      assertThat(spool.deadLetter(claim, "REJECTED: invalid recipient", now)).isTrue();
      // Already due: nothing to cut short.
      spool.append(List.of(entry("flush-due", now.minusSeconds(5))), Spool.Limits.NONE);
    }

    int code = run("spool", "flush", "--spool", spool().toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Flushed 0 pending messages: due now;");
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      assertThat(spool.inspect(dead)).get().extracting(SpoolEntry::state).isEqualTo(SpoolState.DEAD);
      assertThat(spool.list(SpoolState.PENDING, 10)).singleElement()
          .satisfies(entry -> assertThat(entry.nextAttemptAt()).isEqualTo(entry.createdAt()));
    }
  }

  @Test
  void flushWorksBesideARunningDispatcherAndOfAMissingSpoolIsAUsageError() throws Exception {
    Instant created = Instant.now().minus(Duration.ofHours(1));
    try (SqliteSpool dispatcher = SqliteSpool.open(spool())) {
      long id = waiting(dispatcher, "held-waiting", created, Instant.now().plus(Duration.ofHours(1)),
          WaitReason.PROVIDER);

      // Postfix's postqueue -f works while the queue manager runs; so does this.
      assertThat(run("spool", "flush", "--spool", spool().toString())).as(err.toString()).isZero();

      assertThat(out.toString()).startsWith("Flushed 1 pending message");
      assertThat(dispatcher.claim(10, Instant.now(), Duration.ofMinutes(5)))
          .extracting(c -> c.entry().id()).containsExactly(id);
    }

    assertThat(run("spool", "flush", "--spool", dir.resolve("typo").toString())).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("No spool at").contains("does not exist");
    assertThat(dir.resolve("typo")).doesNotExist();

    assertThat(run("spool", "flush", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: steadfast spool flush").contains("postqueue").contains("--json");
    assertThat(run("spool", "--help")).isZero();
    assertThat(out.toString()).contains("flush");
  }
}
