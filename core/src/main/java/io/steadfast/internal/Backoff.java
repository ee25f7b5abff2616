package io.steadfast.internal;

import io.steadfast.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Full-jitter exponential backoff with a floor, the one backoff behind every retry Steadfast waits
 * for: a send's in-call retries ({@link RetryPolicy}), a spooled message's next attempt, the
 * reconciler's pause after failed events searches, and the retries of one Events API request.
 *
 * <p>Retry {@code n} waits a uniformly random time between {@code min(floor, ceiling)} and the ceiling
 * {@code min(cap, initial * multiplier^(n-1))}. Full jitter spreads clients that failed together (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"); the floor keeps SparkPost's advice to wait at
 * least 5 s before retrying. A server's {@code Retry-After} is a minimum, never shortened. Waits are
 * whole milliseconds.
 */
public final class Backoff {
  private final long floorMillis;
  private final long initialMillis;
  private final double multiplier;
  private final long capMillis;
  private final DoubleSupplier random;

  /**
   * Creates a backoff.
   *
   * @param floor the shortest wait, unless the ceiling is shorter
   * @param initial the ceiling of the first retry's wait
   * @param multiplier how much the ceiling grows per retry, at least 1
   * @param cap the longest wait
   * @param random the jitter, a value in {@code [0, 1)} per draw
   * @throws IllegalArgumentException if a duration is negative or the multiplier below 1
   */
  public Backoff(Duration floor, Duration initial, double multiplier, Duration cap, DoubleSupplier random) {
    this.floorMillis = nonNegativeMillis("floor", floor);
    this.initialMillis = nonNegativeMillis("initial", initial);
    this.capMillis = nonNegativeMillis("cap", cap);
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be >= 1 but was " + multiplier);
    }
    this.multiplier = multiplier;
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Returns the backoff of a send's in-call retries under {@code policy}. */
  public static Backoff of(RetryPolicy policy, DoubleSupplier random) {
    return new Backoff(policy.minBackoff(), policy.initialBackoff(), policy.multiplier(), policy.maxBackoff(), random);
  }

  /**
   * Returns {@code min(cap, initial * multiplier^(retry-1))}, without overflow however large
   * {@code retry} grows; a {@code retry} below 1 counts as the first.
   */
  public static Duration ceiling(Duration initial, double multiplier, Duration cap, int retry) {
    return Duration.ofMillis(ceilingMillis(initial.toMillis(), multiplier, cap.toMillis(), retry));
  }

  private static long ceilingMillis(long initialMillis, double multiplier, long capMillis, int retry) {
    // In double arithmetic the growth saturates at infinity instead of wrapping, and the cap takes over.
    double grown = initialMillis * Math.pow(multiplier, Math.max(0, retry - 1));
    return (long) Math.min((double) capMillis, grown);
  }

  /** Returns the longest wait before retry number {@code retry} (1 for the first retry). */
  public Duration ceiling(int retry) {
    return Duration.ofMillis(ceilingMillis(initialMillis, multiplier, capMillis, retry));
  }

  /** Returns the wait before retry number {@code retry} (1 for the first retry). */
  public Duration delay(int retry) {
    return delay(retry, null);
  }

  /**
   * Returns the wait before retry number {@code retry} (1 for the first retry), never shorter than
   * {@code retryAfter}, the server's advice, or {@code null} if it gave none.
   */
  public Duration delay(int retry, @Nullable Duration retryAfter) {
    return draw(ceilingMillis(initialMillis, multiplier, capMillis, retry), retryAfter);
  }

  /**
   * Returns the wait before retry number {@code retry} of something that has already waited
   * {@code waited}: the ceiling grows to at least that (still under the cap), as Postfix's queue
   * manager spaces an old message's retries by its age, so a message that has waited an hour is not
   * retried every few seconds after a restart. Never shorter than {@code retryAfter}.
   */
  public Duration delayAfterWaiting(int retry, Duration waited, @Nullable Duration retryAfter) {
    long ceiling = ceilingMillis(initialMillis, multiplier, capMillis, retry);
    long stretched = Math.min(capMillis, Math.max(ceiling, Math.max(0, waited.toMillis())));
    return draw(stretched, retryAfter);
  }

  private Duration draw(long ceilingMillis, @Nullable Duration retryAfter) {
    long bottom = Math.min(floorMillis, ceilingMillis);
    Duration wait = Duration.ofMillis(bottom + (long) (random.getAsDouble() * (ceilingMillis - bottom)));
    return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
  }

  private static long nonNegativeMillis(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
    return value.toMillis();
  }
}
