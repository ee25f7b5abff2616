package io.steadfast;

import java.time.Instant;
import java.util.Objects;

/**
 * How a submitted message ended: delivered to SparkPost, or moved to the dead letters.
 */
public sealed interface DeliveryResult permits DeliveryResult.Delivered, DeliveryResult.DeadLettered {

  /** Returns the message's idempotency key. */
  IdempotencyKey idempotencyKey();

  /**
   * Returns when the spool accepted the message (when {@code submit} stored it), so that the time from
   * submit to the outcome can be measured without reading the spool again.
   */
  Instant submittedAt();

  /**
   * SparkPost accepted the message.
   *
   * @param spoolId the spool's id for the entry
   * @param receipt SparkPost's receipt
   * @param submittedAt when the spool accepted the message
   */
  record Delivered(long spoolId, SendReceipt receipt, Instant submittedAt) implements DeliveryResult {
    /** Checks the parts are present. */
    public Delivered {
      Objects.requireNonNull(receipt, "receipt");
      Objects.requireNonNull(submittedAt, "submittedAt");
    }

    @Override
    public IdempotencyKey idempotencyKey() {
      return receipt.idempotencyKey();
    }
  }

  /**
   * The message was given up on and kept in the dead letters, where it can be inspected and
   * requeued.
   *
   * @param spoolId the spool's id for the entry
   * @param idempotencyKey the message's key
   * @param reason why: {@link Reason#REJECTED}, {@link Reason#EXPIRED}, {@link Reason#UNREADABLE} or
   *     {@link Reason#OUTCOME_UNKNOWN}
   * @param detail what happened last, for people
   * @param submittedAt when the spool accepted the message
   */
  record DeadLettered(long spoolId, IdempotencyKey idempotencyKey, Reason reason, String detail, Instant submittedAt)
      implements DeliveryResult {
    /** Checks the parts are present. */
    public DeadLettered {
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(submittedAt, "submittedAt");
    }
  }

  /** Why a message was dead-lettered. */
  enum Reason {
    /** SparkPost refused the message permanently. */
    REJECTED,
    /** It was not delivered before its deliver-by deadline. */
    EXPIRED,
    /** The spool could not read the stored message back. */
    UNREADABLE,
    /**
     * An attempt's answer was lost and SparkPost's message events could not say whether SparkPost
     * took it (the Events API was down past the reconcile timeout, or the key lacks the "Events
     * Search: Read-only" grant) under {@link ReconcilePolicy.Mode#DEAD_LETTER}: a person decides.
     * Check the key in SparkPost's events, then requeue it or leave it.
     */
    OUTCOME_UNKNOWN
  }
}
