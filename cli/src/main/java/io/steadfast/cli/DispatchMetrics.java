package io.steadfast.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcileResult;
import io.steadfast.SpoolOperations;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metrics and health of {@code steadfast dispatch --metrics-port}, served on the loopback address
 * only: {@code GET /metrics} in Prometheus' text format (Micrometer's Prometheus registry), and
 * {@code GET /health}, 200 with {@code {"status":"UP", ...}} or 503 with {@code DOWN} while the spool
 * cannot be read or holds uncleared damage. The meters carry the starter's names:
 * {@code steadfast.spool.entries{state}}, {@code steadfast.spool.oldest.pending.age},
 * {@code steadfast.spool.stored}, {@code steadfast.circuit.state{route,state}},
 * {@code steadfast.attempts{route,outcome}}, {@code steadfast.spool.delivered{route}},
 * {@code steadfast.spool.dead.letters{reason}}, {@code steadfast.reconcile.results{result}}. All of
 * them exist from the start, the counters at zero for each route and tag value, so dashboards and
 * alerts work before the first delivery or outage.
 *
 * <p>The spool gauges read one snapshot of the spool's statistics, at most a second old, so a scrape
 * costs one query.
 */
final class DispatchMetrics extends DeliveryListener implements AutoCloseable {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Duration SNAPSHOT_TTL = Duration.ofSeconds(1);

  private record Snapshot(@Nullable SpoolStats stats, Optional<SpoolDamage> damage, @Nullable String failure,
      long takenAtNanos) {}

  private static final List<String> ATTEMPT_OUTCOMES = List.of("accepted", "not_sent", "unknown", "rejected");
  private static final List<String> RECONCILE_RESULTS = List.of("accepted", "rejected", "not_found");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, CircuitState> circuits = new ConcurrentHashMap<>();
  private final Set<String> gaugedRoutes = ConcurrentHashMap.newKeySet();
  private final AtomicReference<@Nullable Snapshot> snapshot = new AtomicReference<>();
  private volatile @Nullable SpoolOperations spool;
  private @Nullable HttpServer server;

  /** Registers every meter, those tagged with a route for each of {@code routes}. */
  DispatchMetrics(List<String> routes) {
    for (String route : routes) {
      gaugeRoute(route);
      ATTEMPT_OUTCOMES.forEach(outcome -> attempts(route, outcome));
      delivered(route);
    }
    for (DeliveryResult.Reason reason : DeliveryResult.Reason.values()) {
      deadLetters(reason);
    }
    RECONCILE_RESULTS.forEach(this::reconcileResults);
    for (SpoolState state : SpoolState.values()) {
      Gauge.builder("steadfast.spool.entries", this, m -> m.spoolValue(stats -> stats.count(state)))
          .description("Spool entries by state").tag("state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    TimeGauge.builder("steadfast.spool.oldest.pending.age", this, TimeUnit.MILLISECONDS,
        m -> m.spoolValue(stats -> stats.oldestPendingAge().toMillis()))
        .description("How long the oldest undelivered message has waited").register(registry);
    Gauge.builder("steadfast.spool.stored", this, m -> m.spoolValue(SpoolStats::bytes))
        .description("Bytes of stored message bodies (undelivered and dead)").baseUnit("bytes").register(registry);
  }

  /** Returns the routes of a dispatch client sending to {@code endpoint}: its REST route only. */
  static List<String> routes(Endpoint endpoint) {
    return List.of(RestTransport.KIND + "-" + endpoint.name());
  }

  /** Starts serving on {@code 127.0.0.1:port} (0: a free port) and returns the port. */
  int start(int port, SpoolOperations operations) throws IOException {
    this.spool = operations;
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    http.createContext("/metrics", exchange -> answer(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    http.createContext("/health", this::health);
    http.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "steadfast-metrics");
      thread.setDaemon(true);
      return thread;
    }));
    http.start();
    server = http;
    return http.getAddress().getPort();
  }

  private void health(HttpExchange exchange) throws IOException {
    Snapshot now = snapshot();
    Map<String, Object> body = new LinkedHashMap<>();
    boolean up = now.stats() != null && now.damage().isEmpty();
    body.put("status", up ? "UP" : "DOWN");
    if (now.failure() != null) {
      body.put("error", now.failure());
    }
    now.damage().ifPresent(damage -> body.put("damage", damage.summary()));
    if (now.stats() != null) {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (SpoolState state : SpoolState.values()) {
        entries.put(state.name().toLowerCase(Locale.ROOT), now.stats().count(state));
      }
      body.put("spool", entries);
      body.put("oldest_undelivered_seconds", now.stats().oldestPendingAge().toSeconds());
    }
    Map<String, String> routes = new LinkedHashMap<>();
    circuits.forEach((route, state) -> routes.put(route, state.name()));
    body.put("circuits", routes);
    answer(exchange, up ? 200 : 503, "application/json", JSON.writeValueAsString(body));
  }

  private static void answer(HttpExchange exchange, int status, String type, String text) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      DispatchDashboard.send(exchange, status, type, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private double spoolValue(ToDoubleFunction<SpoolStats> value) {
    SpoolStats stats = snapshot().stats();
    return stats == null ? Double.NaN : value.applyAsDouble(stats);
  }

  private Snapshot snapshot() {
    Snapshot last = snapshot.get();
    long now = System.nanoTime();
    if (last != null && now - last.takenAtNanos() < SNAPSHOT_TTL.toNanos()) {
      return last;
    }
    SpoolOperations operations = spool;
    Snapshot fresh;
    if (operations == null) {
      fresh = new Snapshot(null, Optional.empty(), "not started", now);
    } else {
      try {
        fresh = new Snapshot(operations.stats(), operations.damage(), null, now);
      } catch (RuntimeException e) {
        fresh = new Snapshot(null, Optional.empty(), "the spool cannot be read: " + e.getMessage(), now);
      }
    }
    snapshot.set(fresh);
    return fresh;
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    circuits.put(route, to);
    gaugeRoute(route);
  }

  private void gaugeRoute(String route) {
    if (!gaugedRoutes.add(route)) {
      return;
    }
    for (CircuitState candidate : CircuitState.values()) {
      Gauge.builder("steadfast.circuit.state", circuits,
          states -> states.getOrDefault(route, CircuitState.CLOSED) == candidate ? 1 : 0)
          .description("1 for the route's current circuit state, 0 for the others")
          .tag("route", route).tag("state", candidate.name().toLowerCase(Locale.ROOT)).register(registry);
    }
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    gaugeRoute(route);
    String name = outcome instanceof Outcome.Accepted ? "accepted" : outcome instanceof Outcome.NotSent ? "not_sent"
        : outcome instanceof Outcome.Unknown ? "unknown" : "rejected";
    attempts(route, name).increment();
  }

  private Counter attempts(String route, String outcome) {
    return Counter.builder("steadfast.attempts").description("Attempts to hand a message to SparkPost")
        .tag("route", route).tag("outcome", outcome).register(registry);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delivered(result.receipt().route()).increment();
  }

  private Counter delivered(String route) {
    return Counter.builder("steadfast.spool.delivered").description("Spooled messages SparkPost accepted")
        .tag("route", route).register(registry);
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    deadLetters(result.reason()).increment();
  }

  private Counter deadLetters(DeliveryResult.Reason reason) {
    return Counter.builder("steadfast.spool.dead.letters").description("Spooled messages moved to the dead letters")
        .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry);
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    String name = result instanceof ReconcileResult.Accepted ? "accepted"
        : result instanceof ReconcileResult.Rejected ? "rejected" : "not_found";
    reconcileResults(name).increment();
  }

  private Counter reconcileResults(String result) {
    return Counter.builder("steadfast.reconcile.results").description("Lost answers settled from SparkPost's events")
        .tag("result", result).register(registry);
  }

  /** Stops serving; the spool gauges read nothing afterwards. */
  @Override
  public void close() {
    spool = null;
    HttpServer http = server;
    if (http != null) {
      http.stop(0);
      if (http.getExecutor() instanceof java.util.concurrent.ExecutorService executor) {
        executor.shutdownNow();
      }
    }
    registry.close();
  }
}
