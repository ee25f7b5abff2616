package io.steadfast;

import java.time.Instant;
import java.util.Objects;

/**
 * Proof that the spool holds a message durably: it will be delivered once, or dead-lettered with a
 * reason.
 *
 * @param spoolId the spool's id for the entry, for inspection and requeueing
 * @param idempotencyKey the key the message is sent with on every attempt
 * @param acceptedAt when the spool first accepted the message
 */
public record SubmitReceipt(long spoolId, IdempotencyKey idempotencyKey, Instant acceptedAt) {

  /** Checks the parts are present. */
  public SubmitReceipt {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(acceptedAt, "acceptedAt");
  }
}
