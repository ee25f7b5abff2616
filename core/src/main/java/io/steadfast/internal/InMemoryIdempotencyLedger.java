package io.steadfast.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.spi.IdempotencyLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** An {@link IdempotencyLedger} in a bounded, insertion-ordered map; forgets everything on restart. */
public final class InMemoryIdempotencyLedger implements IdempotencyLedger {
  private record Stored(Entry entry, Instant recordedAt) {}

  private final Duration retention;
  private final int maxEntries;
  private final Clock clock;
  /** Oldest first, so expiry and eviction only ever look at the head. Guarded by {@code this}. */
  private final LinkedHashMap<IdempotencyKey, Stored> entries = new LinkedHashMap<>();

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
  public synchronized Optional<Entry> find(IdempotencyKey key) {
    expire();
    Stored stored = entries.get(key);
    return stored == null ? Optional.empty() : Optional.of(stored.entry());
  }

  @Override
  public synchronized void record(IdempotencyKey key, Entry entry) {
    expire();
    entries.remove(key);
    entries.put(key, new Stored(entry, clock.instant()));
    while (entries.size() > maxEntries) {
      Iterator<Map.Entry<IdempotencyKey, Stored>> oldest = entries.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  private void expire() {
    Instant cutoff = clock.instant().minus(retention);
    Iterator<Map.Entry<IdempotencyKey, Stored>> it = entries.entrySet().iterator();
    while (it.hasNext() && it.next().getValue().recordedAt().isBefore(cutoff)) {
      it.remove();
    }
  }
}
