package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolFullException;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Spool} must have. A new implementation extends this class and returns a
 * fresh, empty spool from {@link #newSpool()}; PostgreSQL will reuse it.
 */
public abstract class SpoolContractTest {
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  protected static final Duration LEASE = Duration.ofMinutes(5);

  protected Spool spool;

  /** Returns a new, empty spool. */
  protected abstract Spool newSpool() throws Exception;

  @BeforeEach
  void openSpool() throws Exception {
    spool = newSpool();
  }

  @AfterEach
  void closeSpool() {
    spool.close();
  }

  protected static Message message(String subject) {
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject(subject).text("body " + subject)
        .build();
  }

  protected static Spool.NewEntry newEntry(String key, String subject, Instant at) {
    Message message = message(subject);
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, at, at.plus(Duration.ofHours(72)),
        message.estimatedSizeBytes());
  }

  protected static SendReceipt receipt(String key) {
    return new SendReceipt("tx-" + key, 1, 0, IdempotencyKey.of(key), "rest-us", 1, null);
  }

  protected SpoolEntry append(String key, String subject, Instant at) {
    return spool.append(List.of(newEntry(key, subject, at)), Spool.Limits.NONE).get(0);
  }

  @Test
  void flushMakesTheGivenWaitsDueOldestFirstAndLeavesQuotaWaitsOnTheirSchedule() {
    for (String key : List.of("old", "newer", "quota", "legacy")) {
      append(key, key, T0.plusSeconds(10L * List.of("old", "newer", "quota", "legacy").indexOf(key)));
    }
    Instant now = T0.plus(Duration.ofMinutes(10));
    java.util.Map<String, Spool.Claimed> claims = new java.util.HashMap<>();
    for (Spool.Claimed claim : spool.claim(10, now, LEASE)) {
      claims.put(claim.entry().idempotencyKey().value(), claim);
    }
    Instant later = now.plus(Duration.ofHours(1));
    assertThat(spool.reschedule(claims.get("old"), later, "HTTP 503", WaitReason.PROVIDER)).isTrue();
    assertThat(spool.reschedule(claims.get("newer"), now.plus(Duration.ofMinutes(30)), "HTTP 503",
        WaitReason.PROVIDER)).isTrue();
    assertThat(spool.reschedule(claims.get("quota"), later, "HTTP 420", WaitReason.SENDING_LIMIT)).isTrue();
    // Rescheduled without a reason, as a release before reasons did: counts as an outage wait.
    assertThat(spool.reschedule(claims.get("legacy"), later, "HTTP 503")).isTrue();

    int flushed = spool.flush(now, EnumSet.of(WaitReason.PROVIDER));

    assertThat(flushed).isEqualTo(3);
    assertThat(spool.inspect(claims.get("quota").entry().id()).orElseThrow().nextAttemptAt()).isEqualTo(later);
    assertThat(spool.nextDueAt()).contains(T0);
    assertThat(spool.claim(10, now, LEASE)).extracting(claim -> claim.entry().idempotencyKey().value())
        .containsExactly("old", "newer", "legacy");
  }

  @Test
  void flushGivesAnOutageWaitThatEndedJustBeforeItsCreationTimeWithoutCountingIt() {
    append("ended", "ended", T0);
    append("waiting", "waiting", T0.plusSeconds(1));
    Instant now = T0.plus(Duration.ofMinutes(10));
    java.util.Map<String, Spool.Claimed> claims = new java.util.HashMap<>();
    for (Spool.Claimed claim : spool.claim(10, now, LEASE)) {
      claims.put(claim.entry().idempotencyKey().value(), claim);
    }
    assertThat(spool.reschedule(claims.get("ended"), now.minusSeconds(5), "HTTP 503", WaitReason.PROVIDER)).isTrue();
    assertThat(spool.reschedule(claims.get("waiting"), now.plus(Duration.ofHours(1)), "HTTP 503",
        WaitReason.PROVIDER)).isTrue();
    append("fresh", "fresh", now.minusSeconds(2));

    int flushed = spool.flush(now, EnumSet.of(WaitReason.PROVIDER));

    assertThat(flushed).as("only the wait that was still running is counted").isEqualTo(1);
    assertThat(spool.inspect(claims.get("ended").entry().id()).orElseThrow().nextAttemptAt()).isEqualTo(T0);
    assertThat(spool.claim(10, now, LEASE)).extracting(claim -> claim.entry().idempotencyKey().value())
        .as("in creation order, so no backlog entry queues behind new mail").containsExactly("ended", "waiting", "fresh");
  }

  @Test
  void flushOfEveryReasonLeavesDueInFlightReconcilingAndSettledEntriesAlone() {
    append("due", "due", T0);
    append("in-flight", "in-flight", T0);
    append("reconciling", "reconciling", T0);
    append("delivered", "delivered", T0);
    java.util.Map<String, Spool.Claimed> claims = new java.util.HashMap<>();
    for (Spool.Claimed claim : spool.claim(4, T0, LEASE)) {
      claims.put(claim.entry().idempotencyKey().value(), claim);
    }
    assertThat(spool.reschedule(claims.get("due"), T0, "HTTP 503", WaitReason.PROVIDER)).isTrue();
    assertThat(spool.markReconciling(claims.get("reconciling"), T0, T0.plus(Duration.ofHours(1)), "no answer"))
        .isTrue();
    assertThat(spool.markDelivered(claims.get("delivered"), receipt("delivered"), T0)).isTrue();
    SpoolStats before = spool.stats(T0);

    int flushed = spool.flush(T0, EnumSet.allOf(WaitReason.class));

    assertThat(flushed).isZero();
    assertThat(spool.stats(T0).countByState()).isEqualTo(before.countByState());
    assertThat(before.count(SpoolState.IN_FLIGHT)).isEqualTo(1);
    assertThat(spool.nextDueAt()).contains(T0);
    assertThat(spool.nextReconcileAt()).contains(T0.plus(Duration.ofHours(1)));
  }

  @Test
  void appendedEntryIsPendingAndFindableByKey() {
    SpoolEntry entry = append("k1", "a", T0);

    assertThat(entry.state()).isEqualTo(SpoolState.PENDING);
    assertThat(entry.attempts()).isZero();
    assertThat(spool.find(IdempotencyKey.of("k1"))).contains(entry);
    assertThat(spool.inspect(entry.id())).contains(entry);
  }

  @Test
  void appendOfKnownKeyReturnsTheFirstEntryWithoutStoringAgain() {
    SpoolEntry first = append("k1", "a", T0);

    SpoolEntry second = append("k1", "other content", T0.plusSeconds(5));

    assertThat(second).isEqualTo(first);
    assertThat(spool.stats(T0).count(SpoolState.PENDING)).isEqualTo(1);
  }

  @Test
  void batchAppendStoresEveryEntryInOrder() {
    List<SpoolEntry> entries = spool.append(List.of(newEntry("a", "a", T0), newEntry("b", "b", T0),
        newEntry("a", "a", T0)), Spool.Limits.NONE);

    assertThat(entries).extracting(e -> e.idempotencyKey().value()).containsExactly("a", "b", "a");
    assertThat(entries.get(2).id()).isEqualTo(entries.get(0).id());
  }

  @Test
  void largeBatchAppendKeepsEachEntryWithItsOwnMessage() {
    // Larger than one multi-row statement (SQLite writes 32 rows per INSERT), with repeated keys.
    List<Spool.NewEntry> batch = new ArrayList<>();
    for (int i = 0; i < 75; i++) {
      batch.add(newEntry("key-" + (i % 70), "subject " + (i % 70), T0));
    }

    List<SpoolEntry> stored = spool.append(batch, Spool.Limits.NONE);

    assertThat(stored).hasSize(75);
    for (int i = 70; i < 75; i++) {
      assertThat(stored.get(i)).isEqualTo(stored.get(i - 70));
    }
    assertThat(stored.subList(0, 70)).extracting(SpoolEntry::id).doesNotHaveDuplicates();
    List<Spool.Claimed> claimed = spool.claim(100, T0, LEASE);
    assertThat(claimed).hasSize(70);
    for (Spool.Claimed c : claimed) {
      String n = c.entry().idempotencyKey().value().substring("key-".length());
      assertThat(c.message()).isEqualTo(message("subject " + n));
      assertThat(c.entry().id()).isEqualTo(stored.get(Integer.parseInt(n)).id());
    }
  }

  @Test
  void concurrentAppendsOfOverlappingKeysStoreEachKeyOnce() throws Exception {
    int threads = 8;
    int perThread = 40;
    List<Future<List<SpoolEntry>>> results = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          start.await();
          List<SpoolEntry> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            // Every thread appends the same keys, so the same key arrives from several threads at once.
            mine.add(append("shared-" + i, "subject " + i, T0));
          }
          return mine;
        }));
      }
      start.countDown();
      List<List<SpoolEntry>> all = new ArrayList<>();
      for (Future<List<SpoolEntry>> result : results) {
        all.add(result.get(2, TimeUnit.MINUTES));
      }
      for (int i = 0; i < perThread; i++) {
        long id = all.get(0).get(i).id();
        for (List<SpoolEntry> mine : all) {
          assertThat(mine.get(i).id()).as("key shared-%d", i).isEqualTo(id);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(spool.stats(T0).count(SpoolState.PENDING)).isEqualTo(perThread);
    for (Spool.Claimed c : spool.claim(100, T0, LEASE)) {
      String n = c.entry().idempotencyKey().value().substring("shared-".length());
      assertThat(c.message()).isEqualTo(message("subject " + n));
    }
  }

  @Test
  void appendBeyondLimitsThrowsSpoolFullAndStoresNothing() {
    append("k1", "a", T0);

    assertThatThrownBy(() -> spool.append(List.of(newEntry("k2", "b", T0)), new Spool.Limits(1, Long.MAX_VALUE)))
        .isInstanceOf(SpoolFullException.class);
    assertThat(spool.find(IdempotencyKey.of("k2"))).isEmpty();
  }

  @Test
  void deliveredEntriesDoNotCountAgainstLimits() {
    SpoolEntry first = append("k1", "a", T0);
    spool.claim(1, T0, LEASE);
    spool.markDelivered(first.id(), receipt("k1"), T0);

    SpoolEntry second = spool.append(List.of(newEntry("k2", "b", T0)), new Spool.Limits(1, Long.MAX_VALUE)).get(0);

    assertThat(second.state()).isEqualTo(SpoolState.PENDING);
  }

  @Test
  void claimReturnsDueEntriesWithTheirMessageAndLeasesThem() {
    SpoolEntry entry = append("k1", "a", T0);
    append("k2", "b", T0.plusSeconds(60));

    List<Spool.Claimed> claimed = spool.claim(10, T0, LEASE);

    assertThat(claimed).hasSize(1);
    assertThat(claimed.get(0).message()).isEqualTo(message("a"));
    assertThat(claimed.get(0).entry().state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(claimed.get(0).entry().attempts()).isEqualTo(1);
    assertThat(claimed.get(0).entry().leaseUntil()).isEqualTo(T0.plus(LEASE));
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
  }

  @Test
  void claimedEntryIsNotClaimedAgainWhileLeased() {
    append("k1", "a", T0);
    spool.claim(10, T0, LEASE);

    assertThat(spool.claim(10, T0.plusSeconds(1), LEASE)).isEmpty();
  }

  @Test
  void entryWhoseLeaseExpiredIsNotClaimedForDeliveryAgain() {
    SpoolEntry entry = append("k1", "a", T0);
    spool.claim(10, T0, LEASE);

    List<Spool.Claimed> again = spool.claim(10, T0.plus(LEASE).plusSeconds(1), LEASE);

    // Its attempt may have reached SparkPost: only claimReconciling may take it, to look it up first.
    assertThat(again).isEmpty();
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
  }

  @Test
  void claimHonoursMaxAndOrderOfDueTime() {
    append("late", "a", T0.plusSeconds(2));
    append("early", "b", T0);
    append("middle", "c", T0.plusSeconds(1));

    List<Spool.Claimed> claimed = spool.claim(2, T0.plusSeconds(10), LEASE);

    assertThat(claimed).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("early", "middle");
  }

  @Test
  void claimTakesDuePendingEntriesOnlyLeavingExpiredLeasesAndReconcilingEntries() {
    append("lease-expired", "a", T0);
    spool.claim(1, T0, LEASE);
    append("reconciling", "b", T0);
    markReconciling(spool.claim(1, T0, LEASE).get(0), T0, T0);
    append("pending", "c", T0.plusSeconds(2));

    List<Spool.Claimed> claimed = spool.claim(10, T0.plus(LEASE).plusSeconds(1), LEASE);

    assertThat(claimed).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("pending");
  }

  @Test
  void markDeliveredKeepsReceiptForTheLedger() {
    SpoolEntry entry = append("k1", "a", T0);
    spool.claim(1, T0, LEASE);

    boolean marked = spool.markDelivered(entry.id(), receipt("k1"), T0.plusSeconds(1));

    assertThat(marked).isTrue();
    SpoolEntry found = spool.find(IdempotencyKey.of("k1")).orElseThrow();
    assertThat(found.state()).isEqualTo(SpoolState.DELIVERED);
    assertThat(found.receipt()).isEqualTo(receipt("k1"));
    assertThat(spool.claim(10, T0.plus(Duration.ofDays(1)), LEASE)).isEmpty();
  }

  @Test
  void markDeliveredOfEntryNotInFlightReturnsFalse() {
    SpoolEntry entry = append("k1", "a", T0);

    assertThat(spool.markDelivered(entry.id(), receipt("k1"), T0)).isFalse();
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.PENDING);
  }

  @Test
  void rescheduleMakesEntryDueLaterWithTheError() {
    SpoolEntry entry = append("k1", "a", T0);
    spool.claim(1, T0, LEASE);

    spool.reschedule(entry.id(), T0.plusSeconds(30), "HTTP 503");

    assertThat(spool.claim(10, T0.plusSeconds(29), LEASE)).isEmpty();
    assertThat(spool.nextDueAt()).contains(T0.plusSeconds(30));
    List<Spool.Claimed> claimed = spool.claim(10, T0.plusSeconds(30), LEASE);
    assertThat(claimed).hasSize(1);
    assertThat(claimed.get(0).entry().lastError()).isEqualTo("HTTP 503");
    assertThat(claimed.get(0).entry().attempts()).isEqualTo(2);
  }

  @Test
  void deadLetterKeepsReasonAndRequeueMakesItDueAgain() {
    SpoolEntry entry = append("k1", "a", T0);
    spool.claim(1, T0, LEASE);

    spool.deadLetter(entry.id(), "REJECTED: bad recipient", T0.plusSeconds(1));

    SpoolEntry dead = spool.inspect(entry.id()).orElseThrow();
    assertThat(dead.state()).isEqualTo(SpoolState.DEAD);
    assertThat(dead.lastError()).isEqualTo("REJECTED: bad recipient");
    assertThat(spool.list(SpoolState.DEAD, 10)).containsExactly(dead);
    assertThat(spool.claim(10, T0.plus(Duration.ofDays(1)), LEASE)).isEmpty();

    boolean requeued = spool.requeue(entry.id(), T0.plusSeconds(2), T0.plus(Duration.ofDays(3)));

    assertThat(requeued).isTrue();
    List<Spool.Claimed> claimed = spool.claim(10, T0.plusSeconds(2), LEASE);
    assertThat(claimed).hasSize(1);
    assertThat(claimed.get(0).message()).isEqualTo(message("a"));
  }

  @Test
  void requeueOfEntryThatIsNotDeadReturnsFalse() {
    SpoolEntry entry = append("k1", "a", T0);

    assertThat(spool.requeue(entry.id(), T0, T0.plusSeconds(60))).isFalse();
  }

  @Test
  void recoverInFlightMovesEntriesToReconcilingDueAtTheCheckTime() {
    SpoolEntry entry = append("k1", "a", T0);
    append("pending", "b", T0.plusSeconds(30));
    spool.claim(1, T0, LEASE);
    Instant now = T0.plusSeconds(1);
    Instant checkAt = now.plusSeconds(60);

    int recovered = spool.recoverInFlight(now, checkAt);

    assertThat(recovered).isEqualTo(1);
    SpoolEntry found = spool.inspect(entry.id()).orElseThrow();
    assertThat(found.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(found.nextAttemptAt()).isEqualTo(checkAt);
    assertThat(found.unknownSince()).isEqualTo(now);
    assertThat(found.reconcileLooks()).isZero();
    assertThat(found.leaseUntil()).isNull();
    assertThat(found.attempts()).isEqualTo(1);
    assertThat(found.lastError()).startsWith("recovered after a restart");
    assertThat(spool.claim(10, checkAt, LEASE)).extracting(c -> c.entry().idempotencyKey().value())
        .containsExactly("pending");
    assertThat(spool.claimReconciling(10, checkAt.minusMillis(1), LEASE)).isEmpty();
    List<Spool.Claimed> lookups = spool.claimReconciling(10, checkAt, LEASE);
    assertThat(lookups).extracting(c -> c.entry().id()).containsExactly(entry.id());
    assertThat(lookups.get(0).entry().idempotencyKey()).isEqualTo(IdempotencyKey.of("k1"));
  }

  @Test
  void recoverInFlightReleasesTheLeasesOfReconcilingEntries() {
    SpoolEntry entry = append("k1", "a", T0);
    markReconciling(spool.claim(1, T0, LEASE).get(0), T0, T0);
    spool.claimReconciling(1, T0, LEASE);
    assertThat(spool.claimReconciling(1, T0.plusSeconds(1), LEASE)).isEmpty();

    int recovered = spool.recoverInFlight(T0.plusSeconds(2), T0.plusSeconds(2));

    assertThat(recovered).isZero();
    SpoolEntry found = spool.inspect(entry.id()).orElseThrow();
    assertThat(found.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(found.leaseUntil()).isNull();
    assertThat(found.unknownSince()).isEqualTo(T0);
    assertThat(spool.claimReconciling(1, T0.plusSeconds(2), LEASE)).extracting(c -> c.entry().id())
        .containsExactly(entry.id());
  }

  @Test
  void statsCountEntriesByStateAndAgeOfOldestUndelivered() {
    append("a", "a", T0);
    SpoolEntry b = append("b", "b", T0.plusSeconds(10));
    SpoolEntry c = append("c", "c", T0.plusSeconds(20));
    spool.claim(3, T0.plusSeconds(20), LEASE);
    spool.markDelivered(b.id(), receipt("b"), T0.plusSeconds(21));
    spool.deadLetter(c.id(), "EXPIRED: late", T0.plusSeconds(21));

    SpoolStats stats = spool.stats(T0.plusSeconds(100));

    assertThat(stats.count(SpoolState.IN_FLIGHT)).isEqualTo(1);
    assertThat(stats.count(SpoolState.DELIVERED)).isEqualTo(1);
    assertThat(stats.deadCount()).isEqualTo(1);
    assertThat(stats.count(SpoolState.PENDING)).isZero();
    assertThat(stats.oldestPendingAge()).isEqualTo(Duration.ofSeconds(100));
    assertThat(stats.bytes()).isPositive();
  }

  @Test
  void statsSeeThisSpoolsOwnDeliveriesAndPurgesAtOnce() {
    SpoolEntry a = append("a", "a", T0);
    append("b", "b", T0);
    assertThat(spool.stats(T0).count(SpoolState.DELIVERED)).isZero();
    spool.claim(1, T0, LEASE);

    spool.markDelivered(a.id(), receipt("a"), T0);

    SpoolStats afterDelivery = spool.stats(T0);
    assertThat(afterDelivery.count(SpoolState.DELIVERED)).isEqualTo(1);
    assertThat(afterDelivery.count(SpoolState.PENDING)).isEqualTo(1);
    assertThat(afterDelivery.undeliveredCount()).isEqualTo(1);
    assertThat(spool.purgeDelivered(T0.plusSeconds(1))).isEqualTo(1);
    assertThat(spool.stats(T0).count(SpoolState.DELIVERED)).isZero();
  }

  @Test
  void purgeDeliveredForgetsOldDeliveredKeysOnly() {
    SpoolEntry old = append("old", "a", T0);
    SpoolEntry recent = append("recent", "b", T0);
    append("pending", "c", T0.plus(Duration.ofDays(30)));
    spool.claim(2, T0, LEASE);
    spool.markDelivered(old.id(), receipt("old"), T0);
    spool.markDelivered(recent.id(), receipt("recent"), T0.plus(Duration.ofDays(8)));

    int purged = spool.purgeDelivered(T0.plus(Duration.ofDays(7)));

    assertThat(purged).isEqualTo(1);
    assertThat(spool.find(IdempotencyKey.of("old"))).isEmpty();
    assertThat(spool.find(IdempotencyKey.of("recent"))).isPresent();
    assertThat(spool.find(IdempotencyKey.of("pending"))).isPresent();
  }

  // ---------------------------------------------------------------------------------------------
  // Reconciling: an attempt whose answer was lost is looked up in SparkPost's events before a re-send.

  /** Marks {@code claim} reconciling with the error "read timeout"; the move must succeed. */
  protected void markReconciling(Spool.Claimed claim, Instant now, Instant checkAt) {
    assertThat(spool.markReconciling(claim, now, checkAt, "UNKNOWN: read timeout")).isTrue();
  }

  /** Appends {@code key} at T0, claims it and marks it reconciling at T0, due at {@code checkAt}. */
  protected SpoolEntry reconciling(String key, Instant checkAt) {
    SpoolEntry entry = append(key, key, T0);
    List<Spool.Claimed> claimed = spool.claim(1, T0, LEASE);
    assertThat(claimed).extracting(c -> c.entry().id()).containsExactly(entry.id());
    markReconciling(claimed.get(0), T0, checkAt);
    return spool.inspect(entry.id()).orElseThrow();
  }

  protected static SendReceipt confirmedFromEvents(String key) {
    return new SendReceipt("tx-" + key, 1, 0, IdempotencyKey.of(key), "rest-us", 1, null, true);
  }

  @Test
  void markReconcilingShowsTheEntryReconcilingInListInspectAndStats() {
    SpoolEntry entry = append("k1", "a", T0);
    append("other", "b", T0.plusSeconds(5));
    Spool.Claimed claim = spool.claim(1, T0, LEASE).get(0);

    boolean marked = spool.markReconciling(claim, T0.plusSeconds(1), T0.plusSeconds(61), "UNKNOWN: read timeout");

    assertThat(marked).isTrue();
    SpoolEntry found = spool.inspect(entry.id()).orElseThrow();
    assertThat(found.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(found.unknownSince()).isEqualTo(T0.plusSeconds(1));
    assertThat(found.nextAttemptAt()).isEqualTo(T0.plusSeconds(61));
    assertThat(found.lastError()).isEqualTo("UNKNOWN: read timeout");
    assertThat(found.reconcileLooks()).isZero();
    assertThat(found.leaseUntil()).isNull();
    assertThat(found.attempts()).isEqualTo(1);
    assertThat(spool.list(SpoolState.RECONCILING, 10)).containsExactly(found);
    assertThat(spool.find(IdempotencyKey.of("k1"))).contains(found);
    SpoolStats stats = spool.stats(T0.plusSeconds(100));
    assertThat(stats.countByState()).containsOnlyKeys(SpoolState.values());
    assertThat(stats.reconcilingCount()).isEqualTo(1);
    assertThat(stats.count(SpoolState.IN_FLIGHT)).isZero();
    assertThat(stats.undeliveredCount()).isEqualTo(2);
    assertThat(stats.oldestPendingAge()).isEqualTo(Duration.ofSeconds(100));
    assertThat(spool.nextReconcileAt()).contains(T0.plusSeconds(61));
    assertThat(spool.nextDueAt()).contains(T0.plusSeconds(5));
  }

  @Test
  void oldestPendingAgeCountsAReconcilingEntry() {
    reconciling("k1", T0);

    assertThat(spool.stats(T0.plusSeconds(42)).oldestPendingAge()).isEqualTo(Duration.ofSeconds(42));
  }

  @Test
  void markReconcilingOfAnEntryNotInFlightChangesNothing() {
    SpoolEntry entry = append("k1", "a", T0);
    Spool.Claimed claim = spool.claim(1, T0, LEASE).get(0);
    spool.reschedule(claim, T0.plusSeconds(30), "HTTP 503");

    assertThat(spool.markReconciling(claim, T0, T0, "late")).isFalse();
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.PENDING);
  }

  @Test
  void markReconcilingWithAStaleLeaseTokenChangesNothing() {
    SpoolEntry entry = append("k1", "a", T0);
    Spool.Claimed claim = spool.claim(1, T0, LEASE).get(0);
    Spool.Claimed stale = new Spool.Claimed(claim.entry(), claim.message(), null, claim.leaseToken() + 1);

    assertThat(spool.markReconciling(stale, T0, T0, "UNKNOWN: read timeout")).isFalse();
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
    assertThat(spool.markReconciling(claim, T0, T0, "UNKNOWN: read timeout")).isTrue();
  }

  @Test
  void markReconcilingAfterTheLeaseWasTakenForALookupChangesNothing() {
    SpoolEntry entry = append("k1", "a", T0);
    Spool.Claimed delivery = spool.claim(1, T0, LEASE).get(0);
    Spool.Claimed lookup = spool.claimReconciling(1, T0.plus(LEASE), LEASE).get(0);

    boolean marked = spool.markReconciling(delivery, T0.plus(LEASE), T0.plus(LEASE), "UNKNOWN: late timeout");

    assertThat(marked).isFalse();
    assertThat(lookup.leaseToken()).isNotEqualTo(delivery.leaseToken());
    assertThat(spool.inspect(entry.id()).orElseThrow().lastError()).isEqualTo("lease expired mid-attempt; outcome unknown");
  }

  @Test
  void claimReconcilingTakesDueReconcilingEntriesWithTheirMessageWithoutCountingAnAttempt() {
    SpoolEntry due = reconciling("due", T0.plusSeconds(10));
    reconciling("later", T0.plusSeconds(20));

    List<Spool.Claimed> claimed = spool.claimReconciling(10, T0.plusSeconds(10), LEASE);

    assertThat(claimed).extracting(c -> c.entry().id()).containsExactly(due.id());
    Spool.Claimed claim = claimed.get(0);
    assertThat(claim.message()).isEqualTo(message("due"));
    assertThat(claim.entry().state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(claim.entry().attempts()).isEqualTo(1);
    assertThat(claim.entry().leaseUntil()).isEqualTo(T0.plusSeconds(10).plus(LEASE));
    assertThat(claim.entry().unknownSince()).isEqualTo(T0);
    assertThat(claim.entry().lastError()).isEqualTo("UNKNOWN: read timeout");
    SpoolEntry stored = spool.inspect(due.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(stored.attempts()).isEqualTo(1);
    assertThat(stored.leaseUntil()).isEqualTo(T0.plusSeconds(10).plus(LEASE));
    assertThat(spool.claim(10, T0.plus(Duration.ofHours(1)), LEASE)).isEmpty();
  }

  @Test
  void claimReconcilingSkipsEntriesUnderALiveLeaseAndTakesThemWhenItExpires() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.Claimed first = spool.claimReconciling(10, T0, LEASE).get(0);

    assertThat(spool.claimReconciling(10, T0.plus(LEASE).minusMillis(1), LEASE)).isEmpty();
    List<Spool.Claimed> again = spool.claimReconciling(10, T0.plus(LEASE), LEASE);

    assertThat(again).extracting(c -> c.entry().id()).containsExactly(entry.id());
    assertThat(again.get(0).leaseToken()).isNotEqualTo(first.leaseToken());
    assertThat(again.get(0).entry().attempts()).isEqualTo(1);
  }

  @Test
  void claimReconcilingTakesInFlightEntriesWhoseLeaseExpiredAsReconciling() {
    SpoolEntry entry = append("k1", "a", T0);
    Spool.Claimed delivery = spool.claim(1, T0, LEASE).get(0);
    append("live", "b", T0);
    spool.claim(1, T0.plusSeconds(10), LEASE);
    Instant now = T0.plus(LEASE).plusSeconds(1);

    List<Spool.Claimed> claimed = spool.claimReconciling(10, now, LEASE);

    assertThat(claimed).extracting(c -> c.entry().id()).containsExactly(entry.id());
    Spool.Claimed claim = claimed.get(0);
    assertThat(claim.message()).isEqualTo(message("a"));
    assertThat(claim.leaseToken()).isNotEqualTo(delivery.leaseToken());
    SpoolEntry stored = spool.inspect(entry.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(stored.attempts()).isEqualTo(1);
    assertThat(stored.unknownSince()).isEqualTo(now);
    assertThat(stored.reconcileLooks()).isZero();
    assertThat(stored.leaseUntil()).isEqualTo(now.plus(LEASE));
    assertThat(stored.lastError()).isEqualTo("lease expired mid-attempt; outcome unknown");
    assertThat(claim.entry()).isEqualTo(stored);
  }

  @Test
  void claimReconcilingHonoursMaxAndTakesTheEarliestDueFirst() {
    reconciling("late", T0.plusSeconds(3));
    reconciling("early", T0.plusSeconds(1));
    reconciling("middle", T0.plusSeconds(2));

    List<Spool.Claimed> first = spool.claimReconciling(2, T0.plusSeconds(10), LEASE);
    List<Spool.Claimed> rest = spool.claimReconciling(10, T0.plusSeconds(10), LEASE);

    assertThat(first).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("early", "middle");
    assertThat(rest).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("late");
  }

  @Test
  void eachReconcileClaimHasALeaseTokenNoEarlierClaimOfTheEntryHad() {
    append("k1", "a", T0);
    List<Long> tokens = new ArrayList<>();
    Spool.Claimed delivery = spool.claim(1, T0, LEASE).get(0);
    tokens.add(delivery.leaseToken());
    Instant at = T0;
    for (int round = 0; round < 3; round++) {
      at = at.plus(LEASE);
      Spool.Claimed lookup = spool.claimReconciling(1, at, LEASE).get(0);
      tokens.add(lookup.leaseToken());
      assertThat(spool.reschedule(lookup, at, "nothing found twice")).isTrue();
      Spool.Claimed resend = spool.claim(1, at, LEASE).get(0);
      tokens.add(resend.leaseToken());
    }

    assertThat(tokens).doesNotHaveDuplicates();
  }

  @Test
  void deferReconcilingCountsALookOnlyWhenTheSearchFoundNothing() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.Claimed first = spool.claimReconciling(1, T0, LEASE).get(0);

    assertThat(spool.deferReconciling(first, T0.plusSeconds(60), true, "no event for the key yet")).isTrue();

    SpoolEntry afterNothing = spool.inspect(entry.id()).orElseThrow();
    assertThat(afterNothing.state()).isEqualTo(SpoolState.RECONCILING);
    assertThat(afterNothing.reconcileLooks()).isEqualTo(1);
    assertThat(afterNothing.nextAttemptAt()).isEqualTo(T0.plusSeconds(60));
    assertThat(afterNothing.leaseUntil()).isNull();
    assertThat(afterNothing.lastError()).isEqualTo("no event for the key yet");
    assertThat(afterNothing.unknownSince()).isEqualTo(T0);
    assertThat(afterNothing.attempts()).isEqualTo(1);
    assertThat(spool.nextReconcileAt()).contains(T0.plusSeconds(60));
    assertThat(spool.claimReconciling(1, T0.plusSeconds(59), LEASE)).isEmpty();
    Spool.Claimed second = spool.claimReconciling(1, T0.plusSeconds(60), LEASE).get(0);
    assertThat(second.entry().reconcileLooks()).isEqualTo(1);

    assertThat(spool.deferReconciling(second, T0.plusSeconds(120), false, "Events API: HTTP 503")).isTrue();

    SpoolEntry afterFailure = spool.inspect(entry.id()).orElseThrow();
    assertThat(afterFailure.reconcileLooks()).isEqualTo(1);
    assertThat(afterFailure.lastError()).isEqualTo("Events API: HTTP 503");
    assertThat(afterFailure.nextAttemptAt()).isEqualTo(T0.plusSeconds(120));
  }

  @Test
  void deferReconcilingOfAClaimThatLostTheEntryChangesNothing() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.Claimed lost = spool.claimReconciling(1, T0, LEASE).get(0);
    Spool.Claimed current = spool.claimReconciling(1, T0.plus(LEASE), LEASE).get(0);

    assertThat(spool.deferReconciling(lost, T0.plus(LEASE), true, "from the claim that lost it")).isFalse();

    SpoolEntry stored = spool.inspect(entry.id()).orElseThrow();
    assertThat(stored.reconcileLooks()).isZero();
    assertThat(stored.leaseUntil()).isEqualTo(T0.plus(LEASE).plus(LEASE));
    assertThat(spool.deferReconciling(current, T0.plus(LEASE), true, "no event")).isTrue();
  }

  @Test
  void deferReconcilingOfAnEntryNotReconcilingChangesNothing() {
    SpoolEntry entry = append("k1", "a", T0);
    Spool.Claimed claim = spool.claim(1, T0, LEASE).get(0);

    assertThat(spool.deferReconciling(claim, T0.plusSeconds(60), true, "no event")).isFalse();
    assertThat(spool.inspect(entry.id()).orElseThrow().state()).isEqualTo(SpoolState.IN_FLIGHT);
  }

  @Test
  void rescheduleFromReconcilingResetsTheLooksAndTheUnknownSinceTime() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.Claimed claim = spool.claimReconciling(1, T0, LEASE).get(0);
    spool.deferReconciling(claim, T0.plusSeconds(60), true, "no event");
    claim = spool.claimReconciling(1, T0.plusSeconds(60), LEASE).get(0);

    boolean rescheduled = spool.reschedule(claim, T0.plusSeconds(61), "no event for the key twice; re-sending");

    assertThat(rescheduled).isTrue();
    SpoolEntry pending = spool.inspect(entry.id()).orElseThrow();
    assertThat(pending.state()).isEqualTo(SpoolState.PENDING);
    assertThat(pending.reconcileLooks()).isZero();
    assertThat(pending.unknownSince()).isNull();
    assertThat(pending.leaseUntil()).isNull();
    assertThat(pending.lastError()).isEqualTo("no event for the key twice; re-sending");
    assertThat(spool.nextReconcileAt()).isEmpty();
    List<Spool.Claimed> resend = spool.claim(1, T0.plusSeconds(61), LEASE);
    assertThat(resend).extracting(c -> c.entry().attempts()).containsExactly(2);
    assertThat(resend.get(0).entry().idempotencyKey()).isEqualTo(IdempotencyKey.of("k1"));
  }

  @Test
  void rescheduleByIdFromReconcilingReturnsTheEntryToPending() {
    SpoolEntry entry = reconciling("k1", T0.plusSeconds(60));

    assertThat(spool.reschedule(entry.id(), T0.plusSeconds(5), "operator")).isTrue();

    SpoolEntry pending = spool.inspect(entry.id()).orElseThrow();
    assertThat(pending.state()).isEqualTo(SpoolState.PENDING);
    assertThat(pending.unknownSince()).isNull();
  }

  @Test
  void markDeliveredFromReconcilingKeepsAReceiptConfirmedFromEvents() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.Claimed claim = spool.claimReconciling(1, T0, LEASE).get(0);

    boolean delivered = spool.markDelivered(claim, confirmedFromEvents("k1"), T0.plusSeconds(1));

    assertThat(delivered).isTrue();
    SpoolEntry stored = spool.inspect(entry.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(SpoolState.DELIVERED);
    assertThat(stored.receipt()).isEqualTo(confirmedFromEvents("k1"));
    assertThat(stored.receipt().confirmedFromEvents()).isTrue();
    assertThat(stored.unknownSince()).isNull();
    assertThat(spool.find(IdempotencyKey.of("k1")).orElseThrow().receipt()).isEqualTo(confirmedFromEvents("k1"));
    assertThat(spool.stats(T0).reconcilingCount()).isZero();
    assertThat(spool.stats(T0).count(SpoolState.DELIVERED)).isEqualTo(1);
  }

  @Test
  void markDeliveredByIdFromReconcilingSucceeds() {
    SpoolEntry entry = reconciling("k1", T0.plusSeconds(60));

    assertThat(spool.markDelivered(entry.id(), confirmedFromEvents("k1"), T0.plusSeconds(1))).isTrue();
    assertThat(spool.inspect(entry.id()).orElseThrow().receipt().confirmedFromEvents()).isTrue();
  }

  @Test
  void deadLetterFromReconcilingKeepsTheReasonAndTheMessageForARequeue() {
    SpoolEntry byClaim = reconciling("by-claim", T0);
    SpoolEntry byId = reconciling("by-id", T0.plusSeconds(60));
    Spool.Claimed claim = spool.claimReconciling(1, T0, LEASE).get(0);

    assertThat(spool.deadLetter(claim, "REJECTED: policy_rejection: suppressed recipient", T0.plusSeconds(1)))
        .isTrue();
    assertThat(spool.deadLetter(byId.id(), "EXPIRED: deliver-by passed", T0.plusSeconds(1))).isTrue();

    SpoolEntry dead = spool.inspect(byClaim.id()).orElseThrow();
    assertThat(dead.state()).isEqualTo(SpoolState.DEAD);
    assertThat(dead.lastError()).isEqualTo("REJECTED: policy_rejection: suppressed recipient");
    assertThat(spool.inspect(byId.id()).orElseThrow().state()).isEqualTo(SpoolState.DEAD);
    assertThat(spool.stats(T0).deadCount()).isEqualTo(2);
    assertThat(spool.stats(T0).undeliveredCount()).isZero();
    assertThat(spool.requeue(byClaim.id(), T0.plusSeconds(2), T0.plus(Duration.ofDays(3)))).isTrue();
    assertThat(spool.claim(10, T0.plusSeconds(2), LEASE)).extracting(Spool.Claimed::message)
        .containsExactly(message("by-claim"));
  }

  @Test
  void reconcilingEntriesCountAgainstTheEntryLimit() {
    reconciling("k1", T0);

    assertThatThrownBy(() -> spool.append(List.of(newEntry("k2", "b", T0)), new Spool.Limits(1, Long.MAX_VALUE)))
        .isInstanceOf(SpoolFullException.class);
    assertThat(spool.find(IdempotencyKey.of("k2"))).isEmpty();
  }

  @Test
  void reconcilingEntriesCountAgainstTheByteLimitUntilTheyLeave() {
    SpoolEntry entry = reconciling("k1", T0);
    Spool.NewEntry next = newEntry("k2", "b", T0);
    Spool.Limits roomForOne = new Spool.Limits(Long.MAX_VALUE, Math.max(entry.sizeBytes(), next.sizeBytes()) + 1);

    assertThatThrownBy(() -> spool.append(List.of(next), roomForOne)).isInstanceOf(SpoolFullException.class);
    spool.markDelivered(entry.id(), confirmedFromEvents("k1"), T0);

    assertThat(spool.append(List.of(next), roomForOne)).extracting(SpoolEntry::state)
        .containsExactly(SpoolState.PENDING);
  }

  @Test
  void nextReconcileAtIsTheEarliestReconcilingCheckOrEmpty() {
    assertThat(spool.nextReconcileAt()).isEmpty();
    reconciling("late", T0.plusSeconds(90));
    reconciling("early", T0.plusSeconds(30));
    append("pending", "p", T0.plusSeconds(5));

    assertThat(spool.nextReconcileAt()).contains(T0.plusSeconds(30));
    assertThat(spool.nextDueAt()).contains(T0.plusSeconds(5));
  }

  @Test
  void closedSpoolRejectsCalls() {
    spool.close();

    assertThatThrownBy(() -> spool.find(IdempotencyKey.of("k1"))).isInstanceOf(IllegalStateException.class);
  }
}
