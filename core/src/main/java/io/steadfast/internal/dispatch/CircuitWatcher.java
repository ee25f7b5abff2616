package io.steadfast.internal.dispatch;

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

/**
 * Forwards every event to the user's listener and, on a circuit change, runs a hook: the dispatcher's
 * wake-up, so deliveries resume as soon as a circuit closes.
 */
public final class CircuitWatcher extends DeliveryListener {
  private final DeliveryListener delegate;
  private volatile @Nullable Runnable onChange;
  private volatile @Nullable Runnable onRecovery;

  /** Creates a watcher that forwards to {@code delegate}. */
  public CircuitWatcher(DeliveryListener delegate) {
    this.delegate = delegate;
  }

  /** Sets the hook run after each circuit change. */
  public void onChange(Runnable hook) {
    this.onChange = hook;
  }

  /** Sets the hook run when a circuit closes after having been open: its probe got through. */
  public void onRecovery(Runnable hook) {
    this.onRecovery = hook;
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    delegate.attemptStarted(key, route, attempt);
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    delegate.attemptFinished(key, route, attempt, outcome, elapsed);
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    delegate.retryScheduled(key, route, attempt, delay);
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    delegate.retryBudgetExhausted(key, route);
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    Runnable recovery = onRecovery;
    if (recovery != null && from == CircuitState.HALF_OPEN && to == CircuitState.CLOSED) {
      recovery.run();
    }
    Runnable hook = onChange;
    if (hook != null) {
      hook.run();
    }
    delegate.circuitStateChanged(route, from, to);
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    delegate.failover(key, fromRoute, toRoute, reason);
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    delegate.sendSucceeded(receipt);
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    delegate.sendFailed(key, failure);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delegate.delivered(result);
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    delegate.deadLettered(result);
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    delegate.reconciling(key, route);
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    delegate.reconciled(key, result);
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    delegate.reconcileGaveUp(key, policy, reason);
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    delegate.eventsSearched(lookups, requests, outcome);
  }
}
