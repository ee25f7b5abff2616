package io.steadfast.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.steadfast.RetryPolicy;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Full-jitter exponential backoff with a floor: retry {@code n} waits a uniformly random time between
 * the policy's minimum and {@code min(max, initial * multiplier^(n-1))}. Full jitter spreads clients
 * that failed together (AWS Architecture Blog, "Exponential Backoff And Jitter"); the floor keeps
 * SparkPost's advice to wait at least 5 s before retrying.
 */
final class Backoff {
  private final IntervalFunction ceiling;
  private final long minMillis;
  private final long maxMillis;
  private final DoubleSupplier random;

  Backoff(RetryPolicy policy, DoubleSupplier random) {
    // Resilience4j computes the exponential ceiling; the jitter is ours because its randomized
    // variant jitters around the ceiling rather than below it.
    this.ceiling = IntervalFunction.ofExponentialBackoff(
        Math.max(1, policy.initialBackoff().toMillis()), policy.multiplier(), Math.max(1, policy.maxBackoff().toMillis()));
    this.minMillis = policy.minBackoff().toMillis();
    this.maxMillis = policy.maxBackoff().toMillis();
    this.random = random;
  }

  /** Returns the wait before retry number {@code retry} (1 for the first retry). */
  Duration delay(int retry) {
    long top = Math.min(maxMillis, ceiling.apply(retry));
    long bottom = Math.min(minMillis, top);
    long millis = bottom + (long) (random.getAsDouble() * (top - bottom));
    return Duration.ofMillis(millis);
  }
}
