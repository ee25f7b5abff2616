package io.steadfast.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.RetryPolicy;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One route: a transport with its own pace (after SparkPost rate-limits it), circuit breaker and retry
 * budget. Resilience4j stays behind this
 * class; nothing outside {@code internal} sees its types.
 */
final class RouteHandle {
  private static final Logger log = LoggerFactory.getLogger(RouteHandle.class);

  /** Marks an attempt as failed for the circuit breaker; never thrown, so no stack trace. */
  private static final class AttemptFailed extends Exception {
    private static final long serialVersionUID = 1L;

    AttemptFailed() {
      super("attempt failed", null, false, false);
    }
  }

  private static final AttemptFailed ATTEMPT_FAILED = new AttemptFailed();

  private final Transport transport;
  private final @Nullable CircuitBreaker breaker;
  private final RetryBudget budget;
  private final AdaptiveRateLimiter pace;
  private final Clock clock;
  private final CircuitBreakerPolicy policy;
  /**
   * When the open circuit lets its next probe through; read to say when the next probe is due. Set by
   * the wait function, which Resilience4j calls as the circuit opens, before it publishes the change.
   */
  private volatile Instant probeAt = Instant.EPOCH;
  /** The wait the circuit is serving now, for the log line. */
  private volatile Duration currentWait = Duration.ZERO;

  RouteHandle(Transport transport, RetryPolicy retryPolicy, CircuitBreakerPolicy policy, Clock clock,
      DeliveryListener listener) {
    this.transport = transport;
    this.budget = new RetryBudget(retryPolicy.budgetCapacity());
    this.pace = new AdaptiveRateLimiter(transport.route());
    this.clock = clock;
    this.policy = policy;
    if (!policy.enabled()) {
      this.breaker = null;
      return;
    }
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(policy.slidingWindowSize())
        .minimumNumberOfCalls(policy.minimumNumberOfCalls())
        .failureRateThreshold(policy.failureRateThreshold())
        .slowCallRateThreshold(policy.slowCallRateThreshold())
        .slowCallDurationThreshold(policy.slowCallDuration())
        // Resilience4j counts the circuit's consecutive openings (1, 2, ... while probes keep failing;
        // reset when it closes) and asks how long to wait before the next probe.
        .waitIntervalFunctionInOpenState(this::waitBeforeProbe)
        .permittedNumberOfCallsInHalfOpenState(policy.permittedCallsInHalfOpenState())
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .clock(clock)
        .build();
    this.breaker = CircuitBreaker.of(transport.route(), config);
    breaker.getEventPublisher().onStateTransition(event -> {
      CircuitState from = map(event.getStateTransition().getFromState());
      CircuitState to = map(event.getStateTransition().getToState());
      if (to == CircuitState.OPEN) {
        log.warn("Route '{}' circuit is OPEN; next probe in {} ms", route(), currentWait.toMillis());
      } else {
        log.info("Route '{}' circuit is {}", route(), to);
      }
      listener.circuitStateChanged(route(), from, to);
    });
  }

  String route() {
    return transport.route();
  }

  Transport transport() {
    return transport;
  }

  RetryBudget budget() {
    return budget;
  }

  CircuitState state() {
    return breaker == null ? CircuitState.DISABLED : map(breaker.getState());
  }

  /**
   * Reserves this route's next send slot; returns how long to wait for it, zero unless SparkPost has
   * rate-limited the route recently.
   */
  Duration reserveSlot() {
    return pace.reserve(clock.instant());
  }

  /** Returns the route's pace in messages per second, or zero when it is not paced. */
  double pace() {
    return pace.rate();
  }

  /** Asks the circuit for permission to make an attempt; must be followed by {@link #record}. */
  boolean tryAcquire() {
    return breaker == null || breaker.tryAcquirePermission();
  }

  /** Returns how long until the open circuit lets a probe through; zero if it is not open. */
  Duration nextProbeIn() {
    if (state() != CircuitState.OPEN) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(clock.instant(), probeAt);
    // Resilience4j lets the probe through only strictly after the wait, so "now" still means "soon".
    return left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
  }

  /**
   * Tells the circuit how an attempt ended. Outages count as failures; rejections and rate limits
   * count as successes, because they show SparkPost is up and answering.
   */
  void record(Outcome outcome, Duration elapsed) {
    if (outcome instanceof Outcome.Accepted) {
      pace.onAccepted(clock.instant());
    } else if (outcome instanceof Outcome.NotSent notSent && notSent.reason() == Outcome.NotSent.Reason.RATE_LIMITED) {
      pace.onRateLimited(clock.instant());
    } else {
      pace.onOtherOutcome(clock.instant());
    }
    if (breaker == null) {
      return;
    }
    long nanos = elapsed.toNanos();
    boolean outage = outcome instanceof Outcome.Unknown
        || outcome instanceof Outcome.NotSent notSent && notSent.reason() == Outcome.NotSent.Reason.UNAVAILABLE;
    if (outage) {
      breaker.onError(nanos, TimeUnit.NANOSECONDS, ATTEMPT_FAILED);
    } else {
      breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Returns the wait the open circuit is serving before its probe; zero unless it is open. */
  Duration probeWait() {
    return state() == CircuitState.OPEN ? currentWait : Duration.ZERO;
  }

  /** Resilience4j's wait function: the adaptive, jittered wait before probe {@code probe}, in milliseconds. */
  private Long waitBeforeProbe(Integer probe) {
    Duration wait = policy.waitBeforeProbe(probe, java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    currentWait = wait;
    probeAt = clock.instant().plus(wait);
    return wait.toMillis();
  }

  /** Gives back a permission that was acquired but not used for an attempt. */
  void release() {
    if (breaker != null) {
      breaker.releasePermission();
    }
  }

  private static CircuitState map(CircuitBreaker.State state) {
    switch (state) {
      case CLOSED:
      case METRICS_ONLY:
        return CircuitState.CLOSED;
      case HALF_OPEN:
        return CircuitState.HALF_OPEN;
      case DISABLED:
        return CircuitState.DISABLED;
      default:
        return CircuitState.OPEN;
    }
  }
}
