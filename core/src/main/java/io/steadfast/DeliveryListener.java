package io.steadfast;

import io.steadfast.spi.Outcome;
import java.time.Duration;

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
}
