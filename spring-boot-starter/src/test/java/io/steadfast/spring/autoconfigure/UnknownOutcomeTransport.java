package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.util.concurrent.CompletableFuture;

/** A route whose every answer is lost: each attempt ends unknown, as a read timeout after the body was sent would. */
final class UnknownOutcomeTransport implements Transport {

  @Override
  public String route() {
    return "rest-test";
  }

  @Override
  public Outcome deliver(Delivery delivery) {
    return new Outcome.Unknown(Failure.of("read timed out after the request body was sent", null));
  }

  @Override
  public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
    return CompletableFuture.completedFuture(deliver(delivery));
  }

  @Override
  public void close() {}
}
