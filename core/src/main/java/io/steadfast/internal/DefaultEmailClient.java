package io.steadfast.internal;

import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link EmailClient} behind {@link EmailClient#create}: validates, keys and delivers messages. */
public final class DefaultEmailClient implements EmailClient {
  private static final Logger log = LoggerFactory.getLogger(DefaultEmailClient.class);

  private final SteadfastConfig config;
  private final List<Transport> routes;
  /** Transports this client created and so must close; user-given ones belong to the user. */
  private final List<Transport> owned;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates a client for {@code config}.
   *
   * @throws IllegalStateException if no transport is configured or found on the class path
   */
  public DefaultEmailClient(SteadfastConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    if (!config.transports().isEmpty()) {
      this.routes = config.transports();
      this.owned = List.of();
    } else {
      this.routes = discover(config);
      this.owned = routes;
    }
    log.info("Steadfast client started with routes {}", routes.stream().map(Transport::route).toList());
  }

  private static List<Transport> discover(SteadfastConfig config) {
    List<Transport> found = new ArrayList<>();
    for (TransportFactory factory : ServiceLoader.load(TransportFactory.class, DefaultEmailClient.class.getClassLoader())) {
      // REST first: it is SparkPost's recommended injection path; others follow as failover routes.
      if (factory.kind().equals("rest")) {
        found.add(0, factory.create(config));
      } else {
        found.add(factory.create(config));
      }
    }
    if (found.isEmpty()) {
      throw new IllegalStateException("No Steadfast transport found: add the dependency "
          + "io.steadfast:steadfast-http (the SparkPost REST transport), or pass transports(...) to SteadfastConfig");
    }
    return List.copyOf(found);
  }

  @Override
  public SendReceipt send(Message message) {
    Delivery delivery = prepare(message);
    Transport route = routes.get(0);
    log.debug("Message {} attempt {} on route '{}'", delivery.idempotencyKey(), delivery.attempt(), route.route());
    Outcome outcome = route.deliver(delivery);
    return finish(outcome, delivery, route);
  }

  @Override
  public CompletableFuture<SendReceipt> sendAsync(Message message) {
    Delivery delivery;
    try {
      delivery = prepare(message);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Transport route = routes.get(0);
    log.debug("Message {} attempt {} on route '{}' (async)", delivery.idempotencyKey(), delivery.attempt(), route.route());
    CompletableFuture<Outcome> attempt = route.deliverAsync(delivery);
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    attempt.whenComplete((outcome, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
        return;
      }
      try {
        result.complete(finish(outcome, delivery, route));
      } catch (RuntimeException e) {
        // Complete with the SteadfastException itself, not a CompletionException around it.
        result.completeExceptionally(e);
      }
    });
    // Cancel reaches the in-flight request.
    result.whenComplete((receipt, error) -> {
      if (result.isCancelled()) {
        attempt.cancel(true);
      }
    });
    return result;
  }

  private Delivery prepare(Message message) {
    Objects.requireNonNull(message, "message");
    if (closed.get()) {
      throw new IllegalStateException("EmailClient is closed; create a new one to send");
    }
    long size = message.estimatedSizeBytes();
    if (size > config.maxMessageBytes()) {
      throw new InvalidMessageException(List.of(new InvalidMessageException.Violation("size",
          "is about " + size + " bytes, over the configured maxMessageBytes of " + config.maxMessageBytes())));
    }
    IdempotencyKey key = message.idempotencyKey() != null ? message.idempotencyKey() : IdempotencyKey.generate();
    return new Delivery(message, key, 1);
  }

  private static SendReceipt finish(Outcome outcome, Delivery delivery, Transport route) {
    if (outcome instanceof Outcome.Accepted accepted) {
      log.debug("Message {} accepted on route '{}' as transmission {}", delivery.idempotencyKey(), route.route(),
          accepted.transmissionId());
      return Outcomes.receipt(accepted, delivery.idempotencyKey(), route.route(), delivery.attempt());
    }
    SteadfastException failure =
        Outcomes.exception(outcome, delivery.idempotencyKey(), route.route(), delivery.attempt());
    log.debug("Message {} attempt {} on route '{}' failed: {}", delivery.idempotencyKey(), delivery.attempt(),
        route.route(), failure.getMessage());
    throw failure;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Transport transport : owned) {
        try {
          transport.close();
        } catch (RuntimeException e) {
          log.warn("Route '{}' failed to close cleanly", transport.route(), e);
        }
      }
      log.info("Steadfast client closed");
    }
  }
}
