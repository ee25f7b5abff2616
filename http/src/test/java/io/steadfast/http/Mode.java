package io.steadfast.http;

import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The two ways to make an attempt, so each scenario is tested for {@code deliver} and {@code deliverAsync} alike. */
enum Mode {
  SYNC {
    @Override
    Outcome deliver(Transport transport, Delivery delivery) {
      return transport.deliver(delivery);
    }
  },
  ASYNC {
    @Override
    Outcome deliver(Transport transport, Delivery delivery) {
      try {
        // get() rather than join(): the future must complete normally, never exceptionally.
        return transport.deliverAsync(delivery).get(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("deliverAsync's future did not complete normally", e);
      }
    }
  };

  abstract Outcome deliver(Transport transport, Delivery delivery);
}
