package io.steadfast.spi;

/**
 * Why a pending entry waits for its next attempt. A recovery flush cuts short only the waits whose
 * cause went away: when a route recovers, {@link #PROVIDER} waits become due at once, while quota,
 * rate-limit and account waits keep their schedule.
 */
public enum WaitReason {
  /** SparkPost was unreachable, failing (5xx, timeouts, resets) or its circuit was open. */
  PROVIDER,
  /** SparkPost answered 429: too fast. The route's pace and the server's Retry-After set the wait. */
  RATE_LIMITED,
  /** The account's sending limit (420) was reached; it resets on SparkPost's schedule, not on recovery. */
  SENDING_LIMIT,
  /** The account or key was refused (401/403); only fixing the key helps. */
  ACCOUNT,
  /** Any other failure. */
  OTHER
}
