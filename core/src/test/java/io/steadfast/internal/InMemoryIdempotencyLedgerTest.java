package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.spi.IdempotencyLedger.Entry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The default ledger: what it remembers, for how long, how many, and from many threads at once. */
class InMemoryIdempotencyLedgerTest {

  private static final Instant START = Instant.parse("2026-12-04T00:00:00Z");
  private static final int THREADS = 8;
  private static final int PER_THREAD = 2_000;

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(START);

    void advance(Duration by) {
      now.updateAndGet(instant -> instant.plus(by));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private final HandClock clock = new HandClock();

  @Test
  void remembersAnAcceptedKeyWithItsFingerprintAndReceipt() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), 10, clock);
    IdempotencyKey key = key(1);
    Entry entry = entry(key, "f1");

    ledger.record(key, entry);

    assertThat(ledger.find(key)).contains(entry);
    assertThat(ledger.find(key(2))).isEmpty();
  }

  @Test
  void givesBackEveryKindOfFingerprintExactlyAsRecorded() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), 10, clock);
    // Message's own (64 lower-case hex digits, kept as numbers), leading zeros and all; and others, kept as text.
    List<String> fingerprints = List.of(
        io.steadfast.Message.builder().from("a@example.com").to("b@example.com").subject("s").text("t").build()
            .fingerprint(),
        "0".repeat(63) + "1",
        "f".repeat(64),
        "0123456789abcdef".repeat(4).toUpperCase(java.util.Locale.ROOT),
        "0123456789abcdef".repeat(4) + "0",
        "g" + "0".repeat(63),
        "");
    for (int i = 0; i < fingerprints.size(); i++) {
      IdempotencyKey key = key(100 + i);
      ledger.record(key, entry(key, fingerprints.get(i)));
    }
    for (int i = 0; i < fingerprints.size(); i++) {
      IdempotencyKey key = key(100 + i);
      assertThat(ledger.find(key)).as(fingerprints.get(i)).contains(entry(key, fingerprints.get(i)));
    }
  }

  @Test
  void forgetsAKeyOnceItsRetentionHasPassed() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), 10, clock);
    IdempotencyKey key = key(1);
    ledger.record(key, entry(key, "f1"));

    clock.advance(Duration.ofMinutes(60));
    assertThat(ledger.find(key)).as("exactly at the retention").isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(ledger.find(key)).isEmpty();
  }

  @Test
  void forgetsTheOldestKeysBeyondMaxEntries() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), 3, clock);
    for (int i = 1; i <= 5; i++) {
      ledger.record(key(i), entry(key(i), "f" + i));
    }

    assertThat(ledger.find(key(1))).isEmpty();
    assertThat(ledger.find(key(2))).isEmpty();
    for (int i = 3; i <= 5; i++) {
      assertThat(ledger.find(key(i))).as("key " + i).isPresent();
    }
  }

  @Test
  void forgetsTheOldestKeysOfARingLongerThanOneChunk() {
    int maxEntries = 5_000;
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), maxEntries, clock);
    for (int i = 0; i < maxEntries + 1_000; i++) {
      ledger.record(key(i), entry(key(i), "f" + i));
    }

    for (int i = 0; i < maxEntries + 1_000; i++) {
      assertThat(ledger.find(key(i)).isPresent()).as("key " + i).isEqualTo(i >= 1_000);
    }
    assertThat(ledger.find(key(maxEntries + 999))).contains(entry(key(maxEntries + 999), "f" + (maxEntries + 999)));
  }

  @Test
  void aBoundAsLargeAsAnIntIsAcceptedAndRemembers() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), Integer.MAX_VALUE, clock);
    for (int i = 0; i < 10_000; i++) {
      ledger.record(key(i), entry(key(i), "f"));
    }

    assertThat(ledger.find(key(0))).isPresent();
    assertThat(ledger.find(key(9_999))).isPresent();
  }

  @Test
  void aRetentionTooLongForMillisecondsNeverExpires() {
    InMemoryIdempotencyLedger ledger =
        new InMemoryIdempotencyLedger(Duration.ofSeconds(Long.MAX_VALUE), 10, clock);
    ledger.record(key(1), entry(key(1), "f1"));

    clock.advance(Duration.ofDays(365 * 100));

    assertThat(ledger.find(key(1))).isPresent();
  }

  @Test
  void aKeyRecordedAgainKeepsItsNewestEntryAndCountsOnce() {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), 2, clock);
    IdempotencyKey again = key(1);
    ledger.record(again, entry(again, "old"));
    Entry newest = entry(again, "new");
    for (int i = 0; i < 50; i++) {
      ledger.record(again, newest);
    }
    ledger.record(key(2), entry(key(2), "f2"));

    assertThat(ledger.find(again)).contains(newest);
    assertThat(ledger.find(key(2))).isPresent();
  }

  @Test
  void manyThreadsRecordingAtOnceLoseNoKeyWithinTheBound() throws Exception {
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), THREADS * PER_THREAD, clock);

    recordFromManyThreads(ledger);

    for (int i = 0; i < THREADS * PER_THREAD; i++) {
      assertThat(ledger.find(key(i))).as("key " + i).contains(entry(key(i), "f"));
    }
  }

  @Test
  void manyThreadsRecordingAtOnceKeepTheBound() throws Exception {
    int maxEntries = 1_000;
    InMemoryIdempotencyLedger ledger = new InMemoryIdempotencyLedger(Duration.ofHours(1), maxEntries, clock);

    recordFromManyThreads(ledger);

    int remembered = 0;
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
      if (ledger.find(key(i)).isPresent()) {
        remembered++;
      }
    }
    // Each record trims the oldest before it returns; only records racing each other can leave one over.
    assertThat(remembered).isBetween(maxEntries - THREADS, maxEntries);
  }

  private static void recordFromManyThreads(InMemoryIdempotencyLedger ledger) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < PER_THREAD; i++) {
          IdempotencyKey key = key(thread * PER_THREAD + i);
          ledger.record(key, entry(key, "f"));
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> future : done) {
      future.get();
    }
    pool.shutdown();
  }

  private static IdempotencyKey key(int n) {
    return IdempotencyKey.of("order-" + n);
  }

  private static Entry entry(IdempotencyKey key, String fingerprint) {
    return new Entry(fingerprint, new SendReceipt("tx-" + key.value(), 1, 0, key, "rest-us", 1, null));
  }
}
