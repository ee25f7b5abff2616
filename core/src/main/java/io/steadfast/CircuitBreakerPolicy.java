package io.steadfast;

import io.steadfast.internal.Backoff;
import java.time.Duration;
import java.util.Objects;

/**
 * When a route's circuit opens (stop calling a route that keeps failing) and how it probes for
 * recovery. Each route has its own circuit.
 *
 * <p>The circuit looks at the last {@link #slidingWindowSize()} attempts. Once at least
 * {@link #minimumNumberOfCalls()} were made, it opens when the share of failures (no connection, 5xx,
 * timeouts, unknown outcomes) reaches {@link #failureRateThreshold()} percent, or the share of
 * attempts slower than {@link #slowCallDuration()} reaches {@link #slowCallRateThreshold()} percent.
 * Rejections (4xx) and rate limiting count as successes: they show SparkPost is up.
 *
 * <p>An open circuit lets {@link #permittedCallsInHalfOpenState()} probes through after a wait, and
 * closes again if they succeed. The wait adapts: {@link #firstWaitInOpenState()} after the circuit
 * first opens, doubling with each failed probe up to {@link #waitInOpenState()}, each wait drawn at
 * random between half and all of that (jitter, so a fleet's probes do not line up). A short outage is
 * noticed to be over within about a second, a long one within the maximum, never after a fixed
 * half-minute.
 *
 * @param enabled whether the circuit is used at all
 * @param failureRateThreshold the failure percentage that opens the circuit, 1 to 100
 * @param slowCallRateThreshold the slow-call percentage that opens the circuit, 1 to 100
 * @param slowCallDuration how long an attempt may take before it counts as slow
 * @param slidingWindowSize how many recent attempts are considered
 * @param minimumNumberOfCalls how many attempts are needed before the circuit may open
 * @param waitInOpenState the longest wait between probes while the outage lasts
 * @param permittedCallsInHalfOpenState how many probes are let through
 * @param firstWaitInOpenState the wait before the first probe after the circuit opens (at most
 *     {@code waitInOpenState}; a longer value is cut to it)
 */
public record CircuitBreakerPolicy(
    boolean enabled,
    float failureRateThreshold,
    float slowCallRateThreshold,
    Duration slowCallDuration,
    int slidingWindowSize,
    int minimumNumberOfCalls,
    Duration waitInOpenState,
    int permittedCallsInHalfOpenState,
    Duration firstWaitInOpenState) {

  /** Default {@link #failureRateThreshold()}: 50 percent. */
  public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50f;
  /** Default {@link #slowCallRateThreshold()}: 100 percent (only all-slow windows open it). */
  public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100f;
  /** Default {@link #slowCallDuration()}: 60 seconds. */
  public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(60);
  /** Default {@link #slidingWindowSize()}: 20 attempts. */
  public static final int DEFAULT_SLIDING_WINDOW_SIZE = 20;
  /** Default {@link #minimumNumberOfCalls()}: 10 attempts. */
  public static final int DEFAULT_MINIMUM_NUMBER_OF_CALLS = 10;
  /**
   * Default {@link #waitInOpenState()}: 5 seconds, so recovery is noticed within 5 seconds even after
   * hours of outage, at the cost of one probe request per route every 2.5 to 5 seconds.
   */
  public static final Duration DEFAULT_WAIT_IN_OPEN_STATE = Duration.ofSeconds(5);
  /** Default {@link #firstWaitInOpenState()}: 500 milliseconds. */
  public static final Duration DEFAULT_FIRST_WAIT_IN_OPEN_STATE = Duration.ofMillis(500);
  /** Default {@link #permittedCallsInHalfOpenState()}: one probe per route per interval. */
  public static final int DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN_STATE = 1;

  /** The defaults listed above. */
  public static final CircuitBreakerPolicy DEFAULT = builder().build();

  /** No circuit breaker: every attempt goes through. */
  public static final CircuitBreakerPolicy DISABLED = builder().enabled(false).build();

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException naming the first value out of range
   */
  public CircuitBreakerPolicy {
    percent("failureRateThreshold", failureRateThreshold);
    percent("slowCallRateThreshold", slowCallRateThreshold);
    positive("slowCallDuration", slowCallDuration);
    positive("waitInOpenState", waitInOpenState);
    positive("firstWaitInOpenState", firstWaitInOpenState);
    if (slidingWindowSize < 1) {
      throw new IllegalArgumentException("slidingWindowSize must be >= 1 but was " + slidingWindowSize);
    }
    if (minimumNumberOfCalls < 1) {
      throw new IllegalArgumentException("minimumNumberOfCalls must be >= 1 but was " + minimumNumberOfCalls);
    }
    if (permittedCallsInHalfOpenState < 1) {
      throw new IllegalArgumentException(
          "permittedCallsInHalfOpenState must be >= 1 but was " + permittedCallsInHalfOpenState);
    }
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the wait before probe number {@code probe} (1 for the first after the circuit opened) given
   * {@code random} in [0, 1): the exponential ceiling, then a random point between half and all of it.
   */
  public Duration waitBeforeProbe(int probe, double random) {
    long ceiling = Backoff.ceiling(firstWaitInOpenState, 2, waitInOpenState, probe).toMillis();
    return Duration.ofMillis(Math.max(1, (long) (ceiling * (0.5 + 0.5 * random))));
  }

  private static void percent(String name, float value) {
    if (!(value > 0f && value <= 100f)) {
      throw new IllegalArgumentException(name + " must be in (0, 100] but was " + value);
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }

  /** Builds a {@link CircuitBreakerPolicy}; unset values keep their defaults. Not thread-safe. */
  public static final class Builder {
    private boolean enabled = true;
    private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
    private float slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE_THRESHOLD;
    private Duration slowCallDuration = DEFAULT_SLOW_CALL_DURATION;
    private int slidingWindowSize = DEFAULT_SLIDING_WINDOW_SIZE;
    private int minimumNumberOfCalls = DEFAULT_MINIMUM_NUMBER_OF_CALLS;
    private Duration waitInOpenState = DEFAULT_WAIT_IN_OPEN_STATE;
    private int permittedCallsInHalfOpenState = DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN_STATE;
    private Duration firstWaitInOpenState = DEFAULT_FIRST_WAIT_IN_OPEN_STATE;

    Builder() {}

    /** Turns the circuit breaker on or off. If not set, it is on. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** Sets the failure percentage that opens the circuit. If not set, defaults to 50. */
    public Builder failureRateThreshold(float failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
      return this;
    }

    /** Sets the slow-call percentage that opens the circuit. If not set, defaults to 100. */
    public Builder slowCallRateThreshold(float slowCallRateThreshold) {
      this.slowCallRateThreshold = slowCallRateThreshold;
      return this;
    }

    /** Sets how long an attempt may take before it counts as slow. If not set, defaults to 60 seconds. */
    public Builder slowCallDuration(Duration slowCallDuration) {
      this.slowCallDuration = slowCallDuration;
      return this;
    }

    /** Sets how many recent attempts are considered. If not set, defaults to 20. */
    public Builder slidingWindowSize(int slidingWindowSize) {
      this.slidingWindowSize = slidingWindowSize;
      return this;
    }

    /** Sets how many attempts are needed before the circuit may open. If not set, defaults to 10. */
    public Builder minimumNumberOfCalls(int minimumNumberOfCalls) {
      this.minimumNumberOfCalls = minimumNumberOfCalls;
      return this;
    }

    /**
     * Sets the longest wait between probes while an outage lasts. If not set, defaults to 5 seconds.
     */
    public Builder waitInOpenState(Duration waitInOpenState) {
      this.waitInOpenState = waitInOpenState;
      return this;
    }

    /**
     * Sets the wait before the first probe after the circuit opens; later waits double up to
     * {@link #waitInOpenState}. If not set, defaults to 500 milliseconds.
     */
    public Builder firstWaitInOpenState(Duration firstWaitInOpenState) {
      this.firstWaitInOpenState = firstWaitInOpenState;
      return this;
    }

    /** Sets how many probes are let through when half open. If not set, defaults to 1. */
    public Builder permittedCallsInHalfOpenState(int permittedCallsInHalfOpenState) {
      this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
      return this;
    }

    /**
     * Returns the policy.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    public CircuitBreakerPolicy build() {
      return new CircuitBreakerPolicy(enabled, failureRateThreshold, slowCallRateThreshold, slowCallDuration,
          slidingWindowSize, minimumNumberOfCalls, waitInOpenState, permittedCallsInHalfOpenState,
          firstWaitInOpenState);
    }
  }
}
