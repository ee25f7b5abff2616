package io.steadfast.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when a test moves it, so retries, circuit breakers and outage phases can
 * be tested without sleeping. Thread-safe.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * SteadfastConfig config = SteadfastConfig.builder().apiKey(key).clock(clock).build();
 * clock.advance(Duration.ofSeconds(31)); // the open circuit's wait is over
 * }</pre>
 */
public final class FakeClock extends Clock {
  /** Where a {@link #FakeClock()} starts: the beginning of SparkPost's outage of 23 May 2019. */
  public static final Instant DEFAULT_START = Instant.parse("2019-05-23T21:14:00Z");

  private final AtomicReference<Instant> now;

  /** Creates a clock that starts at {@link #DEFAULT_START}. */
  public FakeClock() {
    this(DEFAULT_START);
  }

  /** Creates a clock that starts at {@code start}. */
  public FakeClock(Instant start) {
    this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  /**
   * Moves the clock forward by {@code duration}.
   *
   * @throws IllegalArgumentException if {@code duration} is negative: time never goes back
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
    now.updateAndGet(current -> current.plus(duration));
  }

  /** Moves the clock to {@code target} if that is later than now; never moves it back. */
  public void advanceTo(Instant target) {
    now.accumulateAndGet(target, (current, wanted) -> wanted.isAfter(current) ? wanted : current);
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  /** Returns UTC: the clock has no other zone. */
  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /**
   * Returns this clock for UTC.
   *
   * @throws UnsupportedOperationException for any other zone: tests should not depend on one
   */
  @Override
  public Clock withZone(ZoneId zone) {
    if (ZoneOffset.UTC.equals(zone)) {
      return this;
    }
    throw new UnsupportedOperationException("FakeClock is UTC only");
  }

  @Override
  public String toString() {
    return "FakeClock[" + now.get() + "]";
  }
}
