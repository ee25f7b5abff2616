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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
        all.add(result.get(60, TimeUnit.SECONDS));
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
  void entryWithExpiredLeaseIsClaimedAgain() {
    append("k1", "a", T0);
    spool.claim(10, T0, LEASE);

    List<Spool.Claimed> again = spool.claim(10, T0.plus(LEASE), LEASE);

    assertThat(again).hasSize(1);
    assertThat(again.get(0).entry().attempts()).isEqualTo(2);
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
  void claimMixesExpiredLeasesAndDuePendingEntriesOldestDueFirst() {
    append("lease-expired", "a", T0.plusSeconds(1));
    spool.claim(1, T0.plusSeconds(1), LEASE);
    append("early", "b", T0);
    append("late", "c", T0.plusSeconds(2));
    append("not-due", "d", T0.plus(LEASE).plusSeconds(10));

    List<Spool.Claimed> first = spool.claim(2, T0.plusSeconds(1).plus(LEASE), LEASE);
    List<Spool.Claimed> rest = spool.claim(10, T0.plusSeconds(1).plus(LEASE), LEASE);

    assertThat(first).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("early", "lease-expired");
    assertThat(rest).extracting(c -> c.entry().idempotencyKey().value()).containsExactly("late");
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
  void recoverInFlightReturnsEntriesToPendingDueNow() {
    SpoolEntry entry = append("k1", "a", T0);
    spool.claim(1, T0, LEASE);

    int recovered = spool.recoverInFlight(T0.plusSeconds(1));

    assertThat(recovered).isEqualTo(1);
    List<Spool.Claimed> claimed = spool.claim(10, T0.plusSeconds(1), LEASE);
    assertThat(claimed).extracting(c -> c.entry().id()).containsExactly(entry.id());
    assertThat(claimed.get(0).entry().idempotencyKey()).isEqualTo(IdempotencyKey.of("k1"));
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

  @Test
  void closedSpoolRejectsCalls() {
    spool.close();

    assertThatThrownBy(() -> spool.find(IdempotencyKey.of("k1"))).isInstanceOf(IllegalStateException.class);
  }
}
