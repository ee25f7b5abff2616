package io.steadfast.internal;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.RetryPolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of one send, free of threads and waiting: which route to try next, whether to retry,
 * fail over or give up, and how long to wait. The synchronous and asynchronous drivers in
 * {@link DefaultEmailClient} only carry out these steps, so both follow exactly the same rules.
 *
 * <p>The rules (DESIGN.md, "Rules that carry the design"): NOT_SENT may move to the next route at
 * once, with the same key; UNKNOWN is never re-sent blind, because SparkPost does not deduplicate and may
 * already hold the message: it ends the call, or, where the caller opted in, is first looked up in
 * SparkPost's events ({@link Reconcile}) and re-sent on the same route only if two searches find
 * nothing; REJECTED and quota (420) end the send; every
 * retry waits a jittered backoff that is never shorter than the server's Retry-After, costs retry
 * budget, and must end before the deadline. Not thread-safe: a driver calls it from one step at a time.
 */
final class SendRun {
  private static final Logger log = LoggerFactory.getLogger(SendRun.class);

  /** What the driver does next. */
  sealed interface Step permits Attempt, Ready, Reconcile, Done, Failed {}

  /**
   * Wait {@code delay}, then call {@link #begin} for {@code route}; {@code slotReserved} says the wait
   * was for the route's pace, whose slot is now this send's.
   */
  record Attempt(RouteHandle route, Duration delay, boolean slotReserved) implements Step {
    Attempt(RouteHandle route, Duration delay) {
      this(route, delay, false);
    }
  }

  /** Permission granted: deliver {@code delivery} on {@code route}, then call {@link #onOutcome}. */
  record Ready(RouteHandle route, Delivery delivery) implements Step {}

  /**
   * Wait {@code delay}, search SparkPost's events for the key of {@code error}'s request, then call
   * {@link #onReconciled}; {@code secondLook} says an earlier search found nothing.
   */
  record Reconcile(RouteHandle route, DeliveryUnknownException error, Duration delay, boolean secondLook)
      implements Step {}

  /** The message was accepted. */
  record Done(SendReceipt receipt) implements Step {}

  /** The send failed for good (for this call). */
  record Failed(SteadfastException error) implements Step {}

  private final List<RouteHandle> routes;
  private final Message message;
  private final IdempotencyKey key;
  private final RetryPolicy policy;
  private final Backoff backoff;
  private final Clock clock;
  private final DeliveryListener listener;
  private final Instant deadline;
  /** False for spooled messages: the spool's schedule is their wait, and a worker never sleeps one. */
  private final boolean waitsToRetry;
  /** The reconcile policy's delays when the caller opted in to reconciling within the call, else null. */
  private final @Nullable ReconcilePolicy reconcileInCall;
  private final Instant startedAt;

  private int routeIndex;
  private int attempts;
  private int retries;
  /** Set after an UNKNOWN outcome: the send must stay on this route. */
  private boolean pinned;
  /** Routes skipped in a row because their circuit was open; all skipped means wait. */
  private int openSkips;
  private @Nullable SteadfastException lastError;

  SendRun(List<RouteHandle> routes, Message message, IdempotencyKey key, RetryPolicy policy, Backoff backoff,
      Clock clock, DeliveryListener listener, Duration deadline, boolean waitsToRetry,
      @Nullable ReconcilePolicy reconcileInCall) {
    this.routes = routes;
    this.message = message;
    this.key = key;
    this.policy = policy;
    this.backoff = backoff;
    this.clock = clock;
    this.listener = listener;
    this.startedAt = clock.instant();
    this.deadline = startedAt.plus(deadline);
    this.waitsToRetry = waitsToRetry;
    this.reconcileInCall = reconcileInCall;
  }

  IdempotencyKey key() {
    return key;
  }

  Step first() {
    return new Attempt(routes.get(0), Duration.ZERO);
  }

  /** Asks the route's circuit for permission; returns {@link Ready} or what to do instead. */
  Step begin(Attempt attempt) {
    RouteHandle route = attempt.route();
    if (!attempt.slotReserved()) {
      Duration wait = route.reserveSlot();
      if (!wait.isZero()) {
        if (clock.instant().plus(wait).isAfter(deadline)) {
          // The pace would hold the send past its deadline: the spool (or the caller) retries later.
          lastError = new RateLimitedException(Failure.of("Route '" + route.route() + "' is paced at "
              + Math.round(route.pace()) + " messages/s after SparkPost rate-limited it", null), route.route(),
              attempts, key, wait);
          return new Failed(lastError);
        }
        return new Attempt(route, wait, true);
      }
    }
    if (route.tryAcquire()) {
      openSkips = 0;
      int number = attempts + 1;
      listener.attemptStarted(key, route.route(), number);
      if (log.isDebugEnabled()) {
        // Guarded: three arguments allocate their array on every attempt even with debug off.
        log.debug("Message {} attempt {} on route '{}'", key, number, route.route());
      }
      return new Ready(route, new Delivery(message, key, number));
    }
    Duration probe = route.nextProbeIn();
    lastError = circuitOpen(route, probe);
    openSkips++;
    if (!pinned && openSkips < routes.size()) {
      RouteHandle next = routes.get(routeIndex = (routeIndex + 1) % routes.size());
      failover(route, next, "circuit is " + route.state());
      return new Attempt(next, Duration.ZERO);
    }
    // Every route we may use is open: fail fast and say when the next probe is due, rather than
    // hold the caller (or the spool's worker) for the whole wait.
    openSkips = 0;
    return new Failed(lastError);
  }

  /** Decides what follows an attempt that ended with {@code outcome}. */
  Step onOutcome(Ready ready, Outcome outcome, Duration elapsed) {
    RouteHandle route = ready.route();
    attempts = ready.delivery().attempt();
    route.record(outcome, elapsed);
    listener.attemptFinished(key, route.route(), attempts, outcome, elapsed);
    if (outcome instanceof Outcome.Accepted accepted) {
      route.budget().release(retries > 0 ? policy.retryCost() : policy.successRefund());
      return new Done(Outcomes.receipt(accepted, key, route.route(), attempts));
    }
    SteadfastException error = outcome instanceof Outcome.Unknown unknown
        ? new DeliveryUnknownException(unknown.failure(), route.route(), attempts, key,
            ReconcileRequest.of(message, key, startedAt, route.route()))
        : Outcomes.exception(outcome, key, route.route(), attempts);
    lastError = error;
    if (log.isDebugEnabled()) {
      // Guarded: getMessage() builds the text from the failure's facts, for nothing with debug off.
      log.debug("Message {} attempt {} on route '{}' failed: {}", key, attempts, route.route(), error.getMessage());
    }
    if (outcome instanceof Outcome.Rejected) {
      return new Failed(error);
    }
    if (error instanceof DeliveryUnknownException unknown) {
      // Never re-sent blind: SparkPost does not deduplicate, so a retry of an attempt it accepted is a
      // second email (DESIGN.md). Look first where the caller opted in; otherwise the caller (or the
      // spool, which reconciles) decides.
      return reconcileInCall == null ? new Failed(error)
          : new Reconcile(route, unknown, reconcileInCall.settleDelay(), false);
    }
    Outcome.NotSent notSent = (Outcome.NotSent) outcome;
    if (notSent.reason() == Outcome.NotSent.Reason.QUOTA_EXCEEDED) {
      // A quota resets in hours; retrying within the call only burns requests (sparkpost.md).
      return new Failed(error);
    }
    Duration retryAfter = notSent.retryAfter();
    if (attempts >= policy.maxAttempts()) {
      return new Failed(error);
    }
    boolean unavailable = notSent.reason() == Outcome.NotSent.Reason.UNAVAILABLE;
    if (unavailable && !pinned && routeIndex + 1 < routes.size()) {
      // Failover is a first attempt on another route: no wait, no retry budget.
      RouteHandle next = routes.get(++routeIndex);
      failover(route, next, "route was unavailable");
      return new Attempt(next, Duration.ZERO);
    }
    RouteHandle target = route;
    if (unavailable && !pinned && routes.size() > 1) {
      routeIndex = 0;
      target = routes.get(0);
    }
    return retry(target, retryAfter, error);
  }

  /**
   * Decides what follows a search of SparkPost's events for an attempt whose answer was lost:
   * accepted ends the send with a receipt confirmed from events; a rejection event ends it rejected; a
   * first miss looks again after the recheck delay; a second miss re-sends on the same route (it very
   * probably was never accepted); events that cannot tell end the call with the unknown outcome.
   */
  Step onReconciled(Reconcile reconcile, Optional<ReconcileResult> result) {
    DeliveryUnknownException unknown = reconcile.error();
    RouteHandle route = reconcile.route();
    if (result.isEmpty()) {
      lastError = unknown;
      return new Failed(unknown);
    }
    if (result.get() instanceof ReconcileResult.Accepted accepted) {
      log.debug("Message {}: SparkPost's events show it was accepted; not re-sent", key);
      return new Done(Reconciliation.receipt(accepted, key, attempts));
    }
    if (result.get() instanceof ReconcileResult.Rejected rejected) {
      lastError = Reconciliation.rejection(rejected, key, route.route(), attempts);
      return new Failed(lastError);
    }
    if (!reconcile.secondLook() && reconcileInCall != null) {
      return new Reconcile(route, unknown, reconcileInCall.recheckDelay(), true);
    }
    if (attempts >= policy.maxAttempts()) {
      return new Failed(unknown);
    }
    // A re-send after a lost answer costs the timeout price: timeouts hint at overload.
    if (!route.budget().tryAcquire(policy.timeoutRetryCost())) {
      listener.retryBudgetExhausted(key, route.route());
      return new Failed(unknown);
    }
    retries++;
    log.debug("Message {}: no event carries the key after two searches; re-sending with the same key on route '{}'",
        key, route.route());
    pinned = true;
    return new Attempt(route, Duration.ZERO);
  }

  private Step retry(RouteHandle target, @Nullable Duration retryAfter, SteadfastException error) {
    if (!waitsToRetry) {
      // A spooled message goes back to the spool, which retries it no sooner than Retry-After; holding
      // a dispatcher worker asleep for a backoff would stall every other message behind it.
      return new Failed(error);
    }
    Duration delay = backoff.delay(retries + 1, retryAfter); // Retry-After is a minimum: never shortened.
    if (clock.instant().plus(delay).isAfter(deadline)) {
      log.debug("Message {} not retried: a wait of {} would pass the deadline", key, delay);
      return new Failed(error);
    }
    if (!target.budget().tryAcquire(policy.retryCost())) {
      log.warn("Route '{}' retry budget is spent; message {} is not retried", target.route(), key);
      listener.retryBudgetExhausted(key, target.route());
      return new Failed(error);
    }
    retries++;
    listener.retryScheduled(key, target.route(), attempts + 1, delay);
    log.debug("Message {} attempt {} failed; retrying on route '{}' in {}", key, attempts, target.route(), delay);
    return new Attempt(target, delay);
  }

  private void failover(RouteHandle from, RouteHandle to, String reason) {
    log.warn("Message {} fails over from route '{}' to '{}': {}", key, from.route(), to.route(), reason);
    listener.failover(key, from.route(), to.route(), reason);
  }

  /** Returns the error to report when the call ends without a final outcome (e.g. interrupted). */
  SteadfastException lastError() {
    return lastError != null ? lastError : circuitOpen(routes.get(routeIndex), Duration.ZERO);
  }

  private ProviderUnavailableException circuitOpen(RouteHandle route, Duration probe) {
    String summary = "Route '" + route.route() + "' circuit is " + route.state()
        + (probe.isZero() ? "" : "; next probe in " + Math.max(1, probe.toSeconds()) + "s");
    return new ProviderUnavailableException(Failure.of(summary, null), route.route(), attempts, key,
        probe.isZero() ? null : probe);
  }
}
