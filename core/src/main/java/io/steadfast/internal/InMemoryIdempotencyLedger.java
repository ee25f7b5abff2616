package io.steadfast.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.spi.IdempotencyLedger;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyLedger} in a bounded map, oldest entries forgotten first; forgets everything on
 * restart.
 *
 * <p>Every accepted send records here, from every sending thread, so there is no lock and nothing a
 * record has to search: the entries are a {@link ConcurrentHashMap}, and a ring of {@code maxEntries}
 * slots, filled in recording order, says which are oldest. A record takes the next slot and forgets
 * the record it replaces, so the ring never holds more than {@code maxEntries} records. A key recorded
 * again leaves its earlier record in the ring; when that stale record's slot comes round, the map
 * already holds the newer one and keeps it.
 *
 * <p>Why a ring and not a queue: the queue this replaced removed its head with {@code
 * ConcurrentLinkedQueue.remove(Object)}, and every thread that lost the race for the same head then
 * walked the whole queue (up to 200,000 nodes) looking for it. At 16 sending threads that cost more
 * than a quarter of the throughput (docs/benchmarks.md). Each record is also one small object with
 * its time in milliseconds, so the records that must outlive many young collections are few bytes.
 *
 * <p>Expired records are forgotten when they are looked up, and otherwise when their slot comes
 * round: memory stays bounded by {@code maxEntries} either way.
 */
public final class InMemoryIdempotencyLedger implements IdempotencyLedger {
  /** Slots per chunk of the ring: chunks are made as the ring first fills, so a huge bound costs nothing up front. */
  private static final int CHUNK = 4096;

  /**
   * One record. A class, not a record: the map and the ring find it by identity, never by comparing.
   *
   * <p>Why the fingerprint is kept as four longs: every record outlives many young collections, and
   * each collection copies every object a record holds. A fingerprint (64 hex digits, two objects) as
   * numbers, and no {@link Entry} around the receipt, make a record three objects fewer; the entry is
   * made again on the rare lookup that finds it. At 16 sending threads the records' collections were
   * about 2% of the time (docs/benchmarks.md).
   */
  private static final class Stored {
    private final IdempotencyKey key;
    private final SendReceipt receipt;
    /** The fingerprint if it is not 64 lower-case hex digits (Message's always are), else null. */
    private final @Nullable String otherFingerprint;
    private final long fingerprint0;
    private final long fingerprint1;
    private final long fingerprint2;
    private final long fingerprint3;
    private final long recordedAtMillis;
    /** Its place in recording order: slot {@code sequence % maxEntries}. */
    private final long sequence;

    Stored(IdempotencyKey key, Entry entry, long recordedAtMillis, long sequence) {
      this.key = key;
      this.receipt = entry.receipt();
      String fingerprint = entry.fingerprint();
      boolean hex = isLowerHex64(fingerprint);
      this.otherFingerprint = hex ? null : fingerprint;
      this.fingerprint0 = hex ? Long.parseUnsignedLong(fingerprint, 0, 16, 16) : 0;
      this.fingerprint1 = hex ? Long.parseUnsignedLong(fingerprint, 16, 32, 16) : 0;
      this.fingerprint2 = hex ? Long.parseUnsignedLong(fingerprint, 32, 48, 16) : 0;
      this.fingerprint3 = hex ? Long.parseUnsignedLong(fingerprint, 48, 64, 16) : 0;
      this.recordedAtMillis = recordedAtMillis;
      this.sequence = sequence;
    }

    Entry entry() {
      String fingerprint = otherFingerprint != null ? otherFingerprint
          : HEX.toHexDigits(fingerprint0) + HEX.toHexDigits(fingerprint1) + HEX.toHexDigits(fingerprint2)
              + HEX.toHexDigits(fingerprint3);
      return new Entry(fingerprint, receipt);
    }

    private static boolean isLowerHex64(String text) {
      if (text.length() != 64) {
        return false;
      }
      for (int i = 0; i < 64; i++) {
        char c = text.charAt(i);
        if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
          return false;
        }
      }
      return true;
    }
  }

  private static final HexFormat HEX = HexFormat.of();

  private final long retentionMillis;
  private final int maxEntries;
  private final Clock clock;
  private final ConcurrentHashMap<IdempotencyKey, Stored> entries = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<AtomicReferenceArray<Stored>> ring;
  /** The sequence the next record takes. */
  private final AtomicLong next = new AtomicLong();

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
    this.retentionMillis = saturatedMillis(retention);
    this.maxEntries = maxEntries;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ring = new AtomicReferenceArray<>((int) ((maxEntries + (long) CHUNK - 1) / CHUNK));
  }

  @Override
  public Optional<Entry> find(IdempotencyKey key) {
    Stored stored = entries.get(key);
    if (stored == null) {
      return Optional.empty();
    }
    if (expired(stored, clock.millis())) {
      entries.remove(key, stored);
      return Optional.empty();
    }
    return Optional.of(stored.entry());
  }

  @Override
  public void record(IdempotencyKey key, Entry entry) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(entry, "entry");
    long sequence = next.getAndIncrement();
    Stored stored = new Stored(key, entry, clock.millis(), sequence);
    entries.put(key, stored);
    int slot = (int) (sequence % maxEntries);
    AtomicReferenceArray<Stored> chunk = chunk(slot / CHUNK);
    int index = slot % CHUNK;
    Stored replaced = chunk.getAndSet(index, stored);
    if (replaced != null && replaced.sequence > sequence) {
      // A whole ring of records was made between taking this sequence and reaching its slot, so this
      // record is the older one: put the newer back and forget this one instead.
      chunk.compareAndSet(index, stored, replaced);
      replaced = stored;
    }
    if (replaced != null) {
      // Only if the map still holds that very record: a key recorded again keeps its newer one.
      entries.remove(replaced.key, replaced);
    }
  }

  private AtomicReferenceArray<Stored> chunk(int number) {
    AtomicReferenceArray<Stored> chunk = ring.get(number);
    if (chunk == null) {
      ring.compareAndSet(number, null, new AtomicReferenceArray<>(Math.min(CHUNK, maxEntries)));
      chunk = ring.get(number);
    }
    return chunk;
  }

  private boolean expired(Stored stored, long nowMillis) {
    return nowMillis - stored.recordedAtMillis > retentionMillis;
  }

  private static long saturatedMillis(Duration duration) {
    try {
      return duration.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
