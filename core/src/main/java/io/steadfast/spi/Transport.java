package io.steadfast.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Delivers one message to SparkPost over one route (the REST API, SMTP injection) and classifies what
 * happened.
 *
 * <p>A transport makes exactly one attempt per call and never retries by itself: every retry is
 * Steadfast's, so each one carries the idempotency key and counts against the retry budget.
 * Implementations are thread-safe.
 */
public interface Transport extends AutoCloseable {

  /** Returns the route name, e.g. {@code rest-us}, used in logs, metrics and exceptions. */
  String route();

  /**
   * Makes one attempt to deliver {@code delivery} and blocks until it ends.
   *
   * @return the outcome; failures are outcomes, never exceptions
   */
  Outcome deliver(Delivery delivery);

  /**
   * Makes one attempt to deliver {@code delivery} without blocking the caller.
   *
   * <p>The future completes with the outcome, never exceptionally. Cancelling it cancels the
   * in-flight request where the transport can, in which case the outcome is unknown to the caller.
   */
  CompletableFuture<Outcome> deliverAsync(Delivery delivery);

  /** Releases connections and threads; in-flight attempts may fail. */
  @Override
  void close();
}
