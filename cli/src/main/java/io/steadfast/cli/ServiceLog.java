package io.steadfast.cli;

import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.cli.internal.CliLog;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.event.Level;

/**
 * The log of {@code steadfast dispatch}: one line per change of state (started, a circuit opened or
 * recovered, a dead letter, a lost answer settled, stopping, stopped), never one per delivered message,
 * each as {@code <instant> <LEVEL> <text>} on stderr, where systemd's journal or the container runtime
 * keeps it. No recipient address and no body: lines name the spool id, the key and the route. The lines
 * go through {@link CliLog}, the same writer as the libraries' warnings, which it makes start with the
 * instant too; its own INFO lines are printed without {@code --verbose}.
 *
 * <p>Also counts what it saw for the closing line. Thread-safe: the client calls it from its threads.
 */
final class ServiceLog extends DeliveryListener {
  private final Map<String, CircuitState> circuits = new ConcurrentHashMap<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();

  /**
   * Starts the service log: from now on every line of the run starts with the instant from
   * {@code clock}, every line is printed at once (a service runs for long), and the core's own circuit
   * lines are left out (without {@code --verbose}): this log reports the circuit changes an operator acts
   * on, not every half-open probe that fails again.
   */
  ServiceLog(Clock clock) {
    CliLog.timestamps(clock);
    CliLog.live();
    CliLog.covered("io.steadfast.internal.RouteHandle");
  }

  void info(String text) {
    CliLog.line(Level.INFO, text, null);
  }

  void warn(String text) {
    CliLog.line(Level.WARN, text, null);
  }

  void error(String text) {
    CliLog.line(Level.ERROR, text, null);
  }

  /** Returns the routes' circuit states as last reported (a route not yet reported is closed). */
  Map<String, CircuitState> circuits() {
    return Map.copyOf(circuits);
  }

  long delivered() {
    return delivered.get();
  }

  long deadLettered() {
    return deadLettered.get();
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    circuits.put(route, to);
    // Only the edges an operator acts on: failing, and answering again. A half-open probe that fails
    // flips back to open every probe interval of a long outage; that is no news.
    if (from == CircuitState.CLOSED && to != CircuitState.CLOSED) {
      warn("Route '" + route + "' circuit " + to + ": SparkPost is failing on it; spooled messages wait and "
          + "are retried (and probed) with backoff");
    } else if (to == CircuitState.CLOSED && from != CircuitState.CLOSED) {
      info("Route '" + route + "' circuit CLOSED again: SparkPost answers; the messages waiting out the outage "
          + "are due now (recovery flush), oldest first");
    }
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delivered.incrementAndGet();
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    deadLettered.incrementAndGet();
    error("Dead letter: spool id " + result.spoolId() + ", key " + result.idempotencyKey() + ": "
        + result.reason() + " (" + result.detail() + "). See 'steadfast spool show " + result.spoolId() + "'.");
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    info("Reconciled key " + key + " from SparkPost's events: " + describe(result));
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    warn("Could not reconcile key " + key + " from SparkPost's events (" + reason + "); policy " + policy + " applied");
  }

  private static String describe(ReconcileResult result) {
    if (result instanceof ReconcileResult.Accepted) {
      return "SparkPost had accepted it; recorded as delivered, nothing re-sent";
    }
    if (result instanceof ReconcileResult.Rejected) {
      return "SparkPost had rejected it; dead-lettered with its reason";
    }
    return "not found; re-sent with the same key";
  }
}
