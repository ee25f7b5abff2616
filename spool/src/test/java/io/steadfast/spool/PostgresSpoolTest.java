package io.steadfast.spool;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spool.internal.MessageCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL spool adds to the contract: several nodes on one database. */
class PostgresSpoolTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static HikariDataSource pool;

  private final List<PostgresSpool> opened = new ArrayList<>();
  private String prefix;

  @BeforeAll
  static void startDatabase() {
    pool = PostgresSpoolContractTest.pool(EmbeddedPostgresServer.newDatabase());
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @AfterEach
  void closeSpools() {
    opened.forEach(PostgresSpool::close);
  }

  /** Opens a node on this test's tables; the first call picks the tables. */
  private PostgresSpool node(String nodeId) {
    return node(nodeId, PostgresSpool.DEFAULT_DELIVERED_RECOUNT);
  }

  private PostgresSpool node(String nodeId, Duration deliveredRecount) {
    if (prefix == null) {
      prefix = "n" + TABLES.incrementAndGet() + "_";
    }
    PostgresSpool spool = PostgresSpool.builder(pool).tablePrefix(prefix).nodeId(nodeId)
        .deliveredRecount(deliveredRecount).build();
    opened.add(spool);
    return spool;
  }

  private static Spool.NewEntry entry(String key) {
    return entry(key, T0);
  }

  private static Spool.NewEntry entry(String key, Instant at) {
    Message message = Message.builder().from("sender@example.com").to("rcpt@example.com").subject(key)
        .text("body " + key).build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, at, at.plus(Duration.ofHours(72)),
        message.estimatedSizeBytes());
  }

  private static SendReceipt receipt(String key) {
    return new SendReceipt("tx-" + key, 1, 0, IdempotencyKey.of(key), "rest-us", 1, null);
  }

  @Test
  void nodesShareOneProbeSlotSoTheFleetProbesOncePerSpacing() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    Duration spacing = Duration.ofSeconds(4);

    assertThat(a.claimProbe(T0, spacing)).as("first asker probes").isTrue();
    assertThat(b.claimProbe(T0.plusSeconds(1), spacing)).as("another node within the spacing").isFalse();
    assertThat(a.claimProbe(T0.plusSeconds(3), spacing)).as("the same node within the spacing").isFalse();
    assertThat(b.claimProbe(T0.plus(spacing), spacing)).as("once the spacing has passed").isTrue();
    assertThat(a.claimProbe(T0.plus(spacing).plusSeconds(1), spacing)).isFalse();
    assertThat(a.claimProbe(T0.plusSeconds(1), Duration.ZERO)).as("no spacing: nothing to share").isTrue();
  }

  @Test
  void statsCountUndeliveredExactlyAndDeliveredFromTheLastRecountPlusThisNodesOwn() {
    PostgresSpool a = node("a", Duration.ofHours(1));
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1"), entry("k2"), entry("k3"), entry("k4")), Spool.Limits.NONE);
    assertThat(a.stats(T0).count(SpoolState.DELIVERED)).isZero();
    Spool.Claimed byA = a.claim(1, T0, LEASE).get(0);
    Spool.Claimed byB = b.claim(1, T0, LEASE).get(0);
    Spool.Claimed dead = b.claim(1, T0, LEASE).get(0);

    assertThat(a.markDelivered(byA, receipt(byA.entry().idempotencyKey().value()), T0)).isTrue();
    assertThat(b.markDelivered(byB, receipt(byB.entry().idempotencyKey().value()), T0)).isTrue();
    assertThat(b.deadLetter(dead, "rejected", T0)).isTrue();

    SpoolStats byNodeA = a.stats(T0.plusSeconds(60));
    // Exact on every call: the other node's dead letter, and what is still pending.
    assertThat(byNodeA.count(SpoolState.PENDING)).isEqualTo(1);
    assertThat(byNodeA.count(SpoolState.DEAD)).isEqualTo(1);
    assertThat(byNodeA.oldestPendingAge()).isEqualTo(Duration.ofSeconds(60));
    // Delivered: the count from the last recount plus a's own delivery; b's shows at the next recount.
    assertThat(byNodeA.count(SpoolState.DELIVERED)).isEqualTo(1);
    // A node that recounts on every call (b, default 30 s, counts now for the first time) sees both.
    assertThat(b.stats(T0).count(SpoolState.DELIVERED)).isEqualTo(2);
    assertThat(node("c", Duration.ZERO).stats(T0).count(SpoolState.DELIVERED)).isEqualTo(2);
    assertThat(a.purgeDelivered(T0.plusSeconds(1))).isEqualTo(2);
    assertThat(a.stats(T0).count(SpoolState.DELIVERED)).isZero();
  }

  @Test
  void nodeWhoseLeaseExpiredCannotRecordOverTheNodeThatTookOver() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    Spool.Claimed byA = a.claim(1, T0, LEASE).get(0);

    Spool.Claimed byB = b.claimReconciling(1, T0.plus(LEASE), LEASE).get(0);

    assertThat(byB.leaseToken()).isNotEqualTo(byA.leaseToken());
    assertThat(byB.entry().state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(byB.entry().lastError()).isEqualTo("lease expired mid-attempt; outcome unknown");
    assertThat(a.markDelivered(byA, receipt("k1"), T0.plus(LEASE))).isFalse();
    assertThat(a.reschedule(byA, T0.plus(LEASE), "late")).isFalse();
    assertThat(a.deadLetter(byA, "late", T0.plus(LEASE))).isFalse();
    assertThat(a.markReconciling(byA, T0.plus(LEASE), T0.plus(LEASE), "late")).isFalse();
    assertThat(a.renewLeases(List.of(byA), T0.plus(LEASE), LEASE)).containsExactly(byA.entry().id());
    SpoolEntry entry = b.inspect(byB.entry().id()).orElseThrow();
    assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(entry.leaseUntil()).isEqualTo(T0.plus(LEASE).plus(LEASE));
    assertThat(b.markDelivered(byB, receipt("k1"), T0.plus(LEASE))).isTrue();
  }

  @Test
  void nodeWhoseReconcileLeaseExpiredCannotRecordOverTheNodeThatTookOver() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    assertThat(a.markReconciling(a.claim(1, T0, LEASE).get(0), T0, T0, "UNKNOWN: read timeout")).isTrue();
    Spool.Claimed byA = a.claimReconciling(1, T0, LEASE).get(0);

    Spool.Claimed byB = b.claimReconciling(1, T0.plus(LEASE), LEASE).get(0);

    assertThat(byB.leaseToken()).isNotEqualTo(byA.leaseToken());
    assertThat(a.deferReconciling(byA, T0.plus(LEASE), true, "no event")).isFalse();
    assertThat(a.markDelivered(byA, receipt("k1"), T0.plus(LEASE))).isFalse();
    assertThat(a.reschedule(byA, T0.plus(LEASE), "no event twice")).isFalse();
    assertThat(a.deadLetter(byA, "rejected", T0.plus(LEASE))).isFalse();
    assertThat(b.inspect(byB.entry().id()).orElseThrow().reconcileLooks()).isZero();
    assertThat(b.deferReconciling(byB, T0.plus(LEASE), true, "no event")).isTrue();
    assertThat(b.inspect(byB.entry().id()).orElseThrow().reconcileLooks()).isEqualTo(1);
  }

  @Test
  void deliveryThatOutlivedItsLeaseStillCountsIfNoNodeClaimedTheEntryAgain() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    Spool.Claimed byA = a.claim(1, T0, LEASE).get(0);
    // Claiming for delivery leaves an expired lease alone: only a reconcile claim takes it over.
    a.append(List.of(entry("other")), Spool.Limits.NONE);
    assertThat(b.claim(10, T0.plus(LEASE), LEASE)).extracting(c -> c.entry().idempotencyKey().value())
        .containsExactly("other");

    boolean recorded = a.markDelivered(byA, receipt("k1"), T0.plus(LEASE));

    assertThat(recorded).isTrue();
    assertThat(a.inspect(byA.entry().id()).orElseThrow().state()).isEqualTo(SpoolState.DELIVERED);
  }

  @Test
  void renewedLeaseKeepsOtherNodesAwayAndLostLeasesAreReported() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1"), entry("k2")), Spool.Limits.NONE);
    List<Spool.Claimed> claimed = a.claim(2, T0, LEASE);

    Set<Long> lost = a.renewLeases(List.of(claimed.get(0)), T0.plus(LEASE).minusSeconds(10), LEASE);

    assertThat(lost).isEmpty();
    List<Spool.Claimed> taken = b.claimReconciling(10, T0.plus(LEASE), LEASE);
    assertThat(taken).extracting(c -> c.entry().id()).containsExactly(claimed.get(1).entry().id());
    assertThat(a.renewLeases(claimed, T0.plus(LEASE).plusSeconds(1), LEASE))
        .containsExactly(claimed.get(1).entry().id());
    assertThat(a.markDelivered(claimed.get(0), receipt("k1"), T0.plus(LEASE))).isTrue();
  }

  @Test
  void expiredButUntakenLeaseIsTakenBackByItsRenewingNode() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    Spool.Claimed byA = a.claim(1, T0, LEASE).get(0);

    Set<Long> lost = a.renewLeases(List.of(byA), T0.plus(LEASE), LEASE);

    assertThat(lost).isEmpty();
    SpoolEntry entry = a.inspect(byA.entry().id()).orElseThrow();
    assertThat(entry.state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(entry.leaseUntil()).isEqualTo(T0.plus(LEASE).plus(LEASE));
    assertThat(b.claimReconciling(10, T0.plus(LEASE), LEASE)).isEmpty();
  }

  @Test
  void renewingAReconcileClaimKeepsItReconcilingAndOtherNodesAway() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    assertThat(a.markReconciling(a.claim(1, T0, LEASE).get(0), T0, T0, "UNKNOWN: read timeout")).isTrue();
    Spool.Claimed lookup = a.claimReconciling(1, T0, LEASE).get(0);

    assertThat(a.renewLeases(List.of(lookup), T0.plus(LEASE).minusSeconds(1), LEASE)).isEmpty();

    SpoolEntry entry = a.inspect(lookup.entry().id()).orElseThrow();
    assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(b.claimReconciling(10, T0.plus(LEASE), LEASE)).isEmpty();
  }

  @Test
  void renewingADeliveryClaimAfterItWasMarkedReconcilingDoesNotLeaseItAgain() {
    PostgresSpool a = node("a");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    Spool.Claimed delivery = a.claim(1, T0, LEASE).get(0);
    assertThat(a.markReconciling(delivery, T0, T0.plusSeconds(60), "UNKNOWN: read timeout")).isTrue();

    Set<Long> lost = a.renewLeases(List.of(delivery), T0.plusSeconds(1), LEASE);

    assertThat(lost).containsExactly(delivery.entry().id());
    assertThat(a.inspect(delivery.entry().id()).orElseThrow().leaseUntil()).isNull();
  }

  @Test
  void markReconcilingWithAnotherNodesTokenChangesNothing() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("mine"), entry("theirs")), Spool.Limits.NONE);
    Spool.Claimed mine = a.claim(1, T0, LEASE).get(0);
    Spool.Claimed theirs = b.claim(1, T0, LEASE).get(0);
    Spool.Claimed forged = new Spool.Claimed(theirs.entry(), theirs.message(), null, mine.leaseToken());

    assertThat(a.markReconciling(forged, T0, T0, "UNKNOWN: read timeout")).isFalse();
    assertThat(a.inspect(theirs.entry().id()).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
  }

  @Test
  void recoverInFlightLeavesOtherNodesLeasesAlone() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("mine"), entry("theirs"), entry("my-lookup"), entry("their-lookup")), Spool.Limits.NONE);
    a.claim(1, T0, LEASE);
    b.claim(1, T0, LEASE);
    assertThat(a.markReconciling(a.claim(1, T0, LEASE).get(0), T0, T0, "UNKNOWN")).isTrue();
    assertThat(b.markReconciling(b.claim(1, T0, LEASE).get(0), T0, T0, "UNKNOWN")).isTrue();
    a.claimReconciling(1, T0, LEASE);
    b.claimReconciling(1, T0, LEASE);

    int recovered = a.recoverInFlight(T0.plusSeconds(1), T0.plusSeconds(31));

    assertThat(recovered).isEqualTo(1);
    SpoolEntry mine = a.find(IdempotencyKey.of("mine")).orElseThrow();
    assertThat(mine.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(mine.nextAttemptAt()).isEqualTo(T0.plusSeconds(31));
    assertThat(mine.unknownSince()).isEqualTo(T0.plusSeconds(1));
    assertThat(mine.lastError()).isEqualTo("recovered after a restart of node a; outcome of the last attempt unknown");
    assertThat(a.find(IdempotencyKey.of("theirs")).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(a.find(IdempotencyKey.of("my-lookup")).orElseThrow().leaseUntil()).isNull();
    assertThat(a.find(IdempotencyKey.of("their-lookup")).orElseThrow().leaseUntil()).isEqualTo(T0.plus(LEASE));
    assertThat(a.shared()).isTrue();
  }

  /**
   * Starts {@code claim} on every node at once, each claiming again until it gets nothing, and returns
   * the ids of every claim made, one per claim (a duplicate is an entry two claims took).
   */
  private static List<Long> claimConcurrently(List<PostgresSpool> nodes,
      java.util.function.Function<PostgresSpool, List<Spool.Claimed>> claim) throws Exception {
    List<Long> claimed = java.util.Collections.synchronizedList(new ArrayList<>());
    CyclicBarrier start = new CyclicBarrier(nodes.size());
    ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (PostgresSpool spool : nodes) {
        runs.add(threads.submit(() -> {
          start.await(2, TimeUnit.MINUTES);
          List<Spool.Claimed> got;
          while (!(got = claim.apply(spool)).isEmpty()) {
            got.forEach(one -> claimed.add(one.entry().id()));
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get(2, TimeUnit.MINUTES);
      }
    } finally {
      threads.shutdownNow();
    }
    return List.copyOf(claimed);
  }

  @Test
  void concurrentReconcileClaimsOnSeveralNodesNeverTakeTheSameEntry() throws Exception {
    int entries = 60;
    PostgresSpool seed = node("seed");
    List<Spool.NewEntry> batch = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      batch.add(entry("k" + i));
    }
    seed.append(batch, Spool.Limits.NONE);
    // Half wait to be looked up, half are in flight on a node that died.
    for (Spool.Claimed claim : seed.claim(entries, T0, LEASE)) {
      if (claim.entry().id() % 2 == 0) {
        assertThat(seed.markReconciling(claim, T0, T0, "UNKNOWN")).isTrue();
      }
    }
    List<PostgresSpool> nodes = List.of(node("a"), node("b"), node("c"));

    List<Long> claimed = claimConcurrently(nodes, spool -> spool.claimReconciling(7, T0.plus(LEASE), LEASE));

    assertThat(claimed).hasSize(entries).doesNotHaveDuplicates();
  }

  @Test
  void concurrentClaimsOnSeveralNodesNeverTakeTheSameEntry() throws Exception {
    int entries = 200;
    PostgresSpool seed = node("seed");
    List<Spool.NewEntry> batch = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      batch.add(entry("k" + i));
    }
    seed.append(batch, Spool.Limits.NONE);
    List<PostgresSpool> nodes = List.of(node("a"), node("b"), node("c"), node("d"));

    List<Long> claimed = claimConcurrently(nodes, spool -> spool.claim(7, T0, LEASE));

    assertThat(claimed).hasSize(entries).doesNotHaveDuplicates();
  }

  @Test
  void sameKeyAppendedByManyNodesAtOnceIsStoredOnce() throws Exception {
    List<PostgresSpool> nodes = List.of(node("a"), node("b"), node("c"), node("d"));
    CyclicBarrier start = new CyclicBarrier(nodes.size());
    ExecutorService threads = Executors.newFixedThreadPool(nodes.size());
    List<Future<SpoolEntry>> results = new ArrayList<>();
    try {
      for (PostgresSpool spool : nodes) {
        results.add(threads.submit(() -> {
          start.await(2, TimeUnit.MINUTES);
          return spool.append(List.of(entry("shared-key")), Spool.Limits.NONE).get(0);
        }));
      }
      Set<Long> ids = ConcurrentHashMap.newKeySet();
      for (Future<SpoolEntry> result : results) {
        ids.add(result.get(2, TimeUnit.MINUTES).id());
      }

      assertThat(ids).hasSize(1);
    } finally {
      threads.shutdownNow();
    }
    assertThat(nodes.get(0).stats(T0).count(SpoolState.PENDING)).isEqualTo(1);
  }

  @Test
  void appendOnOneNodeWakesTheOthers() throws Exception {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch woken = new CountDownLatch(2);
    b.onAppend(() -> {
      listening.countDown();
      woken.countDown();
    });
    // The listener wakes once when it starts listening, to cover appends made before.
    assertThat(listening.await(2, TimeUnit.MINUTES)).isTrue();

    a.append(List.of(entry("k1")), Spool.Limits.NONE);

    assertThat(woken.await(2, TimeUnit.MINUTES)).isTrue();
  }

  @Test
  void outboxAppendExistsOnlyIfTheTransactionCommits() throws Exception {
    PostgresSpool spool = node("a");
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      spool.append(List.of(entry("rolled-back")), Spool.Limits.NONE, c);
      assertThat(spool.find(IdempotencyKey.of("rolled-back"))).isEmpty();
      c.rollback();
      spool.append(List.of(entry("committed")), Spool.Limits.NONE, c);
      c.commit();
    }

    assertThat(spool.find(IdempotencyKey.of("rolled-back"))).isEmpty();
    assertThat(spool.find(IdempotencyKey.of("committed"))).isPresent();
  }

  @Test
  void fullSpoolInTheOutboxLeavesTheCallersTransactionUsable() throws Exception {
    PostgresSpool spool = node("a");
    spool.append(List.of(entry("k1")), Spool.Limits.NONE);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + prefix + "orders (id int)");
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + prefix + "orders VALUES (1)");

      assertThatThrownBy(() -> spool.append(List.of(entry("k2")), new Spool.Limits(1, Long.MAX_VALUE), c))
          .isInstanceOf(io.steadfast.SpoolFullException.class);

      s.execute("INSERT INTO " + prefix + "orders VALUES (2)");
      c.commit();
      try (var r = s.executeQuery("SELECT count(*) FROM " + prefix + "orders")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(2);
      }
    }
    assertThat(spool.find(IdempotencyKey.of("k2"))).isEmpty();
  }

  @Test
  void outboxRefusesAConnectionInAutoCommitMode() throws Exception {
    PostgresSpool spool = node("a");
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(true);

      assertThatThrownBy(() -> spool.append(List.of(entry("k1")), Spool.Limits.NONE, c))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("setAutoCommit(false)");
    }
  }

  @Test
  void schemaWrittenByANewerVersionIsRefusedUnchanged() throws Exception {
    node("a");
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("UPDATE " + prefix + "schema_version SET version = " + (PostgresSpool.SCHEMA_VERSION + 1));
    }

    assertThatThrownBy(() -> node("b"))
        .isInstanceOfSatisfying(SpoolOpenException.class,
            e -> assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.NEWER_SCHEMA))
        .hasMessageContaining("newer Steadfast").hasMessageContaining("schema version " + (PostgresSpool.SCHEMA_VERSION + 1));
    try (Connection c = pool.getConnection(); Statement s = c.createStatement();
        var r = s.executeQuery("SELECT version FROM " + prefix + "schema_version")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(PostgresSpool.SCHEMA_VERSION + 1);
    }
  }

  /** Inserts an entry row, and its body if any, as the release with schema 1 wrote them; returns its id. */
  private static long insertVersion1(Connection c, String p, String key, String state, int attempts,
      String leaseOwner, Instant leaseUntil, String receipt, Message body) throws Exception {
    long id;
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + p + "entries (idempotency_key, fingerprint, "
        + "state, attempts, created_at, next_attempt_at, deliver_by, lease_owner, lease_token, lease_until, "
        + "last_error, size_bytes, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        + "CASE WHEN ?::text IS NULL THEN NULL ELSE nextval('" + p + "lease_tokens') END, ?, ?, ?, ?) RETURNING id")) {
      insert.setString(1, key);
      insert.setString(2, "fp-" + key);
      insert.setString(3, state);
      insert.setInt(4, attempts);
      insert.setObject(5, OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
      insert.setObject(6, OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
      insert.setObject(7, OffsetDateTime.ofInstant(T0.plus(Duration.ofHours(72)), ZoneOffset.UTC));
      insert.setString(8, leaseOwner);
      insert.setString(9, leaseOwner);
      insert.setObject(10, leaseUntil == null ? null : OffsetDateTime.ofInstant(leaseUntil, ZoneOffset.UTC));
      insert.setString(11, state.equals("DEAD") ? "REJECTED: bad recipient" : null);
      insert.setLong(12, body == null ? 100 : body.estimatedSizeBytes());
      insert.setString(13, receipt);
      try (ResultSet r = insert.executeQuery()) {
        r.next();
        id = r.getLong(1);
      }
    }
    if (body != null) {
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + p + "bodies (entry_id, message) "
          + "VALUES (?, ?)")) {
        insert.setLong(1, id);
        insert.setBytes(2, MessageCodec.encode(body));
        insert.executeUpdate();
      }
    }
    return id;
  }

  private static Message message(String subject, String text) {
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject(subject).text(text).build();
  }

  @Test
  void migratingASchemaOneDatabaseKeepsEveryEntryBodyAndReceiptAndAllowsReconciling() throws Exception {
    prefix = "m" + TABLES.incrementAndGet() + "_";
    Message pending = message("pending", "body");
    Message inFlight = message("in flight", "body");
    Message dead = message("dead", "body");
    Message large = message("large", "x".repeat(40_000));
    long pendingId;
    long inFlightId;
    long deadId;
    long largeId;
    try (Connection c = pool.getConnection()) {
      OldSchemas.postgresVersion1(c, prefix);
      pendingId = insertVersion1(c, prefix, "pending", "PENDING", 0, null, null, null, pending);
      inFlightId = insertVersion1(c, prefix, "in-flight", "IN_FLIGHT", 1, "a", T0.plus(LEASE), null, inFlight);
      insertVersion1(c, prefix, "delivered", "DELIVERED", 1, null, null,
          OldSchemas.oldReceiptJson("tx-delivered", "delivered"), null);
      deadId = insertVersion1(c, prefix, "dead", "DEAD", 3, null, null, null, dead);
      largeId = insertVersion1(c, prefix, "large", "PENDING", 0, null, null, null, large);
    }

    PostgresSpool a = node("a");

    try (Connection c = pool.getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT version FROM " + prefix + "schema_version")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(PostgresSpool.SCHEMA_VERSION).isEqualTo(3);
    }
    SpoolEntry delivered = a.find(IdempotencyKey.of("delivered")).orElseThrow();
    assertThat(delivered.state()).isEqualTo(SpoolState.DELIVERED);
    assertThat(delivered.receipt()).isEqualTo(new SendReceipt("tx-delivered", 1, 0, IdempotencyKey.of("delivered"),
        "rest-us", 1, null));
    assertThat(delivered.receipt().confirmedFromEvents()).isFalse();
    SpoolEntry oldInFlight = a.inspect(inFlightId).orElseThrow();
    assertThat(oldInFlight.state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(oldInFlight.leaseUntil()).isEqualTo(T0.plus(LEASE));
    assertThat(oldInFlight.reconcileLooks()).isZero();
    assertThat(oldInFlight.unknownSince()).isNull();
    assertThat(a.inspect(deadId).orElseThrow().lastError()).isEqualTo("REJECTED: bad recipient");
    assertThat(a.stats(T0).countByState()).containsEntry(SpoolState.PENDING, 2L)
        .containsEntry(SpoolState.IN_FLIGHT, 1L).containsEntry(SpoolState.RECONCILING, 0L)
        .containsEntry(SpoolState.DELIVERED, 1L).containsEntry(SpoolState.DEAD, 1L);
    // The in-flight entry of node a, written by the old release, is looked up before any re-send.
    assertThat(a.recoverInFlight(T0.plusSeconds(1), T0.plusSeconds(1))).isEqualTo(1);
    List<Spool.Claimed> lookups = a.claimReconciling(10, T0.plusSeconds(1), LEASE);
    assertThat(lookups).singleElement().satisfies(claim -> assertThat(claim.message()).isEqualTo(inFlight));
    assertThat(a.deferReconciling(lookups.get(0), T0.plusSeconds(61), true, "no event yet")).isTrue();
    assertThat(a.inspect(inFlightId).orElseThrow().reconcileLooks()).isEqualTo(1);
    assertThat(a.claim(10, T0, LEASE)).extracting(Spool.Claimed::message).containsExactly(pending, large);
    assertThat(a.inspect(pendingId).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(a.inspect(largeId).orElseThrow().attempts()).isEqualTo(1);
    assertThat(a.requeue(deadId, T0.plusSeconds(2), T0.plus(Duration.ofDays(3)))).isTrue();
    assertThat(a.claim(10, T0.plusSeconds(2), LEASE)).extracting(Spool.Claimed::message).containsExactly(dead);
    assertThat(a.stats(T0).reconcilingCount()).isEqualTo(1);
  }

  @Test
  void reconcilingEntriesCountAgainstTheLimitsOfEveryNode() {
    PostgresSpool a = node("a");
    PostgresSpool b = node("b");
    a.append(List.of(entry("k1")), Spool.Limits.NONE);
    assertThat(a.markReconciling(a.claim(1, T0, LEASE).get(0), T0, T0, "UNKNOWN: read timeout")).isTrue();

    assertThatThrownBy(() -> b.append(List.of(entry("k2")), new Spool.Limits(1, Long.MAX_VALUE)))
        .isInstanceOf(io.steadfast.SpoolFullException.class);
  }

  @Test
  void claimTakesAtMostTheConfiguredBatch() {
    PostgresSpool spool = PostgresSpool.builder(pool).tablePrefix("batch" + TABLES.incrementAndGet() + "_")
        .maxClaimBatch(2).build();
    opened.add(spool);
    spool.append(List.of(entry("a"), entry("b"), entry("c")), Spool.Limits.NONE);

    assertThat(spool.claim(10, T0, LEASE)).hasSize(2);
  }

  @Test
  void builderRejectsATablePrefixThatIsNotAPlainIdentifier() {
    assertThatThrownBy(() -> PostgresSpool.builder(pool).tablePrefix("x; DROP TABLE y"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tablePrefix");
  }
}
