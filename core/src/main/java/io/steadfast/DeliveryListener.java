package io.steadfast;

import io.steadfast.spi.Outcome;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Observes what happens to messages: attempts, retries, circuit changes, failover and final results.
 * Override the methods you need; the rest do nothing.
 *
 * <p>Methods are called on Steadfast's threads and must return quickly. A listener that throws is
 * logged at WARN and otherwise ignored: it can never break a send.
 */
public abstract class DeliveryListener {

  /** A listener that does nothing. */
  public static final DeliveryListener NONE = new DeliveryListener() {};

  /** Creates a listener. */
  protected DeliveryListener() {}

  /** Called before each attempt on {@code route}; {@code attempt} is 1 for the first. */
  public void attemptStarted(IdempotencyKey key, String route, int attempt) {}

  /** Called after each attempt with how it ended and how long it took. */
  public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {}

  /** Called when a retry of attempt {@code attempt} is scheduled {@code delay} from now. */
  public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {}

  /** Called when a retry was wanted but {@code route}'s retry budget is spent. */
  public void retryBudgetExhausted(IdempotencyKey key, String route) {}

  /** Called when {@code route}'s circuit changes state. */
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {}

  /** Called when a message moves from one route to the next; {@code reason} says why. */
  public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {}

  /** Called when a send ends with SparkPost's acceptance. */
  public void sendSucceeded(SendReceipt receipt) {}

  /** Called when a send ends in failure. */
  public void sendFailed(IdempotencyKey key, SteadfastException failure) {}

  /** Called when a submitted message was delivered to SparkPost from the spool. */
  public void delivered(DeliveryResult.Delivered result) {}

  /** Called when a submitted message was moved to the dead letters; the result says why. */
  public void deadLettered(DeliveryResult.DeadLettered result) {}

  /**
   * Called when a spooled message's answer was lost (or its dispatcher died mid-attempt) and it waits,
   * {@linkplain io.steadfast.spi.SpoolState#RECONCILING reconciling}, to be looked up in SparkPost's
   * events before any re-send; {@code route} is the route whose answer was lost, or {@code null} if
   * the entry was found in flight at start-up or with an expired lease.
   */
  public void reconciling(IdempotencyKey key, @Nullable String route) {}

  /**
   * Called when SparkPost's events settled a lost answer: {@link ReconcileResult.Accepted} (delivered,
   * nothing re-sent), {@link ReconcileResult.Rejected} (dead-lettered with SparkPost's reason) or
   * {@link ReconcileResult.NotFound} after the last search (re-sent with the same key).
   */
  public void reconciled(IdempotencyKey key, ReconcileResult result) {}

  /**
   * Called when a lost answer could not be settled from the events and {@code policy}'s fallback applied
   * (re-sent with the same key, or dead-lettered); {@code reason} says why (reconcile timeout passed,
   * the key lacks the "Events Search: Read-only" grant, or no Events API client).
   */
  public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {}

  /**
   * Called after each search of SparkPost's events with how many messages it looked for, how many HTTP
   * requests it made, and how it ended.
   */
  public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {}

  /** How a search of SparkPost's events ended. */
  public enum EventsSearchOutcome {
    /** The Events API answered. */
    ANSWERED,
    /** It could not answer (429, 5xx, a timeout): searched again later. */
    UNAVAILABLE,
    /** It refused the key (401 or 403: the "Events Search: Read-only" grant is missing). */
    FORBIDDEN
  }
}
