package io.steadfast.spring.autoconfigure;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;

/**
 * Records Steadfast's events as Micrometer meters.
 *
 * <ul>
 *   <li>{@code steadfast.sends} (counter; {@code outcome} = success|failure, {@code route})
 *   <li>{@code steadfast.send.latency} (timer from the first attempt to the result; {@code outcome}, {@code route})
 *   <li>{@code steadfast.attempts} (counter; {@code route}, {@code outcome} = accepted|not_sent|unknown|rejected)
 *   <li>{@code steadfast.retries} (counter; {@code route})
 *   <li>{@code steadfast.retry.budget.exhausted} (counter; {@code route})
 *   <li>{@code steadfast.failovers} (counter; {@code from}, {@code to})
 *   <li>{@code steadfast.circuit.state} (gauge, 1 for the route's current state and 0 for the others;
 *       {@code route}, {@code state})
 *   <li>{@code steadfast.reconcile.results} (counter: lost answers SparkPost's events settled;
 *       {@code result} = accepted|rejected|not_found)
 *   <li>{@code steadfast.reconcile.gave.up} (counter: lost answers the events could not settle, so the
 *       policy's fallback applied; {@code policy} = reconcile|resend|dead_letter)
 *   <li>{@code steadfast.events.searches} (counter: searches of SparkPost's events;
 *       {@code outcome} = answered|unavailable|forbidden)
 *   <li>{@code steadfast.events.requests} (counter: HTTP requests those searches made; divided by
 *       {@code steadfast.reconcile.results}, the queries per reconciled entry)
 *   <li>{@code steadfast.events.lookups} (counter: messages those searches looked for)
 * </ul>
 *
 * <p>With a spool:
 *
 * <ul>
 *   <li>{@code steadfast.spool.entries} (gauge; {@code state} =
 *       pending|in_flight|reconciling|delivered|dead)
 *   <li>{@code steadfast.spool.oldest.pending.age} (time gauge, seconds: how long the oldest undelivered
 *       message has waited)
 *   <li>{@code steadfast.spool.stored} (gauge, bytes of stored message bodies: undelivered and dead)
 *   <li>{@code steadfast.spool.delivered} (counter; {@code route})
 *   <li>{@code steadfast.spool.dead.letters} (counter; {@code reason} = rejected|expired|unreadable|outcome_unknown)
 *   <li>{@code steadfast.spool.delivery.latency} (timer from submit to SparkPost's acceptance, across
 *       retries and restarts; {@code route})
 * </ul>
 *
 * <p>Every meter is registered when the client starts, the counters and timers at zero for each
 * route and tag value they can take (failovers for each route to the next), so dashboards and alerts
 * work before the first retry or outage. The spool gauges read one snapshot of the spool's statistics,
 * at most a second old, so a scrape costs one query; they are {@code NaN} while the client is stopped.
 */
final class SteadfastMetrics extends DeliveryListener {

  /** The {@code route} tag when a failure happened before any route was tried. */
  static final String NO_ROUTE = "none";
  private static final List<String> SEND_OUTCOMES = List.of("success", "failure");
  private static final List<String> ATTEMPT_OUTCOMES = List.of("accepted", "not_sent", "unknown", "rejected");
  private static final List<String> RECONCILE_RESULTS = List.of("accepted", "rejected", "not_found");

  private final MeterRegistry registry;
  private final SteadfastState state;
  private final Set<String> gaugedRoutes = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean spoolGauged = new AtomicBoolean();
  // First-attempt start per send, removed when the send ends, so that latency spans retries and failovers.
  private final Map<IdempotencyKey, Long> started = new ConcurrentHashMap<>();

  SteadfastMetrics(MeterRegistry registry, SteadfastState state) {
    this.registry = registry;
    this.state = state;
  }

  /**
   * Registers every meter for the routes the state already knows: the circuit gauges, the counters and
   * timers at zero, and with a spool its gauges, counters and timer.
   */
  void bindRoutes() {
    List<String> routes = List.copyOf(state.circuitStates().keySet());
    for (int i = 0; i < routes.size(); i++) {
      String route = routes.get(i);
      gauge(route);
      for (String outcome : SEND_OUTCOMES) {
        sends(outcome, route);
        sendLatency(outcome, route);
      }
      ATTEMPT_OUTCOMES.forEach(outcome -> attempts(route, outcome));
      retries(route);
      retryBudgetExhausted(route);
      if (routes.size() > 1) {
        // A send fails over from a route to the next one, and from the last back to the first.
        failovers(route, routes.get((i + 1) % routes.size()));
      }
    }
    RECONCILE_RESULTS.forEach(this::reconcileResults);
    for (ReconcilePolicy.Mode mode : ReconcilePolicy.Mode.values()) {
      reconcileGaveUp(mode);
    }
    for (EventsSearchOutcome outcome : EventsSearchOutcome.values()) {
      eventsSearches(outcome);
    }
    eventsRequests();
    eventsLookups();
    if (state.spool().isPresent()) {
      for (String route : routes) {
        spoolDelivered(route);
        spoolDeliveryLatency(route);
      }
      for (DeliveryResult.Reason reason : DeliveryResult.Reason.values()) {
        spoolDeadLetters(reason);
      }
    }
    if (state.spool().isPresent() && spoolGauged.compareAndSet(false, true)) {
      for (SpoolState candidate : SpoolState.values()) {
        Gauge.builder("steadfast.spool.entries", state, s -> spoolValue(stats -> stats.count(candidate)))
            .description("Spooled messages in this state")
            .tag("state", candidate.name().toLowerCase(Locale.ROOT))
            .register(registry);
      }
      TimeGauge.builder("steadfast.spool.oldest.pending.age", state, TimeUnit.MILLISECONDS,
              s -> spoolValue(stats -> stats.oldestPendingAge().toMillis()))
          .description("How long the oldest undelivered spooled message has waited")
          .register(registry);
      Gauge.builder("steadfast.spool.stored", state, s -> spoolValue(SpoolStats::bytes))
          .description("Bytes of spooled message bodies kept (undelivered and dead letters)")
          .baseUnit(BaseUnits.BYTES)
          .register(registry);
    }
  }

  private double spoolValue(ToDoubleFunction<SpoolStats> value) {
    try {
      return state.spoolStats().map(value::applyAsDouble).orElse(Double.NaN);
    } catch (RuntimeException e) {
      // A gauge must not throw into the registry; health reports the broken spool.
      return Double.NaN;
    }
  }

  private void gauge(String route) {
    if (!gaugedRoutes.add(route)) {
      return;
    }
    for (CircuitState candidate : CircuitState.values()) {
      Gauge.builder("steadfast.circuit.state", state, s -> s.circuitStates().get(route) == candidate ? 1 : 0)
          .description("Whether the route's circuit breaker is in this state (1) or not (0)")
          .tag("route", route)
          .tag("state", candidate.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    started.putIfAbsent(key, System.nanoTime());
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    String name;
    if (outcome instanceof Outcome.Accepted) {
      name = "accepted";
    } else if (outcome instanceof Outcome.NotSent) {
      name = "not_sent";
    } else if (outcome instanceof Outcome.Unknown) {
      name = "unknown";
    } else {
      name = "rejected";
    }
    attempts(route, name).increment();
  }

  private Counter attempts(String route, String outcome) {
    return Counter.builder("steadfast.attempts").description("Attempts to hand a message to SparkPost")
        .tag("route", route).tag("outcome", outcome).register(registry);
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    retries(route).increment();
  }

  private Counter retries(String route) {
    return Counter.builder("steadfast.retries").description("Retries scheduled after a retryable failure")
        .tag("route", route).register(registry);
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    retryBudgetExhausted(route).increment();
  }

  private Counter retryBudgetExhausted(String route) {
    return Counter.builder("steadfast.retry.budget.exhausted")
        .description("Retries refused because the retry budget was spent").tag("route", route).register(registry);
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    gauge(route);
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    failovers(fromRoute, toRoute).increment();
  }

  private Counter failovers(String fromRoute, String toRoute) {
    return Counter.builder("steadfast.failovers").description("Sends moved from one route to the next")
        .tag("from", fromRoute).tag("to", toRoute).register(registry);
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    finished(receipt.idempotencyKey(), "success", receipt.route());
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    finished(key, "failure", failure.route().orElse(NO_ROUTE));
  }

  private void finished(IdempotencyKey key, String outcome, String route) {
    sends(outcome, route).increment();
    Long start = started.remove(key);
    if (start != null) {
      sendLatency(outcome, route).record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private Counter sends(String outcome, String route) {
    return Counter.builder("steadfast.sends").description("Sends by final outcome")
        .tag("outcome", outcome).tag("route", route).register(registry);
  }

  private Timer sendLatency(String outcome, String route) {
    return Timer.builder("steadfast.send.latency").description("Time from the first attempt to the send's result")
        .tag("outcome", outcome).tag("route", route).register(registry);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    String route = result.receipt().route();
    spoolDelivered(route).increment();
    // Another node of a fleet may have a clock slightly behind: never record a negative time.
    Duration latency = Duration.between(result.submittedAt(), state.now());
    spoolDeliveryLatency(route).record(latency.isNegative() ? Duration.ZERO : latency);
  }

  private Counter spoolDelivered(String route) {
    return Counter.builder("steadfast.spool.delivered").description("Spooled messages SparkPost accepted")
        .tag("route", route).register(registry);
  }

  private Timer spoolDeliveryLatency(String route) {
    return Timer.builder("steadfast.spool.delivery.latency")
        .description("Time from submit to SparkPost's acceptance, across retries and restarts")
        .tag("route", route).register(registry);
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    spoolDeadLetters(result.reason()).increment();
  }

  private Counter spoolDeadLetters(DeliveryResult.Reason reason) {
    return Counter.builder("steadfast.spool.dead.letters").description("Spooled messages moved to the dead letters")
        .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry);
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    String name;
    if (result instanceof ReconcileResult.Accepted) {
      name = "accepted";
    } else if (result instanceof ReconcileResult.Rejected) {
      name = "rejected";
    } else {
      name = "not_found";
    }
    reconcileResults(name).increment();
  }

  private Counter reconcileResults(String result) {
    return Counter.builder("steadfast.reconcile.results").description("Lost answers settled from SparkPost's events")
        .tag("result", result).register(registry);
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    reconcileGaveUp(policy).increment();
  }

  private Counter reconcileGaveUp(ReconcilePolicy.Mode policy) {
    return Counter.builder("steadfast.reconcile.gave.up")
        .description("Lost answers SparkPost's events could not settle, so the reconcile policy's fallback applied")
        .tag("policy", policy.name().toLowerCase(Locale.ROOT)).register(registry);
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    eventsSearches(outcome).increment();
    eventsRequests().increment(requests);
    eventsLookups().increment(lookups);
  }

  private Counter eventsSearches(EventsSearchOutcome outcome) {
    return Counter.builder("steadfast.events.searches").description("Searches of SparkPost's message events")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry);
  }

  private Counter eventsRequests() {
    return Counter.builder("steadfast.events.requests")
        .description("HTTP requests made by searches of SparkPost's events").register(registry);
  }

  private Counter eventsLookups() {
    return Counter.builder("steadfast.events.lookups").description("Messages looked for in SparkPost's events")
        .register(registry);
  }
}
