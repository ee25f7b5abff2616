package io.steadfast.spi;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.internal.InMemoryIdempotencyLedger;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Remembers which idempotency keys SparkPost already accepted, so a second send of the same message
 * returns the first receipt instead of a second email.
 *
 * <p>SparkPost itself does not deduplicate requests: this client-side ledger is what makes a repeated
 * send safe. Implementations are thread-safe.
 */
public interface IdempotencyLedger {

  /**
   * An accepted message: the fingerprint of its content and SparkPost's receipt.
   *
   * @param fingerprint the content fingerprint ({@link io.steadfast.Message#fingerprint()})
   * @param receipt the receipt of the accepted send
   */
  record Entry(String fingerprint, SendReceipt receipt) {
    /** Checks both parts are present. */
    public Entry {
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(receipt, "receipt");
    }
  }

  /** Returns the entry for {@code key}, if the key was accepted within the retention window. */
  Optional<Entry> find(IdempotencyKey key);

  /** Records that the message with {@code key} and {@code fingerprint} was accepted. */
  void record(IdempotencyKey key, Entry entry);

  /**
   * Returns a ledger held in memory: it remembers keys for {@code retention}, at most
   * {@code maxEntries} of them (the oldest are forgotten first), and forgets everything on restart.
   *
   * @throws IllegalArgumentException if {@code retention} is not positive or {@code maxEntries} &lt; 1
   */
  static IdempotencyLedger inMemory(Duration retention, int maxEntries) {
    return new InMemoryIdempotencyLedger(retention, maxEntries, java.time.Clock.systemUTC());
  }
}
