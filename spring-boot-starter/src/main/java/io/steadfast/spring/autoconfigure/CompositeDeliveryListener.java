package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells several listeners about each event, in order; one that throws is logged and skipped so that
 * it cannot keep the others (or the send) from running.
 */
final class CompositeDeliveryListener extends DeliveryListener {

  private static final Logger log = LoggerFactory.getLogger(CompositeDeliveryListener.class);

  private final List<DeliveryListener> listeners;

  CompositeDeliveryListener(List<DeliveryListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(String event, Consumer<DeliveryListener> call) {
    for (DeliveryListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        log.warn("DeliveryListener {} threw from {}; continuing", listener.getClass().getName(), event, e);
      }
    }
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    each("attemptStarted", l -> l.attemptStarted(key, route, attempt));
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    each("attemptFinished", l -> l.attemptFinished(key, route, attempt, outcome, elapsed));
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    each("retryScheduled", l -> l.retryScheduled(key, route, attempt, delay));
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    each("retryBudgetExhausted", l -> l.retryBudgetExhausted(key, route));
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    each("circuitStateChanged", l -> l.circuitStateChanged(route, from, to));
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    each("failover", l -> l.failover(key, fromRoute, toRoute, reason));
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    each("sendSucceeded", l -> l.sendSucceeded(receipt));
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    each("sendFailed", l -> l.sendFailed(key, failure));
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    each("delivered", l -> l.delivered(result));
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    each("deadLettered", l -> l.deadLettered(result));
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    each("reconciling", l -> l.reconciling(key, route));
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    each("reconciled", l -> l.reconciled(key, result));
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    each("reconcileGaveUp", l -> l.reconcileGaveUp(key, policy, reason));
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    each("eventsSearched", l -> l.eventsSearched(lookups, requests, outcome));
  }
}
