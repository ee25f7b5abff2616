package io.steadfast.internal.console;

import io.steadfast.CircuitState;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Each route's last reported circuit state and when it entered it, kept in failover order: what a
 * {@link io.steadfast.DeliveryListener} hears of the circuits, for the console and health to read.
 * Thread-safe: the client reports from its sending threads while readers read.
 */
public final class CircuitBoard {
  private final Clock clock;
  private final Map<String, CircuitState> circuits = new ConcurrentHashMap<>();
  private final Map<String, Instant> since = new ConcurrentHashMap<>();
  private final Map<String, Integer> order = new ConcurrentHashMap<>();

  /** Creates an empty board whose changes are timed by {@code clock}. */
  public CircuitBoard(Clock clock) {
    this.clock = clock;
  }

  /** Records the client's routes in failover order, each starting in {@code initial} now. */
  public void routesStarted(Collection<String> routes, CircuitState initial) {
    for (String route : routes) {
      changed(route, initial);
    }
  }

  /** Records that {@code route}'s circuit entered {@code state} now. */
  public void changed(String route, CircuitState state) {
    order.putIfAbsent(route, order.size());
    circuits.put(route, state);
    since.put(route, clock.instant());
  }

  /** Returns each route's last reported circuit state, in failover order. */
  public Map<String, CircuitState> states() {
    Map<String, CircuitState> sorted = new LinkedHashMap<>();
    circuits.entrySet().stream()
        .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(
            order.getOrDefault(a, Integer.MAX_VALUE), order.getOrDefault(b, Integer.MAX_VALUE))))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  /**
   * Returns when {@code route}'s circuit last changed state (or its client started, if it never
   * changed), or {@code null} for a route the board has not heard of.
   */
  public @Nullable Instant since(String route) {
    return since.get(route);
  }
}
