package io.steadfast.spring.autoconfigure;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * </ul>
 */
final class SteadfastMetrics extends DeliveryListener {

  /** The {@code route} tag when a failure happened before any route was tried. */
  static final String NO_ROUTE = "none";

  private final MeterRegistry registry;
  private final SteadfastState state;
  private final Set<String> gaugedRoutes = ConcurrentHashMap.newKeySet();
  // First-attempt start per send, removed when the send ends, so that latency spans retries and failovers.
  private final Map<IdempotencyKey, Long> started = new ConcurrentHashMap<>();

  SteadfastMetrics(MeterRegistry registry, SteadfastState state) {
    this.registry = registry;
    this.state = state;
  }

  /** Registers the circuit gauges of the routes the state already knows. */
  void bindRoutes() {
    state.circuitStates().keySet().forEach(this::gauge);
  }

  private void gauge(String route) {
    if (!gaugedRoutes.add(route)) {
      return;
    }
    for (CircuitState candidate : CircuitState.values()) {
      Gauge.builder("steadfast.circuit.state", state, s -> s.circuitStates().get(route) == candidate ? 1 : 0)
          .description("Whether the route's circuit breaker is in this state (1) or not (0)")
          .tag("route", route)
          .tag("state", candidate.name().toLowerCase(java.util.Locale.ROOT))
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
    Counter.builder("steadfast.attempts").description("Attempts to hand a message to SparkPost")
        .tag("route", route).tag("outcome", name).register(registry).increment();
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    Counter.builder("steadfast.retries").description("Retries scheduled after a retryable failure")
        .tag("route", route).register(registry).increment();
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    Counter.builder("steadfast.retry.budget.exhausted").description("Retries refused because the retry budget was spent")
        .tag("route", route).register(registry).increment();
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    gauge(route);
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    Counter.builder("steadfast.failovers").description("Sends moved from one route to the next")
        .tag("from", fromRoute).tag("to", toRoute).register(registry).increment();
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
    Counter.builder("steadfast.sends").description("Sends by final outcome")
        .tag("outcome", outcome).tag("route", route).register(registry).increment();
    Long start = started.remove(key);
    if (start != null) {
      Timer.builder("steadfast.send.latency").description("Time from the first attempt to the send's result")
          .tag("outcome", outcome).tag("route", route).register(registry)
          .record(Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
