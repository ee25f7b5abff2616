package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
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
  void secondOpenOfSameDirectoryIsRefusedWhileFirstIsOpen() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool first = SqliteSpool.open(dir)) {
      assertThat(first.directory()).isEqualTo(dir.toAbsolutePath());

      assertThatThrownBy(() -> SqliteSpool.open(dir))
          .isInstanceOfSatisfying(SpoolOpenException.class,
              e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.IN_USE))
          .hasMessageContaining("in use by another process");
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
      assertThat(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))).succeedsWithin(Duration.ofSeconds(60));
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
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
              + "WHERE state IN ('PENDING', 'IN_FLIGHT')")) {
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

  @Test
  void migratingASchemaOneSpoolCountsWhatItAlreadyHolds() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 0; i < 3; i++) {
        spool.append(List.of(entry("k" + i, simple("a"))), Spool.Limits.NONE);
      }
    }
    // Turn it back into a version 1 spool: no packs (version 3), no totals table, no triggers (version 2).
    downgradeToVersion2(dir);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement()) {
      for (String trigger : List.of("undelivered_insert", "undelivered_delete", "undelivered_update")) {
        s.execute("DROP TRIGGER " + trigger);
      }
      s.execute("DROP TABLE undelivered");
      s.execute("DELETE FROM schema_migrations WHERE version = 2");
    }

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      assertThatThrownBy(() -> spool.append(List.of(entry("k3", simple("a"))), new Spool.Limits(3, Long.MAX_VALUE)))
          .isInstanceOf(io.steadfast.SpoolFullException.class)
          .hasMessageContaining("3 undelivered entries");
    }
    long[] totals = totalsAndCount(dir);
    assertThat(totals[0]).isEqualTo(3);
    assertThat(totals[1]).isEqualTo(totals[3]);
  }

  /** Removes what schema version 3 added; the spool must hold no packed bodies. */
  private static void downgradeToVersion2(Path dir) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM entries WHERE pack_id IS NOT NULL")) {
        r.next();
        assertThat(r.getLong(1)).as("packed entries would be lost by the downgrade").isZero();
      }
      s.execute("DROP TABLE body_pack_refs");
      s.execute("DROP TABLE body_packs");
      for (String column : List.of("pack_id", "pack_offset", "pack_length")) {
        s.execute("ALTER TABLE entries DROP COLUMN " + column);
      }
      s.execute("DELETE FROM schema_migrations WHERE version = 3");
    }
  }

  @Test
  void migratingASchemaTwoSpoolKeepsItsBodiesAndPacksNewOnes() throws Exception {
    Path dir = temp.resolve("spool");
    Message old = simple("stored before packs");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("old", old)), Spool.Limits.NONE);
    }
    downgradeToVersion2(dir);

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("new1", simple("new one")), entry("new2", simple("new two"))), Spool.Limits.NONE);
      List<Spool.Claimed> claimed = spool.claim(10, T0, Duration.ofMinutes(5));

      assertThat(claimed).extracting(claim -> claim.entry().idempotencyKey().value())
          .containsExactlyInAnyOrder("old", "new1", "new2");
      assertThat(claimed).allSatisfy(claim -> assertThat(claim.message()).isNotNull());
      assertThat(claimed.stream().filter(claim -> claim.entry().idempotencyKey().value().equals("old"))
          .findFirst().orElseThrow().message()).isEqualTo(old);
    }
    assertThat(count(dir, "SELECT count(*) FROM schema_migrations WHERE version = 3")).isEqualTo(1);
    assertThat(count(dir, "SELECT count(*) FROM body_packs")).isEqualTo(1);
    assertThat(count(dir, "SELECT count(*) FROM bodies")).isEqualTo(1);
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
  void damagedDatabaseIsMovedToCorruptFolderAndNextOpenStartsEmpty() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(entry("k1", simple("a"))), Spool.Limits.NONE);
    }
    Files.write(dir.resolve("spool.db"), "this is not a database at all, just some text".repeat(100)
        .getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED))
        .hasMessageContaining("damaged")
        .hasMessageContaining("corrupt");

    try (Stream<Path> moved = Files.list(dir.resolve("corrupt"))) {
      assertThat(moved.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("spool.db."));
    }
    try (SqliteSpool fresh = SqliteSpool.open(dir)) {
      assertThat(fresh.stats(T0).undeliveredCount()).isZero();
    }
  }

  @Test
  void damagedDatabaseThatCannotBeMovedAsideStaysWhereItIs() throws Exception {
    Path dir = temp.resolve("spool");
    SqliteSpool.open(dir).close();
    byte[] garbage = "not a database ".repeat(300).getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("spool.db"), garbage);
    // A plain file where the corrupt/ folder would go: the move aside fails.
    Files.writeString(dir.resolve("corrupt"), "in the way");

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED_NOT_MOVED))
        .hasMessageContaining("could not be moved aside")
        .hasMessageContaining("Nothing was deleted");
    assertThat(Files.readAllBytes(dir.resolve("spool.db"))).isEqualTo(garbage);
  }

  @Test
  void truncatedDatabaseIsMovedAsideNotDeleted() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 0; i < 200; i++) {
        spool.append(List.of(entry("k" + i, simple("a" + i))), Spool.Limits.NONE);
      }
    }
    Path db = dir.resolve("spool.db");
    byte[] bytes = Files.readAllBytes(db);
    Files.write(db, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> SqliteSpool.open(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED))
        .hasMessageContaining("damaged");
    assertThat(Files.exists(dir.resolve("corrupt"))).isTrue();
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
