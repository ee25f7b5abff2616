package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Remembers what the client reported, so that health and metrics read state instead of calling
 * SparkPost: each route's circuit state, the last success, and how often the retry budget ran out.
 *
 * <p>Thread-safe: the client calls it from its sending threads while actuator reads it.
 */
final class SteadfastState extends DeliveryListener {

  private final Clock clock;
  private final Map<String, CircuitState> circuits = new ConcurrentHashMap<>();
  private final Map<String, Integer> order = new ConcurrentHashMap<>();
  private final AtomicReference<@Nullable Instant> lastSuccess = new AtomicReference<>();
  private final AtomicReference<@Nullable String> lastSuccessRoute = new AtomicReference<>();
  private final AtomicLong budgetExhaustions = new AtomicLong();

  SteadfastState(Clock clock) {
    this.clock = clock;
  }

  /** Records the client's routes in failover order, each starting in {@code initial}. */
  void routesStarted(Collection<String> routes, CircuitState initial) {
    for (String route : routes) {
      order.putIfAbsent(route, order.size());
      circuits.put(route, initial);
    }
  }

  /** Returns each route's last reported circuit state, in failover order. */
  Map<String, CircuitState> circuitStates() {
    Map<String, CircuitState> sorted = new LinkedHashMap<>();
    circuits.entrySet().stream()
        .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(
            order.getOrDefault(a, Integer.MAX_VALUE), order.getOrDefault(b, Integer.MAX_VALUE))))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  /** Returns when SparkPost last accepted a message, or {@code null} if it has not yet. */
  @Nullable Instant lastSuccess() {
    return lastSuccess.get();
  }

  /** Returns the route of the last accepted message, or {@code null} if none has been accepted. */
  @Nullable String lastSuccessRoute() {
    return lastSuccessRoute.get();
  }

  /** Returns how many times a retry was refused because the retry budget was spent. */
  long budgetExhaustions() {
    return budgetExhaustions.get();
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    order.putIfAbsent(route, order.size());
    circuits.put(route, to);
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    budgetExhaustions.incrementAndGet();
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    lastSuccess.set(clock.instant());
    lastSuccessRoute.set(receipt.route());
  }
}
