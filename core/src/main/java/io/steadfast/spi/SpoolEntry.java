package io.steadfast.spi;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The state of one spooled message, without its content (see {@link Spool.Claimed} for that).
 *
 * @param id the spool's id for the entry, unique within the spool
 * @param idempotencyKey the key the message is sent with on every attempt
 * @param fingerprint the content fingerprint ({@link io.steadfast.Message#fingerprint()})
 * @param state where the entry stands
 * @param attempts how many delivery attempts were started
 * @param createdAt when the message was accepted
 * @param nextAttemptAt when the next attempt is due; for delivered and dead entries, when they
 *     reached that state
 * @param deliverBy when the message is given up as expired
 * @param leaseUntil when the current claim ends, or {@code null} if the entry is not in flight
 * @param lastError the last failure, or the dead-letter reason, or {@code null} if none
 * @param sizeBytes the size of the stored message, in bytes
 * @param receipt SparkPost's receipt once delivered, or {@code null} before
 * @param reconcileLooks how many event searches since the entry became {@link SpoolState#RECONCILING}
 *     found nothing for its key (a search that failed does not count)
 * @param unknownSince when the entry last became {@link SpoolState#RECONCILING}, or {@code null} if its
 *     outcome is not in doubt
 */
public record SpoolEntry(
    long id,
    IdempotencyKey idempotencyKey,
    String fingerprint,
    SpoolState state,
    int attempts,
    Instant createdAt,
    Instant nextAttemptAt,
    Instant deliverBy,
    @Nullable Instant leaseUntil,
    @Nullable String lastError,
    long sizeBytes,
    @Nullable SendReceipt receipt,
    int reconcileLooks,
    @Nullable Instant unknownSince) {

  /** Checks the required parts are present. */
  public SpoolEntry {
    if (reconcileLooks < 0) {
      throw new IllegalArgumentException("reconcileLooks must be >= 0 but was " + reconcileLooks);
    }
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(deliverBy, "deliverBy");
  }

  /** Creates an entry whose outcome is not in doubt: no reconciliation looks, no unknown-since time. */
  public SpoolEntry(long id, IdempotencyKey idempotencyKey, String fingerprint, SpoolState state, int attempts,
      Instant createdAt, Instant nextAttemptAt, Instant deliverBy, @Nullable Instant leaseUntil,
      @Nullable String lastError, long sizeBytes, @Nullable SendReceipt receipt) {
    this(id, idempotencyKey, fingerprint, state, attempts, createdAt, nextAttemptAt, deliverBy, leaseUntil, lastError,
        sizeBytes, receipt, 0, null);
  }
}
