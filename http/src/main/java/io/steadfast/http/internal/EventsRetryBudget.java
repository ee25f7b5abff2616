package io.steadfast.http.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket that bounds how often the Events search retries, across all its searches: each retry
 * takes a token, and tokens come back at a fixed rate up to a fixed capacity. After an outage the
 * reconciler may search hundreds of keys at once; without a budget each of its requests would retry
 * at full strength against an API that is only just recovering. Thread-safe.
 */
final class EventsRetryBudget {

  /** The most retries available at once: 10. */
  static final int DEFAULT_CAPACITY = 10;

  /** How long one token takes to come back: 6 seconds, so 10 retries a minute once the bucket is empty. */
  static final Duration DEFAULT_REFILL_INTERVAL = Duration.ofSeconds(6);

  private final Clock clock;
  private final int capacity;
  private final long refillNanos;

  /** The tokens held, in nanoseconds of refill ({@code refillNanos} per token), so no rounding drifts. Guarded by {@code this}. */
  private long credit;

  /** Guarded by {@code this}. */
  private Instant refilledAt;

  EventsRetryBudget(Clock clock, int capacity, Duration refillInterval) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0 but was " + capacity);
    }
    if (refillInterval.isNegative() || refillInterval.isZero()) {
      throw new IllegalArgumentException("refillInterval must be positive but was " + refillInterval);
    }
    this.clock = clock;
    this.capacity = capacity;
    this.refillNanos = refillInterval.toNanos();
    this.credit = Math.multiplyExact(capacity, refillNanos);
    this.refilledAt = clock.instant();
  }

  /** Returns the default budget: {@value #DEFAULT_CAPACITY} retries, one more every 6 seconds. */
  static EventsRetryBudget withDefaults(Clock clock) {
    return new EventsRetryBudget(clock, DEFAULT_CAPACITY, DEFAULT_REFILL_INTERVAL);
  }

  /** Takes one token if there is one, and returns whether a retry may be made. */
  synchronized boolean tryAcquire() {
    Instant now = clock.instant();
    long full = capacity * refillNanos;
    if (now.isAfter(refilledAt)) {
      Duration elapsed = Duration.between(refilledAt, now);
      // An elapsed time too long for nanoseconds has certainly filled the bucket.
      long earned = elapsed.compareTo(Duration.ofNanos(full)) >= 0 ? full : elapsed.toNanos();
      credit = Math.min(full, credit + earned);
      refilledAt = now;
    }
    if (credit >= refillNanos) {
      credit -= refillNanos;
      return true;
    }
    return false;
  }

  /** Returns the capacity and refill interval, for log lines and failures. */
  @Override
  public String toString() {
    return capacity + " retries, one more every " + Duration.ofNanos(refillNanos).toSeconds() + " s";
  }
}
