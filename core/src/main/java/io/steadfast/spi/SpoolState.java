package io.steadfast.spi;

/** Where a spooled message stands. */
public enum SpoolState {
  /** Waiting for its next attempt, at {@link SpoolEntry#nextAttemptAt()}. */
  PENDING,
  /** Claimed by a dispatcher whose lease ends at {@link SpoolEntry#leaseUntil()}. */
  IN_FLIGHT,
  /**
   * The last attempt's answer was lost (or its dispatcher died), so SparkPost may already hold the
   * message: it waits until {@link SpoolEntry#nextAttemptAt()} to look its key up in SparkPost's
   * message events, and is re-sent only if the events show SparkPost never took it. Leased like
   * {@link #IN_FLIGHT} while a dispatcher looks it up ({@link SpoolEntry#leaseUntil()}).
   */
  RECONCILING,
  /** Accepted by SparkPost; kept for the idempotency retention window, then purged. */
  DELIVERED,
  /** Given up on, with {@link SpoolEntry#lastError()} as the reason; kept until requeued or purged. */
  DEAD
}
