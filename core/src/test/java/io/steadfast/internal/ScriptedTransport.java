package io.steadfast.internal;

import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A transport that answers with scripted outcomes and records every delivery it was given. */
final class ScriptedTransport implements Transport {
  private final String route;
  private final Deque<Outcome> script = new ArrayDeque<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private final List<CompletableFuture<Outcome>> pending = new ArrayList<>();
  private boolean holdAsync;
  private boolean closed;

  ScriptedTransport(String route) {
    this.route = route;
  }

  synchronized ScriptedTransport then(Outcome outcome) {
    script.add(outcome);
    return this;
  }

  /** Makes deliverAsync return futures that complete only when the test completes them. */
  synchronized ScriptedTransport holdAsync() {
    holdAsync = true;
    return this;
  }

  synchronized List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  synchronized List<CompletableFuture<Outcome>> pending() {
    return List.copyOf(pending);
  }

  synchronized boolean closed() {
    return closed;
  }

  @Override
  public String route() {
    return route;
  }

  @Override
  public synchronized Outcome deliver(Delivery delivery) {
    deliveries.add(delivery);
    Outcome next = script.poll();
    if (next == null) {
      throw new AssertionError("no outcome scripted for attempt " + delivery.attempt());
    }
    return next;
  }

  @Override
  public synchronized CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
    if (holdAsync) {
      deliveries.add(delivery);
      CompletableFuture<Outcome> future = new CompletableFuture<>();
      pending.add(future);
      return future;
    }
    return CompletableFuture.completedFuture(deliver(delivery));
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
