package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #17, finding 1: a damaged spool must not strand its mail. A spool holding 12 acknowledged
 * messages is damaged the two ways the run did it (truncated to half its size; 4 KiB of random
 * bytes over the middle), with every message in the main file (the spool closed, so its WAL was
 * checkpointed). A read-only open leaves the file byte for byte as it was; opening for dispatch salvages
 * every entry it can still read, accounts for all 12, and keeps reporting the unreadable ones until
 * they are cleared.
 */
class SqliteSpoolDamageTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int PAGE = 4096;

  @TempDir
  Path temp;

  /** The two ways the fault run damaged a spool file. */
  enum Damage {
    TRUNCATED_TO_HALF {
      @Override
      void apply(Path db) throws IOException {
        try (FileChannel file = FileChannel.open(db, StandardOpenOption.WRITE)) {
          file.truncate(file.size() / 2);
        }
      }
    },
    RANDOM_4_KIB_IN_THE_MIDDLE {
      @Override
      void apply(Path db) throws IOException {
        byte[] noise = new byte[PAGE];
        new Random(17).nextBytes(noise);
        try (FileChannel file = FileChannel.open(db, StandardOpenOption.WRITE)) {
          // On a page boundary, so that the noise replaces one whole page of data.
          long middle = file.size() / PAGE / 2 * PAGE;
          file.write(ByteBuffer.wrap(noise), middle);
        }
      }
    };

    abstract void apply(Path db) throws IOException;
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void readOnlyOpenLeavesADamagedSpoolByteIdenticalAndSaysDispatchSalvagesIt(Damage damage) throws Exception {
    Path dir = temp.resolve("spool");
    spoolOfTwelve(dir);
    damage.apply(dir.resolve("spool.db"));
    String before = sha256(dir.resolve("spool.db"));

    assertThatThrownBy(() -> SqliteSpool.openReadOnly(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class, e -> {
          assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.DAMAGED);
          assertThat(e.retryable()).isFalse();
        })
        .hasMessageContaining("is damaged")
        .hasMessageContaining("it was not changed")
        .hasMessageContaining("'steadfast drain' or 'steadfast dispatch'")
        .hasMessageContaining("salvages the entries it can still read");

    assertThat(sha256(dir.resolve("spool.db"))).isEqualTo(before);
    assertThat(dir.resolve("corrupt")).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void openForDispatchSalvagesEveryReadableEntryAndReportsTheRestUntilCleared(Damage damage) throws Exception {
    Path dir = temp.resolve("spool");
    Map<String, Message> acknowledged = spoolOfTwelve(dir);
    damage.apply(dir.resolve("spool.db"));
    String damagedHash = sha256(dir.resolve("spool.db"));

    Map<String, Message> recovered = new LinkedHashMap<>();
    SpoolDamage reported;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (Spool.Claimed claimed : spool.claim(100, T0.plusSeconds(60), Duration.ofMinutes(5))) {
        assertThat(claimed.message()).as("claimed %s", claimed.entry().idempotencyKey()).isNotNull();
        recovered.put(claimed.entry().idempotencyKey().value(), claimed.message());
      }
      reported = spool.damage().orElseThrow();
    }

    Properties report = onlyReport(dir);
    System.out.printf("Damage %s: %s entries recovered, %s unreadable (keys %s)%n", damage,
        report.getProperty("recovered"), report.getProperty("unreadable"), report.getProperty("unreadable-keys"));
    Set<String> unreadable = new TreeSet<>(acknowledged.keySet());
    unreadable.removeAll(recovered.keySet());
    assertThat(Long.parseLong(report.getProperty("recovered"))).isEqualTo(recovered.size()).isPositive();
    assertThat(Long.parseLong(report.getProperty("unreadable"))).isEqualTo(unreadable.size()).isPositive();
    assertThat(recovered.size() + unreadable.size()).isEqualTo(12);
    assertThat(recovered).allSatisfy((key, message) -> assertThat(message).isEqualTo(acknowledged.get(key)));
    assertThat(reported.recovered()).isEqualTo(recovered.size());
    assertThat(reported.unreadable()).isEqualTo(unreadable.size());
    assertThat(reported.unreadableKeys()).containsExactlyInAnyOrderElementsOf(unreadable);
    assertThat(reported.summary()).contains(recovered.size() + " entries recovered, " + unreadable.size()
        + " unreadable");
    Path copy = dir.resolve("corrupt").resolve(report.getProperty("damaged-copy"));
    assertThat(sha256(copy)).as("the damaged original, unchanged").isEqualTo(damagedHash);
    assertThat(reported.damagedCopy()).isEqualTo(copy.toString());

    assertThat(SqliteSpool.clearDamage(dir)).isEqualTo(1);

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      assertThat(spool.damage()).isEmpty();
      assertThat(spool.stats(T0).undeliveredCount()).isEqualTo(recovered.size());
    }
    assertThat(copy).exists();
    assertThat(onlyReport(dir).getProperty("cleared")).isEqualTo("true");
  }

  @Test
  void salvageKeepsEveryColumnTurnsInFlightIntoReconcilingAndKeepsTheLedger() throws Exception {
    Path dir = temp.resolve("spool");
    List<SpoolEntry> before;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 1; i <= 6; i++) {
        spool.append(List.of(entry("k" + i, message("k" + i, 200))), Spool.Limits.NONE);
      }
      List<Spool.Claimed> claimed = spool.claim(4, T0, Duration.ofMinutes(5));
      spool.markDelivered(claimed.get(0).entry().id(), new SendReceipt("tx-1", 1, 0, IdempotencyKey.of("k1"),
          "rest-us", 1, null), T0.plusSeconds(1));
      spool.reschedule(claimed.get(1).entry().id(), T0.plusSeconds(90), "HTTP 503 from rest-us");
      spool.deadLetter(claimed.get(2).entry().id(), "rejected: bad recipient", T0.plusSeconds(2));
      // k4 stays in flight, k5 and k6 pending.
      before = all(spool);
    }
    // Only the entries_due index is damaged: every table page can still be read.
    overwritePage(dir.resolve("spool.db"), rootPage(dir.resolve("spool.db"), "entries_due"));

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      List<SpoolEntry> after = all(spool);

      assertThat(spool.damage()).isEmpty();
      assertThat(after).hasSameSizeAs(before);
      for (int i = 0; i < before.size(); i++) {
        SpoolEntry was = before.get(i);
        SpoolEntry is = after.get(i);
        assertThat(is.id()).isEqualTo(was.id());
        assertThat(is.idempotencyKey()).isEqualTo(was.idempotencyKey());
        assertThat(is.fingerprint()).isEqualTo(was.fingerprint());
        assertThat(is.attempts()).isEqualTo(was.attempts());
        assertThat(is.createdAt()).isEqualTo(was.createdAt());
        assertThat(is.deliverBy()).isEqualTo(was.deliverBy());
        assertThat(is.sizeBytes()).isEqualTo(was.sizeBytes());
        assertThat(is.receipt()).isEqualTo(was.receipt());
        if (was.state() == SpoolState.IN_FLIGHT) {
          assertThat(is.state()).isEqualTo(SpoolState.RECONCILING);
          assertThat(is.unknownSince()).isNotNull();
          assertThat(is.lastError()).contains("outcome of the last attempt unknown");
        } else {
          assertThat(is.state()).isEqualTo(was.state());
          assertThat(is.lastError()).isEqualTo(was.lastError());
          assertThat(is.nextAttemptAt()).isEqualTo(was.nextAttemptAt());
        }
      }
      assertThat(spool.find(IdempotencyKey.of("k1")).orElseThrow().state()).isEqualTo(SpoolState.DELIVERED);
      assertThat(spool.requeue(before.stream().filter(e -> e.state() == SpoolState.DEAD).findFirst().orElseThrow()
          .id(), T0, T0.plusSeconds(3600))).as("the dead letter kept its body").isTrue();
      assertThat(spool.stats(T0).undeliveredCount()).isEqualTo(5);
    }
    assertThat(onlyReport(dir).getProperty("unreadable")).isEqualTo("0");
  }

  @Test
  void entriesWhoseTableRowsAreLostAreRebuiltFromTheirBodiesAndTheIndexes() throws Exception {
    Path dir = temp.resolve("spool");
    Map<String, Message> acknowledged = spoolOfTwelve(dir);
    // The one leaf of a small spool's entries table: every row's key, state and times are gone.
    overwritePage(dir.resolve("spool.db"), rootPage(dir.resolve("spool.db"), "entries"));

    Map<String, Spool.Claimed> claimed = new LinkedHashMap<>();
    SpoolDamage damage;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (Spool.Claimed c : spool.claim(100, T0.plusSeconds(60), Duration.ofMinutes(5))) {
        claimed.put(c.entry().idempotencyKey().value(), c);
      }
      damage = spool.damage().orElseThrow();
    }

    // The six stored alone are found by id in bodies; the six packed cannot be placed without their rows.
    List<String> keys = new ArrayList<>(acknowledged.keySet());
    assertThat(claimed.keySet()).containsExactlyInAnyOrderElementsOf(keys.subList(0, 6));
    assertThat(claimed).allSatisfy((key, c) -> {
      assertThat(c.message()).isEqualTo(acknowledged.get(key));
      assertThat(c.entry().fingerprint()).isEqualTo(acknowledged.get(key).fingerprint());
    });
    assertThat(damage.unreadableKeys()).containsExactlyInAnyOrderElementsOf(keys.subList(6, 12));
    Properties report = onlyReport(dir);
    assertThat(report.getProperty("recovered")).isEqualTo("6");
    assertThat(report.getProperty("rebuilt")).isEqualTo("6");
    assertThat(report.getProperty("unreadable")).isEqualTo("6");
  }

  @Test
  void readOnlyOpenOfACleanlyClosedSpoolReadsItAndChangesNothing() throws Exception {
    Path dir = temp.resolve("spool");
    Map<String, Message> acknowledged = spoolOfTwelve(dir);
    String before = sha256(dir.resolve("spool.db"));

    try (SqliteSpool spool = SqliteSpool.openReadOnly(dir)) {
      assertThat(spool.stats(T0).undeliveredCount()).isEqualTo(12);
      assertThat(spool.list(SpoolState.PENDING, 100)).extracting(e -> e.idempotencyKey().value())
          .containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
      assertThat(spool.find(IdempotencyKey.of("ack-01"))).isPresent();
      assertThat(spool.damage()).isEmpty();
    }

    assertThat(sha256(dir.resolve("spool.db"))).isEqualTo(before);
    assertThat(dir.resolve("corrupt")).doesNotExist();
  }

  @Test
  void readOnlyOpenReadsWhileAnotherSpoolHoldsItForDispatchAndRefusesEveryWrite() throws Exception {
    Path dir = temp.resolve("spool");
    try (SqliteSpool writer = SqliteSpool.open(dir)) {
      // Committed to the WAL, not yet to the main file.
      writer.append(List.of(entry("w1", message("w1", 100)), entry("w2", message("w2", 100))), Spool.Limits.NONE);
      String before = sha256(dir.resolve("spool.db"));

      try (SqliteSpool reader = SqliteSpool.openReadOnly(dir)) {
        assertThat(reader.stats(T0).undeliveredCount()).isEqualTo(2);
        assertThat(reader.find(IdempotencyKey.of("w2"))).isPresent();

        writer.append(List.of(entry("w3", message("w3", 100))), Spool.Limits.NONE);
        assertThat(reader.find(IdempotencyKey.of("w3"))).as("a later commit of the writer").isPresent();
        assertThatThrownBy(() -> reader.append(List.of(entry("r1", message("r1", 10))), Spool.Limits.NONE))
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("opened read-only");
        assertThatThrownBy(() -> reader.claim(1, T0, Duration.ofMinutes(1)))
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("opened read-only");
        assertThatThrownBy(() -> reader.purgeDelivered(T0))
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("opened read-only");
        assertThatThrownBy(() -> reader.recoverInFlight(T0, T0))
            .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("opened read-only");
      }

      assertThat(sha256(dir.resolve("spool.db"))).isEqualTo(before);
      assertThat(writer.claim(10, T0, Duration.ofMinutes(1))).hasSize(3);
    }
  }

  @Test
  void readOnlyOpenOfAMissingSpoolCreatesNothing() {
    Path dir = temp.resolve("nothing-here");

    assertThatThrownBy(() -> SqliteSpool.openReadOnly(dir))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.NO_SPOOL))
        .hasMessageContaining("There is no spool at");
    assertThat(dir).doesNotExist();
  }

  @Test
  void readOnlyOpenReportsUnclearedDamageUntilItIsCleared() throws Exception {
    Path dir = temp.resolve("spool");
    spoolOfTwelve(dir);
    Damage.TRUNCATED_TO_HALF.apply(dir.resolve("spool.db"));
    SqliteSpool.open(dir).close();

    try (SqliteSpool reader = SqliteSpool.openReadOnly(dir)) {
      SpoolDamage damage = reader.damage().orElseThrow();
      assertThat(damage.unreadable()).isPositive();

      assertThat(SqliteSpool.clearDamage(dir)).isEqualTo(1);

      assertThat(reader.damage()).isEmpty();
    }
    assertThat(SqliteSpool.clearDamage(dir)).isZero();
  }

  @Test
  void resubmittingAnUnreadableEntryStoresItAgain() throws Exception {
    Path dir = temp.resolve("spool");
    Map<String, Message> acknowledged = spoolOfTwelve(dir);
    Damage.TRUNCATED_TO_HALF.apply(dir.resolve("spool.db"));

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      String lost = spool.damage().orElseThrow().unreadableKeys().get(0);

      SpoolEntry stored = spool.append(List.of(entry(lost, acknowledged.get(lost))), Spool.Limits.NONE).get(0);

      assertThat(stored.state()).isEqualTo(SpoolState.PENDING);
      assertThat(spool.claim(100, T0.plusSeconds(60), Duration.ofMinutes(5)))
          .filteredOn(c -> c.entry().idempotencyKey().value().equals(lost))
          .singleElement().satisfies(c -> assertThat(c.message()).isEqualTo(acknowledged.get(lost)));
    }
  }

  /**
   * Spools 12 messages of about 3 KB, six stored alone (a {@code bodies} row each) and six in two packs
   * of three, then closes the spool so that everything is in the main file.
   */
  static Map<String, Message> spoolOfTwelve(Path dir) {
    Map<String, Message> acknowledged = new LinkedHashMap<>();
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 1; i <= 12; i++) {
        String key = String.format("ack-%02d", i);
        acknowledged.put(key, message(key, 6000));
      }
      List<String> keys = new ArrayList<>(acknowledged.keySet());
      for (String key : keys.subList(0, 6)) {
        spool.append(List.of(entry(key, acknowledged.get(key))), Spool.Limits.NONE);
      }
      for (int from = 6; from < 12; from += 3) {
        spool.append(keys.subList(from, from + 3).stream().map(k -> entry(k, acknowledged.get(k))).toList(),
            Spool.Limits.NONE);
      }
    }
    assertThat(dir.resolve("spool.db-wal")).as("checkpointed into the main file").doesNotExist();
    return acknowledged;
  }

  static Message message(String key, int bodyChars) {
    Random random = new Random(key.hashCode());
    StringBuilder text = new StringBuilder();
    while (text.length() < bodyChars) {
      text.append("line ").append(random.nextInt(1_000_000)).append(" of message ").append(key).append('\n');
    }
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject("Order " + key)
        .text(text.toString()).build();
  }

  static Spool.NewEntry entry(String key, Message message) {
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, T0,
        T0.plus(Duration.ofHours(72)), message.estimatedSizeBytes());
  }

  private static List<SpoolEntry> all(SqliteSpool spool) {
    return Stream.of(SpoolState.values()).flatMap(s -> spool.list(s, 1000).stream())
        .sorted(java.util.Comparator.comparingLong(SpoolEntry::id)).collect(Collectors.toList());
  }

  static Properties onlyReport(Path dir) throws IOException {
    List<Path> reports;
    try (Stream<Path> files = Files.list(dir.resolve("corrupt"))) {
      reports = files.filter(f -> f.getFileName().toString().endsWith(SqliteSpool.DAMAGE_REPORT_SUFFIX)).toList();
    }
    assertThat(reports).hasSize(1);
    Properties report = new Properties();
    report.load(new StringReader(Files.readString(reports.get(0))));
    return report;
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static int rootPage(Path db, String name) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = '" + name + "'")) {
      assertThat(r.next()).isTrue();
      return r.getInt(1);
    }
  }

  private static void overwritePage(Path db, int page) throws IOException {
    byte[] noise = new byte[PAGE];
    new Random(page).nextBytes(noise);
    try (FileChannel file = FileChannel.open(db, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(noise), (long) (page - 1) * PAGE);
    }
  }
}
