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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Records every event as a short line, for assertions. */
final class RecordingListener extends DeliveryListener {
  private final List<String> events = new ArrayList<>();

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  private synchronized void add(String event) {
    events.add(event);
    notifyAll();
  }

  /** Waits up to {@code timeout} for an event starting with {@code prefix}; returns whether one came. */
  synchronized boolean awaitEventStartingWith(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.stream().noneMatch(event -> event.startsWith(prefix))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  @Override
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {
    add("start " + route + " #" + attempt);
  }

  @Override
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
    add("finish " + route + " #" + attempt + " " + outcome.getClass().getSimpleName());
  }

  @Override
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
    add("retry " + route + " #" + attempt + " in " + delay);
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    add("budget " + route);
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    add("circuit " + route + " " + from + "->" + to);
  }

  @Override
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
    add("failover " + fromRoute + "->" + toRoute);
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    add("succeeded " + receipt.route());
  }

  @Override
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {
    add("failed " + failure.getClass().getSimpleName());
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    add("reconciling " + key.value() + " " + route);
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    add("reconciled " + key.value() + " " + result.getClass().getSimpleName());
  }

  @Override
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
    add("gave up " + key.value() + " " + policy);
  }

  @Override
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
    add("searched " + lookups + " " + outcome);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    add("delivered " + result.idempotencyKey().value() + (result.receipt().confirmedFromEvents() ? " from events" : ""));
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    add("dead " + result.idempotencyKey().value() + " " + result.reason());
  }
}
