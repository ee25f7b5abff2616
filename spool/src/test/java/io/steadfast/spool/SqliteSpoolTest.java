package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.internal.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSpoolTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path temp;

  private static Spool.NewEntry entry(String key, Message message) {
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, T0, T0.plus(Duration.ofHours(72)),
        message.estimatedSizeBytes());
  }

  private static SendReceipt receipt(String key) {
    return new SendReceipt("tx-" + key, 1, 0, IdempotencyKey.of(key), "rest-us", 1, null);
  }

  private static Message simple(String subject) {
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject(subject).text("hello").build();
  }

  @Test
  void createsDirectoryAndDatabaseReadableByOwnerOnly() throws Exception {
    Path dir = temp.resolve("spool");

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("k1", simple("a"))), Spool.Limits.NONE);

      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("spool.db"))))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void secondDispatchingOpenOfSameDirectoryIsRefusedWhileFirstIsOpen() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool first = SqliteSpool.open(dir)) {
      assertThat(first.directory()).isEqualTo(dir.toAbsolutePath());

      assertThatThrownBy(() -> SqliteSpool.open(dir))
          .isInstanceOfSatisfying(SpoolOpenException.class,
              e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.IN_USE))
          .hasMessageContaining("is being dispatched by another process").hasMessageContaining("one dispatcher");
    }
  }

  @Test
  void entriesSurviveCloseAndReopen() {
    Path dir = temp.resolve("spool");
    Message message = Message.builder().from("sender@example.com", "Sender").to("rcpt@example.com").cc("cc@example.com")
        .subject("Invoice").html("<p>hi</p>").text("hi").header("X-Order", "42")
        .attachment("invoice.pdf", "application/pdf", new byte[] {0, 1, 2, (byte) 255})
        .metadata(java.util.Map.of("order", 42, "tags", List.of("a", "b")))
        .tag("billing").build();
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("k1", message)), Spool.Limits.NONE);
    }

    try (SqliteSpool reopened = SqliteSpool.open(dir)) {
      List<Spool.Claimed> claimed = reopened.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).hasSize(1);
      assertThat(claimed.get(0).message()).isNotNull();
      assertThat(claimed.get(0).message().fingerprint()).isEqualTo(message.fingerprint());
      assertThat(claimed.get(0).message().attachments().get(0).content()).containsExactly(0, 1, 2, 255);
    }
  }

  @Test
  void concurrentAppendsAreAllDurable() throws Exception {
    Path dir = temp.resolve("spool");
    int producers = 16;
    int each = 50;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(producers);
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int producer = p;
        futures.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < each; i++) {
            spool.append(List.of(entry("p" + producer + "-" + i, simple("m" + i))), Spool.Limits.NONE);
          }
        }, pool));
      }
      assertThat(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))).succeedsWithin(Duration.ofMinutes(2));
      pool.shutdown();
      assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    }

    try (SqliteSpool reopened = SqliteSpool.open(dir)) {
      assertThat(reopened.stats(T0).count(SpoolState.PENDING)).isEqualTo((long) producers * each);
    }
  }

  /** Reads the trigger-kept totals and what counting the rows says, for comparison. */
  private static long[] totalsAndCount(Path dir) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement();
        java.sql.ResultSet kept = s.executeQuery("SELECT entries, bytes FROM undelivered")) {
      kept.next();
      long keptEntries = kept.getLong(1);
      long keptBytes = kept.getLong(2);
      try (Statement s2 = c.createStatement();
          java.sql.ResultSet counted = s2.executeQuery("SELECT count(*), coalesce(sum(size_bytes), 0) FROM entries "
              + "WHERE state IN ('PENDING', 'IN_FLIGHT', 'RECONCILING')")) {
        counted.next();
        return new long[] {keptEntries, keptBytes, counted.getLong(1), counted.getLong(2)};
      }
    }
  }

  @Test
  void undeliveredTotalsFollowEveryStateChangeAndRollBackWithAFailedAppend() throws Exception {
    Path dir = temp.resolve("spool");
    Message small = simple("a");
    long size = small.estimatedSizeBytes();
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 0; i < 6; i++) {
        spool.append(List.of(entry("k" + i, small)), Spool.Limits.NONE);
      }
      List<Spool.Claimed> claimed = spool.claim(4, T0, Duration.ofMinutes(5));
      assertThat(spool.markDelivered(claimed.get(0).entry().id(), new io.steadfast.SendReceipt("tx-1", 1, 0,
          claimed.get(0).entry().idempotencyKey(), "rest", 1, null), T0)).isTrue();
      assertThat(spool.deadLetter(claimed.get(1).entry().id(), "rejected", T0)).isTrue();
      assertThat(spool.reschedule(claimed.get(2).entry().id(), T0, "503")).isTrue();
      // Two new entries against room for one more: the first would fit, the second does not, and the
      // whole append (including the first) is rolled back, totals with it.
      Spool.Limits roomForOne = new Spool.Limits(5, Long.MAX_VALUE);
      assertThatThrownBy(() -> spool.append(List.of(entry("n1", small), entry("n2", small)), roomForOne))
          .isInstanceOf(io.steadfast.SpoolFullException.class)
          .hasMessageContaining("4 undelivered entries")
          .hasMessageContaining("this append adds 2");
      assertThat(spool.find(IdempotencyKey.of("n1"))).isEmpty();
      assertThat(spool.requeue(claimed.get(1).entry().id(), T0, T0.plus(Duration.ofHours(1)))).isTrue();
      assertThatThrownBy(() -> spool.append(List.of(entry("n3", small)), roomForOne))
          .isInstanceOf(io.steadfast.SpoolFullException.class);
      assertThat(spool.purgeDelivered(T0.plusSeconds(1))).isEqualTo(1);
    }

    long[] totals = totalsAndCount(dir);
    assertThat(totals[0]).isEqualTo(totals[2]).isEqualTo(5);
    assertThat(totals[1]).isEqualTo(totals[3]).isEqualTo(5 * size);
  }

  /** Inserts an entry row as releases of schema 1 to 3 wrote it (columns common to all three). */
  private static long insertOld(Connection c, String key, String state, int attempts, Long leaseUntil,
      String lastError, long sizeBytes, String receipt) throws Exception {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO entries (idempotency_key, fingerprint, state, "
        + "attempts, created_at, next_attempt_at, deliver_by, lease_until, last_error, size_bytes, receipt) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
      insert.setString(1, key);
      insert.setString(2, "fp-" + key);
      insert.setString(3, state);
      insert.setInt(4, attempts);
      insert.setLong(5, T0.toEpochMilli());
      insert.setLong(6, T0.toEpochMilli());
      insert.setLong(7, T0.plus(Duration.ofHours(72)).toEpochMilli());
      insert.setObject(8, leaseUntil);
      insert.setString(9, lastError);
      insert.setLong(10, sizeBytes);
      insert.setString(11, receipt);
      try (ResultSet r = insert.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static void insertBody(Connection c, long id, byte[] json) throws Exception {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO bodies (entry_id, message) VALUES (?, ?)")) {
      insert.setLong(1, id);
      insert.setBytes(2, json);
      insert.executeUpdate();
    }
  }

  @Test
  void migratingASchemaOneSpoolCountsWhatItAlreadyHolds() throws Exception {
    Path dir = temp.resolve("spool");
    try (Connection c = OldSchemas.sqlite(dir, 1)) {
      for (int i = 0; i < 3; i++) {
        Message message = simple("a" + i);
        long id = insertOld(c, "k" + i, "PENDING", 0, null, null, message.estimatedSizeBytes(), null);
        insertBody(c, id, MessageCodec.encode(message));
      }
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      assertThatThrownBy(() -> spool.append(List.of(entry("k3", simple("a"))), new Spool.Limits(3, Long.MAX_VALUE)))
          .isInstanceOf(io.steadfast.SpoolFullException.class)
          .hasMessageContaining("3 undelivered entries");
      assertThat(spool.claim(10, T0, Duration.ofMinutes(5))).extracting(Spool.Claimed::message)
          .containsExactly(simple("a0"), simple("a1"), simple("a2"));
    }
    long[] totals = totalsAndCount(dir);
    assertThat(totals[0]).isEqualTo(3);
    assertThat(totals[1]).isEqualTo(totals[3]);
  }

  @Test
  void migratingASchemaTwoSpoolKeepsItsBodiesAndPacksNewOnes() throws Exception {
    Path dir = temp.resolve("spool");
    Message old = simple("stored before packs");
    try (Connection c = OldSchemas.sqlite(dir, 2)) {
      long id = insertOld(c, "old", "PENDING", 0, null, null, old.estimatedSizeBytes(), null);
      insertBody(c, id, MessageCodec.encode(old));
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("new1", simple("new one")), entry("new2", simple("new two"))), Spool.Limits.NONE);
      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).extracting(claim -> claim.entry().idempotencyKey().value())
          .containsExactlyInAnyOrder("old", "new1", "new2");
      assertThat(claimed).allSatisfy(claim -> assertThat(claim.message()).isNotNull());
      assertThat(claimed.stream().filter(claim -> claim.entry().idempotencyKey().value().equals("old"))
          .findFirst().orElseThrow().message()).isEqualTo(old);
    }
    assertThat(count(dir, "SELECT max(version) FROM schema_migrations")).isEqualTo(SqliteSpool.SCHEMA_VERSION);
    assertThat(count(dir, "SELECT count(*) FROM body_packs")).isEqualTo(1);
    assertThat(count(dir, "SELECT count(*) FROM bodies")).isEqualTo(1);
  }

  @Test
  void migratingASchemaThreeSpoolKeepsEveryEntryBodyAndReceiptAndAllowsReconciling() throws Exception {
    Path dir = temp.resolve("spool");
    Message packedPending = simple("packed, pending");
    Message packedInFlight = simple("packed, in flight");
    Message dead = simple("dead letter");
    Message large = Message.builder().from("sender@example.com").to("rcpt@example.com").subject("large")
        .text("x".repeat(40_000)).build();
    long pendingId;
    long inFlightId;
    long deliveredId;
    long deadId;
    long largeId;
    long leaseUntil = T0.plus(Duration.ofMinutes(5)).toEpochMilli();
    // What the release with schema 3 wrote: two small bodies of one commit share a pack; a large body and
    // a dead letter's copy have rows of their own; a delivered entry keeps only its receipt.
    try (Connection c = OldSchemas.sqlite(dir, 3)) {
      byte[] first = MessageCodec.encodeCompact(packedPending);
      byte[] second = MessageCodec.encodeCompact(packedInFlight);
      byte[] pack = new byte[first.length + second.length];
      System.arraycopy(first, 0, pack, 0, first.length);
      System.arraycopy(second, 0, pack, first.length, second.length);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO body_packs (id, data) VALUES (7, ?)")) {
        insert.setBytes(1, pack);
        insert.executeUpdate();
      }
      pendingId = insertOld(c, "pending", "PENDING", 0, null, null, packedPending.estimatedSizeBytes(), null);
      inFlightId = insertOld(c, "in-flight", "IN_FLIGHT", 1, leaseUntil, "HTTP 503",
          packedInFlight.estimatedSizeBytes(), null);
      try (Statement s = c.createStatement()) {
        s.execute("UPDATE entries SET pack_id = 7, pack_offset = 0, pack_length = " + first.length + " WHERE id = "
            + pendingId);
        s.execute("UPDATE entries SET pack_id = 7, pack_offset = " + first.length + ", pack_length = "
            + second.length + " WHERE id = " + inFlightId);
        s.execute("INSERT INTO body_pack_refs (pack_id, live) VALUES (7, 2)");
      }
      deliveredId = insertOld(c, "delivered", "DELIVERED", 1, null, null, 100,
          OldSchemas.oldReceiptJson("tx-delivered", "delivered"));
      deadId = insertOld(c, "dead", "DEAD", 3, null, "REJECTED: bad recipient", dead.estimatedSizeBytes(), null);
      insertBody(c, deadId, MessageCodec.encodeCompact(dead));
      largeId = insertOld(c, "large", "PENDING", 0, null, null, large.estimatedSizeBytes(), null);
      insertBody(c, largeId, MessageCodec.encodeCompact(large));
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      assertThat(count(dir, "SELECT max(version) FROM schema_migrations")).isEqualTo(SqliteSpool.SCHEMA_VERSION).isEqualTo(5);
      assertThat(count(dir, "SELECT count(*) FROM bodies")).as("bodies kept through the rebuild").isEqualTo(2);
      assertThat(count(dir, "SELECT count(*) FROM body_packs")).isEqualTo(1);
      assertThat(spool.inspect(pendingId).orElseThrow().state()).isEqualTo(SpoolState.PENDING);
      SpoolEntry inFlight = spool.inspect(inFlightId).orElseThrow();
      assertThat(inFlight.state()).isEqualTo(SpoolState.IN_FLIGHT);
      assertThat(inFlight.attempts()).isEqualTo(1);
      assertThat(inFlight.leaseUntil()).isEqualTo(Instant.ofEpochMilli(leaseUntil));
      assertThat(inFlight.lastError()).isEqualTo("HTTP 503");
      assertThat(inFlight.reconcileLooks()).isZero();
      assertThat(inFlight.unknownSince()).isNull();
      SpoolEntry delivered = spool.find(IdempotencyKey.of("delivered")).orElseThrow();
      assertThat(delivered.id()).isEqualTo(deliveredId);
      assertThat(delivered.state()).isEqualTo(SpoolState.DELIVERED);
      assertThat(delivered.receipt()).isEqualTo(new SendReceipt("tx-delivered", 1, 0, IdempotencyKey.of("delivered"),
          "rest-us", 1, null));
      assertThat(delivered.receipt().confirmedFromEvents()).isFalse();
      SpoolEntry deadEntry = spool.inspect(deadId).orElseThrow();
      assertThat(deadEntry.state()).isEqualTo(SpoolState.DEAD);
      assertThat(deadEntry.lastError()).isEqualTo("REJECTED: bad recipient");
      assertThat(deadEntry.attempts()).isEqualTo(3);
      assertThat(spool.stats(T0).countByState()).containsEntry(SpoolState.PENDING, 2L)
          .containsEntry(SpoolState.IN_FLIGHT, 1L).containsEntry(SpoolState.RECONCILING, 0L)
          .containsEntry(SpoolState.DELIVERED, 1L).containsEntry(SpoolState.DEAD, 1L);

      // The old in-flight entry is looked up before any re-send, its packed body intact.
      assertThat(spool.recoverInFlight(T0.plusSeconds(1), T0.plusSeconds(1))).isEqualTo(1);
      List<Spool.Claimed> lookups = spool.claimReconciling(10, T0.plusSeconds(1), Duration.ofMinutes(5));
      assertThat(lookups).singleElement().satisfies(claim -> {
        assertThat(claim.entry().id()).isEqualTo(inFlightId);
        assertThat(claim.message()).isEqualTo(packedInFlight);
      });
      assertThat(spool.markDelivered(lookups.get(0), new SendReceipt("tx-found", 1, 0, IdempotencyKey.of("in-flight"),
          "rest-us", 1, null, true), T0.plusSeconds(2))).isTrue();
      assertThat(spool.inspect(inFlightId).orElseThrow().receipt().confirmedFromEvents()).isTrue();
      assertThat(spool.claim(10, T0, Duration.ofMinutes(5))).extracting(Spool.Claimed::message)
          .containsExactly(packedPending, large);
      assertThat(spool.requeue(deadId, T0.plusSeconds(3), T0.plus(Duration.ofDays(3)))).isTrue();
      assertThat(spool.claim(10, T0.plusSeconds(3), Duration.ofMinutes(5))).extracting(Spool.Claimed::message)
          .containsExactly(dead);
    }
    long[] totals = totalsAndCount(dir);
    assertThat(totals[0]).isEqualTo(totals[2]).isEqualTo(3);
    assertThat(totals[1]).isEqualTo(totals[3]);
    assertThat(count(dir, "SELECT count(*) FROM body_pack_refs")).isEqualTo(1);
  }

  @Test
  void failedMigrationLeavesASchemaThreeSpoolAsItWas() throws Exception {
    Path dir = temp.resolve("spool");
    try (Connection c = OldSchemas.sqlite(dir, 3)) {
      long id = insertOld(c, "k1", "PENDING", 0, null, null, 10, null);
      insertBody(c, id, MessageCodec.encodeCompact(simple("a")));
      // A table holding the index's name makes the migration fail half way, after the old table is dropped.
      try (Statement s = c.createStatement()) {
        s.execute("DROP INDEX entries_due");
        s.execute("CREATE TABLE entries_due (id INTEGER)");
      }
    }

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED_NOT_MOVED))
        .hasMessageContaining("could not be migrated")
        .hasMessageContaining("left as it was");

    // A failed migration is no proof of damage: the file stays where it was, as it was.
    assertThat(dir.resolve(SqliteSpool.CORRUPT_DIRECTORY)).doesNotExist();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT max(version) FROM schema_migrations")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(3);
      }
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM entries JOIN bodies ON bodies.entry_id = entries.id")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void undeliveredTotalsCountReconcilingEntries() throws Exception {
    Path dir = temp.resolve("spool");
    Duration lease = Duration.ofMinutes(5);
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 0; i < 4; i++) {
        spool.append(List.of(entry("k" + i, simple("a" + i))), Spool.Limits.NONE);
      }
      List<Spool.Claimed> claimed = spool.claim(4, T0, lease);
      assertThat(spool.markReconciling(claimed.get(0), T0, T0, "UNKNOWN: read timeout")).isTrue();
      assertThat(spool.claimReconciling(10, T0.plus(lease), lease)).hasSize(4);
      Spool.Claimed lookup = spool.claimReconciling(10, T0.plus(lease).plus(lease), lease).get(0);
      assertThat(spool.markDelivered(lookup, receipt("k"), T0.plus(lease))).isTrue();
      long size = simple("a0").estimatedSizeBytes();
      assertThat(totalsAndCount(dir)).containsExactly(3, 3 * size, 3, 3 * size);
    }
  }

  @Test
  void reconcileClaimsAfterAReopenHaveLeaseTokensNoEarlierClaimHad() {
    Path dir = temp.resolve("spool");
    Duration lease = Duration.ofMinutes(5);
    long before;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("k1", simple("a"))), Spool.Limits.NONE);
      assertThat(spool.markReconciling(spool.claim(1, T0, lease).get(0), T0, T0, "UNKNOWN")).isTrue();
      before = spool.claimReconciling(1, T0, lease).get(0).leaseToken();
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.recoverInFlight(T0, T0);
      Spool.Claimed after = spool.claimReconciling(1, T0, lease).get(0);

      assertThat(after.leaseToken()).isGreaterThan(before);
      assertThat(spool.deferReconciling(new Spool.Claimed(after.entry(), after.message(), null, before), T0, true,
          "from the claim before the restart")).isFalse();
      assertThat(spool.deferReconciling(after, T0, true, "no event")).isTrue();
    }
  }

  private static long count(Path dir, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void bodiesAppendedTogetherArePackedReadBackAndDroppedWithTheLastDelivery() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      List<Message> messages = List.of(simple("one"), simple("two"), simple("three"));
      spool.append(List.of(entry("p1", messages.get(0)), entry("p2", messages.get(1)), entry("p3", messages.get(2))),
          Spool.Limits.NONE);
      assertThat(count(dir, "SELECT count(*) FROM body_packs")).isEqualTo(1);
      assertThat(count(dir, "SELECT count(*) FROM bodies")).isZero();

      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).extracting(Spool.Claimed::message).containsExactlyInAnyOrderElementsOf(messages);
      assertThat(spool.stats(T0).bytes()).isEqualTo(claimed.stream().mapToLong(c -> c.entry().sizeBytes()).sum());
      assertThat(spool.markDelivered(claimed.get(0).entry().id(), receipt("p"), T0)).isTrue();
      assertThat(spool.markDelivered(claimed.get(1).entry().id(), receipt("p"), T0)).isTrue();
      assertThat(count(dir, "SELECT count(*) FROM body_packs")).as("one entry still needs the pack").isEqualTo(1);
      assertThat(spool.markDelivered(claimed.get(2).entry().id(), receipt("p"), T0)).isTrue();
      assertThat(count(dir, "SELECT count(*) FROM body_packs")).isZero();
      assertThat(count(dir, "SELECT count(*) FROM body_pack_refs")).isZero();
    }
  }

  @Test
  void deadLetterFromAPackKeepsItsOwnCopyAndCanBeRequeued() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      Message doomed = simple("doomed");
      spool.append(List.of(entry("d1", doomed), entry("d2", simple("fine"))), Spool.Limits.NONE);
      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));
      long doomedId = claimed.stream().filter(c -> c.entry().idempotencyKey().value().equals("d1")).findFirst()
          .orElseThrow().entry().id();
      long fineId = claimed.stream().filter(c -> c.entry().id() != doomedId).findFirst().orElseThrow().entry().id();

      assertThat(spool.deadLetter(doomedId, "REJECTED: no", T0)).isTrue();
      assertThat(spool.markDelivered(fineId, receipt("d2"), T0)).isTrue();

      assertThat(count(dir, "SELECT count(*) FROM body_packs")).as("the dead letter does not hold the pack").isZero();
      assertThat(spool.stats(T0).bytes()).isEqualTo(doomed.estimatedSizeBytes());
      assertThat(spool.requeue(doomedId, T0, T0.plus(Duration.ofHours(1)))).isTrue();
      List<Spool.Claimed> again = spool.claim(10, T0, Duration.ofMinutes(5));
      assertThat(again).singleElement().satisfies(c -> assertThat(c.message()).isEqualTo(doomed));
    }
  }

  @Test
  void unreadableSliceOfAPackIsClaimedWithReasonAndItsPackMatesStillRead() throws Exception {
    Path dir = temp.resolve("spool");
    long badId;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      badId = spool.append(List.of(entry("s1", simple("one")), entry("s2", simple("two")), entry("s3",
          simple("three"))), Spool.Limits.NONE).get(1).id();
    }
    // Overwrite the middle message's slice with bytes that are not JSON, keeping every length.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT p.id, p.data, e.pack_offset, e.pack_length FROM entries e "
            + "JOIN body_packs p ON p.id = e.pack_id WHERE e.id = " + badId)) {
      r.next();
      byte[] pack = r.getBytes(2);
      Arrays.fill(pack, r.getInt(3), r.getInt(3) + r.getInt(4), (byte) 'x');
      try (PreparedStatement update = c.prepareStatement("UPDATE body_packs SET data = ? WHERE id = ?")) {
        update.setBytes(1, pack);
        update.setLong(2, r.getLong(1));
        update.executeUpdate();
      }
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).hasSize(3);
      assertThat(claimed).filteredOn(c -> c.entry().id() == badId).singleElement()
          .satisfies(c -> assertThat(c.message()).isNull())
          .satisfies(c -> assertThat(c.unreadableReason()).isNotBlank());
      assertThat(claimed).filteredOn(c -> c.entry().id() != badId).extracting(Spool.Claimed::message)
          .containsExactlyInAnyOrder(simple("one"), simple("three"));
    }
  }

  @Test
  void largeBodiesAreNotPacked() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      Message large = Message.builder().from("sender@example.com").to("rcpt@example.com").subject("large")
          .text("x".repeat(20_000)).build();
      spool.append(List.of(entry("l1", large), entry("l2", simple("small"))), Spool.Limits.NONE);

      assertThat(count(dir, "SELECT count(*) FROM body_packs")).isZero();
      assertThat(count(dir, "SELECT count(*) FROM bodies")).isEqualTo(2);
      assertThat(spool.claim(10, T0, Duration.ofMinutes(5))).extracting(Spool.Claimed::message).contains(large);
    }
  }

  @Test
  void databaseOfNewerSchemaIsRefusedUnchanged() throws Exception {
    Path dir = temp.resolve("spool");
    SqliteSpool.open(dir).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)");
    }

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.NEWER_SCHEMA))
        .hasMessageContaining("newer Steadfast")
        .hasMessageContaining("schema version 99");
    assertThat(dir.resolve("spool.db")).exists();
  }

  @Test
  void fileThatIsNoDatabaseIsKeptInCorruptFolderAndReportedAsUnknownLoss() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("k1", simple("a"))), Spool.Limits.NONE);
    }
    byte[] garbage = "this is not a database at all, just some text".repeat(100).getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("spool.db"), garbage);

    try (SqliteSpool fresh = SqliteSpool.open(dir)) {
      assertThat(fresh.stats(T0).undeliveredCount()).isZero();
      assertThat(fresh.damage()).hasValueSatisfying(d -> {
        assertThat(d.recovered()).isZero();
        assertThat(d.unreadable()).as("nothing could count the entries").isEqualTo(-1);
        assertThat(d.summary()).contains("an unknown number unreadable");
      });
    }

    Path copy;
    try (Stream<Path> moved = Files.list(dir.resolve("corrupt"))) {
      copy = moved.filter(p -> p.getFileName().toString().matches("spool\\.db\\.\\d+")).findFirst().orElseThrow();
    }
    assertThat(Files.readAllBytes(copy)).isEqualTo(garbage);
  }

  @Test
  void damagedDatabaseThatCannotBeSalvagedStaysWhereItIs() throws Exception {
    Path dir = temp.resolve("spool");
    SqliteSpool.open(dir).close();
    byte[] garbage = "not a database ".repeat(300).getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("spool.db"), garbage);
    // A plain file where the corrupt/ folder would go: the salvage cannot keep the original.
    Files.writeString(dir.resolve("corrupt"), "in the way");

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED_NOT_MOVED))
        .hasMessageContaining("could not be salvaged")
        .hasMessageContaining("nothing was deleted");
    assertThat(Files.readAllBytes(dir.resolve("spool.db"))).isEqualTo(garbage);
  }

  @Test
  void truncatedDatabaseIsSalvagedAndEveryEntryAccountedForThoughItsIndexPagesAreLostToo() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      List<Spool.NewEntry> batch = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        batch.add(entry("k" + i, SqliteSpoolDamageTest.message("k" + i, 1000)));
        // Alone (a bodies row) and in groups of eight (a pack), as concurrent submits commit them.
        if (batch.size() == (i % 3 == 0 ? 1 : 8)) {
          spool.append(batch, Spool.Limits.NONE);
          batch.clear();
        }
      }
      spool.append(batch, Spool.Limits.NONE);
    }
    Path db = dir.resolve("spool.db");
    byte[] bytes = Files.readAllBytes(db);
    Files.write(db, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    long undelivered;
    io.steadfast.spi.SpoolDamage damage;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      undelivered = spool.stats(T0).undeliveredCount();
      damage = spool.damage().orElseThrow();
    }

    java.util.Properties report = SqliteSpoolDamageTest.onlyReport(dir);
    long recovered = Long.parseLong(report.getProperty("recovered"));
    long unreadable = Long.parseLong(report.getProperty("unreadable"));
    System.out.printf("Truncated 2000-entry spool: %d recovered, %d unreadable, %d of them named by an index%n",
        recovered, unreadable, damage.unreadableKeys().size());
    assertThat(recovered).isEqualTo(undelivered).isPositive();
    assertThat(recovered + unreadable).isEqualTo(2000);
    // Counted from the spool's own undelivered total: the index pages that named the rest were cut off too.
    assertThat(damage.unreadableKeys().size()).isLessThan((int) unreadable);
  }

  @Test
  void unreadableMessageIsClaimedWithReasonWithoutBlockingOthers() throws Exception {
    Path dir = temp.resolve("spool");
    long badId;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      badId = spool.append(List.of(entry("bad", simple("a"))), Spool.Limits.NONE).get(0).id();
      spool.append(List.of(entry("good", simple("b"))), Spool.Limits.NONE);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement()) {
      s.execute("UPDATE bodies SET message = X'7B226E6F74223A' WHERE entry_id = " + badId);
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).hasSize(2);
      Spool.Claimed bad = claimed.stream().filter(c -> c.entry().id() == badId).findFirst().orElseThrow();
      assertThat(bad.message()).isNull();
      assertThat(bad.unreadableReason()).isNotBlank();
      assertThat(claimed.stream().filter(c -> c.entry().id() != badId).findFirst().orElseThrow().message()).isNotNull();
    }
  }

  @Test
  void deliveredEntryKeepsItsKeyButDropsItsBody() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      SpoolEntry entry = spool.append(List.of(entry("k1", simple("a"))), Spool.Limits.NONE).get(0);
      spool.claim(1, T0, Duration.ofMinutes(5));

      spool.markDelivered(entry.id(), new io.steadfast.SendReceipt("tx", 1, 0, IdempotencyKey.of("k1"), "rest-us", 1,
          null), T0);

      assertThat(spool.stats(T0).bytes()).isZero();
      assertThat(spool.find(IdempotencyKey.of("k1")).orElseThrow().state()).isEqualTo(SpoolState.DELIVERED);
      assertThat(spool.requeue(entry.id(), T0, T0)).isFalse();
    }
  }
}
