package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.internal.SpoolLocks;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submitting and dispatching spools on one SQLite directory (issue #19): each open is another
 * connection, as another process's would be; the cross-process cases run real JVMs in
 * {@link MultiProcessSpoolTest}.
 */
class SqliteSharedSpoolTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path temp;

  private static Spool.NewEntry entry(String key) {
    Message message = Message.builder().from("shop@example.com").to("rcpt@example.com").subject("Order " + key)
        .text("Thanks").build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, T0, T0.plus(Duration.ofHours(72)),
        message.estimatedSizeBytes());
  }

  @Test
  void submittingSpoolsOpenBesideTheDispatcherWhichClaimsWhatTheyStored() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool dispatcher = SqliteSpool.open(dir);
        SqliteSpool first = SqliteSpool.openForSubmit(dir);
        SqliteSpool second = SqliteSpool.openForSubmit(dir)) {
      first.append(List.of(entry("a")), Spool.Limits.NONE);
      second.append(List.of(entry("b"), entry("c")), Spool.Limits.NONE);

      List<Spool.Claimed> claimed = dispatcher.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).extracting(c -> c.entry().idempotencyKey().value()).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(dispatcher.markDelivered(claimed.get(0), new SendReceipt("tx-1", 1, 0,
          claimed.get(0).entry().idempotencyKey(), "rest-us", 1, null), T0)).isTrue();
      assertThat(first.find(claimed.get(0).entry().idempotencyKey())).get().extracting(e -> e.state())
          .isEqualTo(SpoolState.DELIVERED);
    }
  }

  @Test
  void aSubmittingSpoolCreatesTheSpoolAndADispatcherOpensItAfterwards() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool submitter = SqliteSpool.openForSubmit(dir)) {
      submitter.append(List.of(entry("early")), Spool.Limits.NONE);

      try (SqliteSpool dispatcher = SqliteSpool.open(dir)) {
        assertThat(dispatcher.claim(10, T0, Duration.ofMinutes(5))).hasSize(1);
      }
    }
  }

  @Test
  void aSubmittingSpoolRefusesTheDispatchersMoves() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool submitter = SqliteSpool.openForSubmit(dir)) {
      List<io.steadfast.spi.SpoolEntry> stored = submitter.append(List.of(entry("a")), Spool.Limits.NONE);

      assertThatThrownBy(() -> submitter.claim(1, T0, Duration.ofMinutes(5)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("opened for submitting")
          .hasMessageContaining("submitOnly");
      assertThatThrownBy(() -> submitter.recoverInFlight(T0, T0)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> submitter.deadLetter(stored.get(0).id(), "no", T0))
          .isInstanceOf(IllegalStateException.class);
      // An operator's changes are no dispatching: they work from any process.
      assertThat(submitter.flush(T0, java.util.EnumSet.allOf(io.steadfast.spi.WaitReason.class))).isZero();
      assertThat(submitter.find(IdempotencyKey.of("a"))).get().extracting(e -> e.state()).isEqualTo(SpoolState.PENDING);
    }
  }

  @Test
  void aSecondDispatcherIsRefusedWhileSubmittersStayWelcome() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool dispatcher = SqliteSpool.open(dir)) {
      assertThatThrownBy(() -> SqliteSpool.open(dir))
          .isInstanceOfSatisfying(SpoolOpenException.class, e -> assertThat(e.reason())
              .isEqualTo(SpoolOpenException.Reason.IN_USE))
          .hasMessageContaining("is being dispatched by another process")
          .hasMessageContaining(SqliteSpool.LOCK_FILE);
      try (SqliteSpool submitter = SqliteSpool.openForSubmit(dir)) {
        submitter.append(List.of(entry("still-welcome")), Spool.Limits.NONE);
      }
      assertThat(dispatcher.find(IdempotencyKey.of("still-welcome"))).isPresent();
    }
    // Released on close: the next dispatcher opens.
    SqliteSpool.open(dir).close();
  }

  @Test
  void anAppendThatCannotGetTheWriteLockInTimeFailsNamingItAndStoresNothing() throws Exception {
    Path dir = temp.resolve("spool");
    SqliteSpool.open(dir).close();
    try (SqliteSpool submitter = SqliteSpool.openForSubmit(dir, Duration.ofMillis(200));
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteSpool.DATABASE_FILE))) {
      try (Statement s = other.createStatement()) {
        // Another process's long write transaction, as a sqlite3 shell inside BEGIN IMMEDIATE holds it.
        s.execute("BEGIN IMMEDIATE");
      }

      assertThatThrownBy(() -> submitter.append(List.of(entry("blocked")), Spool.Limits.NONE))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("waited 200 ms (the lock timeout) for the spool's write lock")
          .hasMessageContaining("another process holds a lock on " + dir.toAbsolutePath().resolve("spool.db"))
          .hasMessageNotContaining("[SQLITE_");

      try (Statement s = other.createStatement()) {
        s.execute("ROLLBACK");
      }
      assertThat(submitter.find(IdempotencyKey.of("blocked"))).isEmpty();
      submitter.append(List.of(entry("after")), Spool.Limits.NONE);
      assertThat(submitter.find(IdempotencyKey.of("after"))).isPresent();
    }
  }

  @Test
  void theDispatchersWakeUpHookHearsOfAnotherConnectionsAppend() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool dispatcher = SqliteSpool.open(dir);
        SqliteSpool submitter = SqliteSpool.openForSubmit(dir)) {
      CountDownLatch woken = new CountDownLatch(1);
      dispatcher.onAppend(woken::countDown);

      submitter.append(List.of(entry("from-elsewhere")), Spool.Limits.NONE);

      assertThat(woken.await(2, TimeUnit.MINUTES)).as("woken by another connection's commit").isTrue();
      assertThat(dispatcher.claim(1, T0, Duration.ofMinutes(5))).hasSize(1);
    }
  }

  @Test
  void aDamagedSpoolIsNotSalvagedUnderAnOpenSubmitterButOnceItHasGone() throws Exception {
    Path dir = temp.resolve("spool");
    SqliteSpoolDamageTest.spoolOfTwelve(dir);
    Path db = dir.resolve(SqliteSpool.DATABASE_FILE);
    SqliteSpoolDamageTest.Damage.RANDOM_4_KIB_IN_THE_MIDDLE.apply(db);
    String hash = SqliteSpoolDamageTest.sha256(db);

    // A submitter opens without the integrity check; the salvage would replace the file under its connection.
    try (SqliteSpool submitter = SqliteSpool.openForSubmit(dir)) {
      assertThat(submitter.directory()).isEqualTo(dir.toAbsolutePath());
      assertThatThrownBy(() -> SqliteSpool.open(dir, Duration.ofMillis(200)))
          .isInstanceOfSatisfying(SpoolOpenException.class, e -> assertThat(e.reason())
              .isEqualTo(SpoolOpenException.Reason.IN_USE))
          .hasMessageContaining("it needs salvaging")
          .hasMessageContaining("no other process has the spool open for writing");
      assertThat(SqliteSpoolDamageTest.sha256(db)).isEqualTo(hash);
      assertThat(dir.resolve(SqliteSpool.CORRUPT_DIRECTORY)).doesNotExist();
    }

    try (SqliteSpool dispatcher = SqliteSpool.open(dir)) {
      assertThat(dispatcher.damage()).isPresent();
      assertThat(dir.resolve(SqliteSpool.CORRUPT_DIRECTORY)).isDirectory();
    }
  }

  @Test
  void migratingAnOlderSchemaWaitsForTheOtherWritersAndSaysWhy() throws Exception {
    Path dir = temp.resolve("spool");
    OldSchemas.sqlite(dir, 3).close();
    // Another writer of this JVM has the spool open (its shared writers lock), as a submitting process would.
    SpoolLocks.Held otherWriter = SpoolLocks.acquire(dir, SqliteSpool.WRITERS_LOCK_FILE, false, System.nanoTime());
    assertThat(otherWriter).isNotNull();
    try {
      assertThatThrownBy(() -> SqliteSpool.openForSubmit(dir, Duration.ofMillis(100)))
          .isInstanceOfSatisfying(SpoolOpenException.class, e -> assertThat(e.reason())
              .isEqualTo(SpoolOpenException.Reason.IN_USE))
          .hasMessageContaining("migrating from schema version 3 to " + SqliteSpool.SCHEMA_VERSION)
          .hasMessageContaining(SqliteSpool.WRITERS_LOCK_FILE)
          .hasMessageContaining("Nothing was changed");
    } finally {
      otherWriter.close();
    }

    try (SqliteSpool migrated = SqliteSpool.openForSubmit(dir, Duration.ofMillis(100))) {
      migrated.append(List.of(entry("after-migration")), Spool.Limits.NONE);
    }
    try (SqliteSpool dispatcher = SqliteSpool.open(dir)) {
      assertThat(dispatcher.find(IdempotencyKey.of("after-migration"))).isPresent();
    }
  }
}
