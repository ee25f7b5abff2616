package io.steadfast.http.internal;

import io.steadfast.internal.Backoff;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * How one Events request is retried: core's full-jitter exponential {@link Backoff} (a wait drawn uniformly
 * between zero and {@code min(cap, base * 2^(retry - 1))}, whole milliseconds), at least
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
    return new Backoff(Duration.ZERO, base, 2, cap, random).delay(retry, retryAfter);
  }
}
