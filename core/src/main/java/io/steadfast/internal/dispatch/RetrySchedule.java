package io.steadfast.internal.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When a spooled message is tried again: full jitter above a floor, under a ceiling that grows
 * exponentially with the attempts and, as in Postfix's queue manager, with the message's age, so a
 * message that has waited an hour is not retried every few seconds after a restart.
 */
public final class RetrySchedule {
  private final Duration min;
  private final Duration max;
  private final DoubleSupplier random;

  /** Creates a schedule between {@code min} and {@code max}, drawing jitter from {@code random} in [0, 1). */
  public RetrySchedule(Duration min, Duration max, DoubleSupplier random) {
    this.min = min;
    this.max = max;
    this.random = random;
  }

  /**
   * Returns the wait before the next attempt of a message created at {@code createdAt}, after
   * {@code attempts} attempts; never shorter than {@code retryAfter}, the server's advice.
   */
  public Duration delay(Instant createdAt, Instant now, int attempts, @Nullable Duration retryAfter) {
    long minMillis = min.toMillis();
    long maxMillis = max.toMillis();
    int doublings = Math.max(0, Math.min(attempts - 1, 40));
    long exponential = (long) Math.min((double) maxMillis, minMillis * Math.pow(2, doublings));
    long age = Math.max(0, Duration.between(createdAt, now).toMillis());
    long ceiling = Math.max(minMillis, Math.min(maxMillis, Math.max(exponential, age)));
    long delay = minMillis + (long) (random.getAsDouble() * (ceiling - minMillis));
    Duration result = Duration.ofMillis(delay);
    if (retryAfter != null && retryAfter.compareTo(result) > 0) {
      result = retryAfter;
    }
    return result;
  }

  /**
   * Returns the wait before a message SparkPost refused with 429 is tried again: between the server's
   * {@code retryAfter} (one second if it gave none) and twice that. A rate-limited message was not
   * refused for a fault, only for arriving too fast; the route's pace keeps the rate, so it goes
   * back soon rather than after an age-long backoff, which would leave a drained backlog's last
   * messages waiting minutes.
   */
  public Duration afterRateLimit(@Nullable Duration retryAfter) {
    Duration floor = retryAfter == null || retryAfter.isZero() || retryAfter.isNegative()
        ? Duration.ofSeconds(1) : retryAfter;
    return floor.plusMillis((long) (random.getAsDouble() * floor.toMillis()));
  }
}
