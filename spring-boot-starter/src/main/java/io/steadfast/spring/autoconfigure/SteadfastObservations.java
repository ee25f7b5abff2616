package io.steadfast.spring.autoconfigure;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Outcome;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Puts a Micrometer {@link Observation} around each submit, each delivery attempt and each
 * reconciliation, so a Boot application with tracing gets a span for each (and a timer, with
 * Boot's default handlers).
 *
 * <ul>
 *   <li>{@code steadfast.submit} ("steadfast submit"): storing a message in the spool;
 *   <li>{@code steadfast.delivery.attempt} ("send {route}"): one attempt to hand a message to SparkPost,
 *       from the spool or from {@code send()};
 *   <li>{@code steadfast.reconcile} ("steadfast reconcile"): from the moment an answer was lost until
 *       SparkPost's events settle it (or the policy's fallback applies), which spans the settle delay.
 * </ul>
 *
 * <p>Low-cardinality keys: {@code messaging.system} = {@code sparkpost} and
 * {@code messaging.operation.type} ({@code send} or {@code create}, from OpenTelemetry's messaging
 * conventions, the nearest there are for mail), {@code steadfast.route}, {@code steadfast.attempt},
 * {@code steadfast.outcome} (accepted|not_sent|unknown|rejected; for reconcile
 * accepted|rejected|not_found|gave_up) and {@code error.type} (the outcome when it failed, else
 * {@code none}, so that every observation of a name has the same keys, as Prometheus needs). High-cardinality:
 * {@code messaging.message.id}, the idempotency key. Never recipients, content or the API key.
 *
 * <p>The core client reports attempts through its {@link DeliveryListener}, so core needs no
 * Micrometer. Thread-safe.
 */
final class SteadfastObservations extends DeliveryListener implements SubmitObserver {

  private static final String SYSTEM = "sparkpost";
  private static final String ERROR_TYPE = "error.type";
  /**
   * {@code error.type} when nothing failed. OpenTelemetry leaves the key out then, but metrics backends
   * such as Prometheus need every observation of one name to carry the same keys.
   */
  private static final String NO_ERROR = "none";

  private final ObservationRegistry registry;
  private final Map<String, Observation> attempts = new ConcurrentHashMap<>();
  private final Map<IdempotencyKey, Observation> reconciling = new ConcurrentHashMap<>();

  SteadfastObservations(ObservationRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Finish started() {
    Observation observation = Observation.createNotStarted("steadfast.submit", registry)
        .contextualName("steadfast submit")
        .lowCardinalityKeyValue("messaging.system", SYSTEM)
        .lowCardinalityKeyValue("messaging.operation.type", "create")
        .start();
    return (receipt, failure) -> {
      if (receipt != null) {
        observation.highCardinalityKeyValue("messaging.message.id", receipt.idempotencyKey().value());
        observation.lowCardinalityKeyValue("steadfast.outcome", "spooled");
        observation.lowCardinalityKeyValue(ERROR_TYPE, NO_ERROR);
      } else if (failure != null) {
        observation.lowCardinalityKeyValue("steadfast.outcome", "failed");
        observation.lowCardinalityKeyValue(ERROR_TYPE, failure.getClass().getSimpleName());
        observation.error(failure);
      }
      observation.stop();
    };
  }

  private static String attemptId(IdempotencyKey key, String route, int attempt) {
    return key.value() + '\n' + route + '\n' + attempt;
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    Observation observation = Observation.createNotStarted("steadfast.delivery.attempt", registry)
        .contextualName("send " + route)
        .lowCardinalityKeyValue("messaging.system", SYSTEM)
        .lowCardinalityKeyValue("messaging.operation.type", "send")
        .lowCardinalityKeyValue("steadfast.route", route)
        .lowCardinalityKeyValue("steadfast.attempt", Integer.toString(attempt))
        .highCardinalityKeyValue("messaging.message.id", key.value())
        .start();
    Observation earlier = attempts.put(attemptId(key, route, attempt), observation);
    if (earlier != null) {
      earlier.stop();
    }
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    Observation observation = attempts.remove(attemptId(key, route, attempt));
    if (observation == null) {
      return;
    }
    String name = snakeCase(outcome);
    observation.lowCardinalityKeyValue("steadfast.outcome", name);
    observation.lowCardinalityKeyValue(KeyValue.of(ERROR_TYPE, outcome instanceof Outcome.Accepted ? NO_ERROR : name));
    observation.stop();
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    Observation observation = Observation.createNotStarted("steadfast.reconcile", registry)
        .contextualName("steadfast reconcile")
        .lowCardinalityKeyValue("messaging.system", SYSTEM)
        .lowCardinalityKeyValue("steadfast.route", route == null ? "none" : route)
        .highCardinalityKeyValue("messaging.message.id", key.value())
        .start();
    Observation earlier = reconciling.put(key, observation);
    if (earlier != null) {
      earlier.stop();
    }
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    finishReconcile(key, snakeCase(result));
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    finishReconcile(key, "gave_up");
  }

  /**
   * Names a result by its record: Accepted, NotSent, Unknown, Rejected, NotFound become accepted,
   * not_sent, ...: the names the steadfast.attempts metric's outcome tag uses.
   */
  private static String snakeCase(Object result) {
    return result.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private void finishReconcile(IdempotencyKey key, String outcome) {
    Observation observation = reconciling.remove(key);
    if (observation != null) {
      observation.lowCardinalityKeyValue("steadfast.outcome", outcome);
      observation.lowCardinalityKeyValue(ERROR_TYPE, outcome.equals("gave_up") ? outcome : NO_ERROR);
      observation.stop();
    }
  }

  /** Returns how many attempts and reconciliations are observed and not yet finished. */
  int open() {
    return attempts.size() + reconciling.size();
  }
}
