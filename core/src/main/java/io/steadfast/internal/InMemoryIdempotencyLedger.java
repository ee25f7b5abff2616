package io.steadfast.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.spi.IdempotencyLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link IdempotencyLedger} in a bounded map, oldest entries forgotten first; forgets everything on
 * restart.
 *
 * <p>Every accepted send records here, from every sending thread, so there is no lock: the entries are
 * a {@link ConcurrentHashMap}, and a queue in recording order says which are oldest. A key recorded
 * again leaves its earlier record in the queue; that stale record is skipped (and dropped) when it
 * reaches the head, and the queue is kept to at most twice {@code maxEntries} records. The bound is
 * kept as each record is made, so between two threads' records the map may briefly hold a few more.
 */
public final class InMemoryIdempotencyLedger implements IdempotencyLedger {
  /** One record. A class, not a record: the queue finds it by identity, never by comparing entries. */
  private static final class Stored {
    private final IdempotencyKey key;
    private final Entry entry;
    private final Instant recordedAt;

    Stored(IdempotencyKey key, Entry entry, Instant recordedAt) {
      this.key = key;
      this.entry = entry;
      this.recordedAt = recordedAt;
    }
  }

  private final Duration retention;
  private final int maxEntries;
  private final Clock clock;
  private final ConcurrentHashMap<IdempotencyKey, Stored> entries = new ConcurrentHashMap<>();
  /** Every record in the order it was made; the head is the oldest. */
  private final ConcurrentLinkedQueue<Stored> order = new ConcurrentLinkedQueue<>();
  /** How many records {@link #order} holds (its own size() counts them one by one). */
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * Creates a ledger that remembers keys for {@code retention}, at most {@code maxEntries} of them.
   *
   * @throws IllegalArgumentException if {@code retention} is not positive or {@code maxEntries} &lt; 1
   */
  public InMemoryIdempotencyLedger(Duration retention, int maxEntries, Clock clock) {
    if (retention.isZero() || retention.isNegative()) {
      throw new IllegalArgumentException("retention must be positive but was " + retention);
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1 but was " + maxEntries);
    }
    this.retention = retention;
    this.maxEntries = maxEntries;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Optional<Entry> find(IdempotencyKey key) {
    Stored stored = entries.get(key);
    if (stored == null || expired(stored, clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(stored.entry);
  }

  @Override
  public void record(IdempotencyKey key, Entry entry) {
    Instant now = clock.instant();
    Stored stored = new Stored(key, entry, now);
    entries.put(key, stored);
    order.add(stored);
    queued.incrementAndGet();
    forgetOldest(now);
  }

  /** Drops records from the head while they are expired, stale, or over the bounds. */
  private void forgetOldest(Instant now) {
    while (true) {
      Stored oldest = order.peek();
      if (oldest == null) {
        return;
      }
      boolean stale = entries.get(oldest.key) != oldest;
      if (!stale && !expired(oldest, now) && entries.size() <= maxEntries && queued.get() <= 2L * maxEntries) {
        return;
      }
      // Only the thread whose poll takes this very record removes it; another may have taken it first.
      if (order.remove(oldest)) {
        queued.decrementAndGet();
        entries.remove(oldest.key, oldest);
      }
    }
  }

  private boolean expired(Stored stored, Instant now) {
    return stored.recordedAt.isBefore(now.minus(retention));
  }
}
