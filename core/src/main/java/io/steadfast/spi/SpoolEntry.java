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
    @Nullable SendReceipt receipt) {

  /** Checks the required parts are present. */
  public SpoolEntry {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(deliverBy, "deliverBy");
  }
}
