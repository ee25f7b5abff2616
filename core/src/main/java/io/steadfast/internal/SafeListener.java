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

  // Each event calls the delegate in its own try block rather than through a shared guard taking a
  // lambda: the lambda captured the event's arguments, so every event (several per send) allocated one.
  private static void threw(String event, RuntimeException e) {
    log.warn("DeliveryListener {} threw; ignoring it", event, e);
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    try {
      delegate.attemptStarted(key, route, attempt);
    } catch (RuntimeException e) {
      threw("attemptStarted", e);
    }
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    try {
      delegate.attemptFinished(key, route, attempt, outcome, elapsed);
    } catch (RuntimeException e) {
      threw("attemptFinished", e);
    }
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    try {
      delegate.retryScheduled(key, route, attempt, delay);
    } catch (RuntimeException e) {
      threw("retryScheduled", e);
    }
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    try {
      delegate.retryBudgetExhausted(key, route);
    } catch (RuntimeException e) {
      threw("retryBudgetExhausted", e);
    }
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    try {
      delegate.circuitStateChanged(route, from, to);
    } catch (RuntimeException e) {
      threw("circuitStateChanged", e);
    }
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    try {
      delegate.failover(key, fromRoute, toRoute, reason);
    } catch (RuntimeException e) {
      threw("failover", e);
    }
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    try {
      delegate.sendSucceeded(receipt);
    } catch (RuntimeException e) {
      threw("sendSucceeded", e);
    }
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    try {
      delegate.sendFailed(key, failure);
    } catch (RuntimeException e) {
      threw("sendFailed", e);
    }
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    try {
      delegate.delivered(result);
    } catch (RuntimeException e) {
      threw("delivered", e);
    }
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    try {
      delegate.deadLettered(result);
    } catch (RuntimeException e) {
      threw("deadLettered", e);
    }
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    try {
      delegate.reconciling(key, route);
    } catch (RuntimeException e) {
      threw("reconciling", e);
    }
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    try {
      delegate.reconciled(key, result);
    } catch (RuntimeException e) {
      threw("reconciled", e);
    }
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    try {
      delegate.reconcileGaveUp(key, policy, reason);
    } catch (RuntimeException e) {
      threw("reconcileGaveUp", e);
    }
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    try {
      delegate.eventsSearched(lookups, requests, outcome);
    } catch (RuntimeException e) {
      threw("eventsSearched", e);
    }
  }
}
