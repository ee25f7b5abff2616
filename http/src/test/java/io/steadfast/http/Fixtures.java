package io.steadfast.http;

import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Delivery;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Messages, configurations and SparkPost JSON samples shared by the tests. */
final class Fixtures {
  static final String API_KEY = "test-api-key-0123456789";
  static final String TRANSMISSIONS = "/api/v1/transmissions";
  static final IdempotencyKey KEY = IdempotencyKey.of("order-1001");

  private Fixtures() {}

  /** Returns the text of {@code src/test/resources/sparkpost/<path>}. */
  static String sparkpost(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/sparkpost/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource sparkpost/" + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns a configuration pointing at WireMock, with timeouts short enough for tests. */
  static SteadfastConfig.Builder config(WireMockRuntimeInfo wireMock) {
    return SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl()))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5))
        .writeTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofSeconds(10));
  }

  /** Returns the builder of the smallest valid message: sender, one recipient, subject, text. */
  static Message.Builder minimal() {
    return Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com")
        .subject("Your order has shipped")
        .text("It is on its way.");
  }

  static Delivery delivery(Message message) {
    return new Delivery(message, KEY, 1);
  }
}
