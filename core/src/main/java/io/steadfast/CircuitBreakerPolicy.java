package io.steadfast;

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
 * Rejections (4xx) and rate limiting count as successes: they show SparkPost is up. After
 * {@link #waitInOpenState()} it lets {@link #permittedCallsInHalfOpenState()} probes through and
 * closes again if they succeed.
 *
 * @param enabled whether the circuit is used at all
 * @param failureRateThreshold the failure percentage that opens the circuit, 1 to 100
 * @param slowCallRateThreshold the slow-call percentage that opens the circuit, 1 to 100
 * @param slowCallDuration how long an attempt may take before it counts as slow
 * @param slidingWindowSize how many recent attempts are considered
 * @param minimumNumberOfCalls how many attempts are needed before the circuit may open
 * @param waitInOpenState how long the circuit stays open before probing
 * @param permittedCallsInHalfOpenState how many probes are let through
 */
public record CircuitBreakerPolicy(
    boolean enabled,
    float failureRateThreshold,
    float slowCallRateThreshold,
    Duration slowCallDuration,
    int slidingWindowSize,
    int minimumNumberOfCalls,
    Duration waitInOpenState,
    int permittedCallsInHalfOpenState) {

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
  /** Default {@link #waitInOpenState()}: 30 seconds. */
  public static final Duration DEFAULT_WAIT_IN_OPEN_STATE = Duration.ofSeconds(30);
  /** Default {@link #permittedCallsInHalfOpenState()}: 3 probes. */
  public static final int DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN_STATE = 3;

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

    /** Sets how long the circuit stays open before probing. If not set, defaults to 30 seconds. */
    public Builder waitInOpenState(Duration waitInOpenState) {
      this.waitInOpenState = waitInOpenState;
      return this;
    }

    /** Sets how many probes are let through when half open. If not set, defaults to 3. */
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
          slidingWindowSize, minimumNumberOfCalls, waitInOpenState, permittedCallsInHalfOpenState);
    }
  }
}
