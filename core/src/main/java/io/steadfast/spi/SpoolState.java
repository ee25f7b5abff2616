package io.steadfast.spi;

/** Where a spooled message stands. */
public enum SpoolState {
  /** Waiting for its next attempt, at {@link SpoolEntry#nextAttemptAt()}. */
  PENDING,
  /** Claimed by a dispatcher whose lease ends at {@link SpoolEntry#leaseUntil()}. */
  IN_FLIGHT,
  /** Accepted by SparkPost; kept for the idempotency retention window, then purged. */
  DELIVERED,
  /** Given up on, with {@link SpoolEntry#lastError()} as the reason; kept until requeued or purged. */
  DEAD
}
