package io.steadfast.smtp;

import io.steadfast.ApiKey;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import io.steadfast.testing.smtp.TestCertificates;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shared test data: a key, messages, and transports pointed at a local test server. */
final class Fixtures {
  static final ApiKey API_KEY = ApiKey.of("sk-test-0123456789abcdef");

  private Fixtures() {}

  /** Returns a builder for a transport to {@code host:port} that trusts the test certificates, with short timeouts. */
  static SmtpTransport.Builder transport(String host, int port) {
    return SmtpTransport.builder()
        .host(host)
        .port(port)
        .apiKey(API_KEY)
        .trustStore(TestCertificates.trustStore())
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(2))
        .writeTimeout(Duration.ofSeconds(2));
  }

  static Message simpleMessage() {
    return Message.builder()
        .from("orders@shop.example", "Shop")
        .to("alice@example.com")
        .subject("Your order has shipped")
        .text("It is on its way.")
        .build();
  }

  static Delivery delivery(Message message) {
    return delivery(message, "0190f5a2-7b3c-7def-8abc-0123456789ab");
  }

  static Delivery delivery(Message message, String key) {
    return new Delivery(message, IdempotencyKey.of(key), 1);
  }

  /** How a test calls the transport: the sync and async paths are twins and are tested alike. */
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
        CompletableFuture<Outcome> future = transport.deliverAsync(delivery);
        try {
          return future.get(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
          throw new AssertionError("the future did not complete normally", e);
        }
      }
    };

    abstract Outcome deliver(Transport transport, Delivery delivery);
  }
}
