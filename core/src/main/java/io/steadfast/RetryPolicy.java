package io.steadfast;

import java.time.Duration;
import java.util.Objects;

/**
 * How a send retries within one call: how often, how far apart, for how long, and how many retries a
 * route may spend before an outage turns retries off.
 *
 * <p>Delays use full jitter: retry {@code n} waits a random time between {@link #minBackoff()} and
 * {@code min(maxBackoff, initialBackoff * multiplier^(n-1))}, so clients that failed together do not
 * retry together. A server's {@code Retry-After} is a minimum that is never shortened; if it, or any
 * delay, would end past the {@link #deadline()}, the call fails instead of waiting.
 *
 * <p>The <em>retry budget</em> is a token bucket per route, as in the AWS SDKs: each retry costs
 * {@link #retryCost()} tokens ({@link #timeoutRetryCost()} after a timeout), each success returns
 * {@link #successRefund()}. When the bucket is empty, retries stop but first attempts go on, so a broad
 * outage does not become a retry storm.
 *
 * @param maxAttempts attempts per call including the first, across all routes
 * @param minBackoff the shortest wait before a retry
 * @param initialBackoff the longest wait before the first retry
 * @param maxBackoff the longest wait before any retry
 * @param multiplier how much the longest wait grows per retry
 * @param deadline the longest a call may take, waits included
 * @param budgetCapacity the retry budget's size in tokens
 * @param retryCost the tokens a retry costs
 * @param timeoutRetryCost the tokens a retry after a timeout costs (timeouts hint at overload)
 * @param successRefund the tokens a success returns
 */
public record RetryPolicy(
    int maxAttempts,
    Duration minBackoff,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier,
    Duration deadline,
    int budgetCapacity,
    int retryCost,
    int timeoutRetryCost,
    int successRefund) {

  /** Default {@link #maxAttempts()}: 3. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** Default {@link #minBackoff()}: 5 seconds, SparkPost's advice for the wait before a first retry. */
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofSeconds(5);
  /** Default {@link #initialBackoff()}: 10 seconds. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(10);
  /** Default {@link #maxBackoff()}: 30 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
  /** Default {@link #multiplier()}: 2. */
  public static final double DEFAULT_MULTIPLIER = 2.0;
  /** Default {@link #deadline()}: 60 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
  /** Default {@link #budgetCapacity()}: 500 tokens (the AWS SDK's figure). */
  public static final int DEFAULT_BUDGET_CAPACITY = 500;
  /** Default {@link #retryCost()}: 5 tokens. */
  public static final int DEFAULT_RETRY_COST = 5;
  /** Default {@link #timeoutRetryCost()}: 10 tokens. */
  public static final int DEFAULT_TIMEOUT_RETRY_COST = 10;
  /** Default {@link #successRefund()}: 1 token. */
  public static final int DEFAULT_SUCCESS_REFUND = 1;

  /** The defaults listed above. */
  public static final RetryPolicy DEFAULT = builder().build();

  /** One attempt, never a retry. */
  public static final RetryPolicy NO_RETRIES = builder().maxAttempts(1).build();

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException naming the first value out of range
   */
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
    }
    nonNegative("minBackoff", minBackoff);
    nonNegative("initialBackoff", initialBackoff);
    nonNegative("maxBackoff", maxBackoff);
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive but was " + deadline);
    }
    if (initialBackoff.compareTo(minBackoff) < 0 || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoffs must satisfy minBackoff <= initialBackoff <= maxBackoff but were "
          + minBackoff + ", " + initialBackoff + ", " + maxBackoff);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be >= 1 but was " + multiplier);
    }
    if (budgetCapacity < 0 || retryCost < 0 || timeoutRetryCost < 0 || successRefund < 0) {
      throw new IllegalArgumentException("retry budget figures must be >= 0 but were capacity=" + budgetCapacity
          + ", retryCost=" + retryCost + ", timeoutRetryCost=" + timeoutRetryCost + ", successRefund=" + successRefund);
    }
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this policy's values. */
  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts).minBackoff(minBackoff).initialBackoff(initialBackoff).maxBackoff(maxBackoff)
        .multiplier(multiplier).deadline(deadline).budgetCapacity(budgetCapacity).retryCost(retryCost)
        .timeoutRetryCost(timeoutRetryCost).successRefund(successRefund);
  }

  private static void nonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
  }

  /** Builds a {@link RetryPolicy}; unset values keep their defaults. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration minBackoff = DEFAULT_MIN_BACKOFF;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double multiplier = DEFAULT_MULTIPLIER;
    private Duration deadline = DEFAULT_DEADLINE;
    private int budgetCapacity = DEFAULT_BUDGET_CAPACITY;
    private int retryCost = DEFAULT_RETRY_COST;
    private int timeoutRetryCost = DEFAULT_TIMEOUT_RETRY_COST;
    private int successRefund = DEFAULT_SUCCESS_REFUND;

    Builder() {}

    /** Sets the attempts per call, the first included. If not set, defaults to 3. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Sets the shortest wait before a retry. If not set, defaults to 5 seconds. */
    public Builder minBackoff(Duration minBackoff) {
      this.minBackoff = minBackoff;
      return this;
    }

    /** Sets the longest wait before the first retry. If not set, defaults to 10 seconds. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    /** Sets the longest wait before any retry. If not set, defaults to 30 seconds. */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** Sets the growth of the longest wait per retry. If not set, defaults to 2. */
    public Builder multiplier(double multiplier) {
      this.multiplier = multiplier;
      return this;
    }

    /** Sets the longest a call may take, waits included. If not set, defaults to 60 seconds. */
    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    /** Sets the retry budget's size in tokens; 0 turns retries off. If not set, defaults to 500. */
    public Builder budgetCapacity(int budgetCapacity) {
      this.budgetCapacity = budgetCapacity;
      return this;
    }

    /** Sets the tokens a retry costs. If not set, defaults to 5. */
    public Builder retryCost(int retryCost) {
      this.retryCost = retryCost;
      return this;
    }

    /** Sets the tokens a retry after a timeout costs. If not set, defaults to 10. */
    public Builder timeoutRetryCost(int timeoutRetryCost) {
      this.timeoutRetryCost = timeoutRetryCost;
      return this;
    }

    /** Sets the tokens a success returns. If not set, defaults to 1. */
    public Builder successRefund(int successRefund) {
      this.successRefund = successRefund;
      return this;
    }

    /**
     * Returns the policy.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    public RetryPolicy build() {
      return new RetryPolicy(maxAttempts, minBackoff, initialBackoff, maxBackoff, multiplier, deadline,
          budgetCapacity, retryCost, timeoutRetryCost, successRefund);
    }
  }
}
