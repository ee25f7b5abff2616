package io.steadfast.internal;

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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wraps the user's listener so that a listener that throws is logged and ignored, never fatal. */
final class SafeListener extends DeliveryListener {
  private static final Logger log = LoggerFactory.getLogger(SafeListener.class);

  private final DeliveryListener delegate;

  SafeListener(DeliveryListener delegate) {
    this.delegate = delegate;
  }

  private void guard(String event, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("DeliveryListener {} threw; ignoring it", event, e);
    }
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    guard("attemptStarted", () -> delegate.attemptStarted(key, route, attempt));
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    guard("attemptFinished", () -> delegate.attemptFinished(key, route, attempt, outcome, elapsed));
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    guard("retryScheduled", () -> delegate.retryScheduled(key, route, attempt, delay));
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    guard("retryBudgetExhausted", () -> delegate.retryBudgetExhausted(key, route));
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    guard("circuitStateChanged", () -> delegate.circuitStateChanged(route, from, to));
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    guard("failover", () -> delegate.failover(key, fromRoute, toRoute, reason));
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    guard("sendSucceeded", () -> delegate.sendSucceeded(receipt));
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    guard("sendFailed", () -> delegate.sendFailed(key, failure));
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    guard("delivered", () -> delegate.delivered(result));
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    guard("deadLettered", () -> delegate.deadLettered(result));
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    guard("reconciling", () -> delegate.reconciling(key, route));
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    guard("reconciled", () -> delegate.reconciled(key, result));
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    guard("reconcileGaveUp", () -> delegate.reconcileGaveUp(key, policy, reason));
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    guard("eventsSearched", () -> delegate.eventsSearched(lookups, requests, outcome));
  }
}
