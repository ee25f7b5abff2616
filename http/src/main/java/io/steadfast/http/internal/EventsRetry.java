package io.steadfast.http.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * How one Events request is retried: full-jitter exponential backoff (a wait drawn uniformly between
 * zero and {@code min(cap, base * 2^(retry - 1))}, as in AWS's "Exponential Backoff and Jitter"), at least
 * SparkPost's {@code Retry-After}, at most {@link #maxTries()} tries. A {@code Retry-After} longer than
 * the cap is not waited for in-call: the search ends {@code Unavailable} and passes it on, so the
 * reconciler's single thread is never parked for minutes.
 *
 * @param base the ceiling of the first retry's wait
 * @param cap the largest wait
 * @param maxTries the most tries per request, the first included
 */
record EventsRetry(Duration base, Duration cap, int maxTries) {

  /** 1 s base, 20 s cap, 4 tries. */
  static final EventsRetry DEFAULT = new EventsRetry(Duration.ofSeconds(1), Duration.ofSeconds(20), 4);

  EventsRetry {
    if (maxTries < 1) {
      throw new IllegalArgumentException("maxTries must be >= 1 but was " + maxTries);
    }
    if (base.isNegative() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 <= base <= cap but base was " + base + " and cap " + cap);
    }
  }

  /**
   * Returns the wait before retry number {@code retry} (1 for the second try), or {@code null} if
   * {@code retryAfter} asks for longer than {@link #cap()}.
   *
   * @param random a value in {@code [0, 1)}
   */
  @Nullable Duration delay(int retry, @Nullable Duration retryAfter, DoubleSupplier random) {
    if (retryAfter != null && retryAfter.compareTo(cap) > 0) {
      return null;
    }
    long ceilingNanos = cap.toNanos();
    long baseNanos = base.toNanos();
    // 2^(retry - 1) without overflow: once past the cap, stay at the cap.
    if (retry - 1 < 62 && baseNanos <= ceilingNanos >> Math.min(retry - 1, 62)) {
      ceilingNanos = baseNanos << (retry - 1);
    }
    Duration jitter = Duration.ofNanos((long) (random.getAsDouble() * ceilingNanos));
    return retryAfter != null && retryAfter.compareTo(jitter) > 0 ? retryAfter : jitter;
  }
}
