package io.steadfast.internal.dispatch;

import io.steadfast.internal.Backoff;
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
  private final Backoff backoff;
  private final DoubleSupplier random;

  /** Creates a schedule between {@code min} and {@code max}, drawing jitter from {@code random} in [0, 1). */
  public RetrySchedule(Duration min, Duration max, DoubleSupplier random) {
    // The ceiling starts at the floor and doubles per attempt.
    this.backoff = new Backoff(min, min, 2, max, random);
    this.random = random;
  }

  /**
   * Returns the wait before the next attempt of a message created at {@code createdAt}, after
   * {@code attempts} attempts; never shorter than {@code retryAfter}, the server's advice.
   */
  public Duration delay(Instant createdAt, Instant now, int attempts, @Nullable Duration retryAfter) {
    return backoff.delayAfterWaiting(attempts, Duration.between(createdAt, now), retryAfter);
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
