package io.steadfast.http.outage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryPolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.net.URI;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every HTTP status class and network failure, through the whole client (REST transport, retry,
 * exception mapping) against {@link FakeSparkPost}: which exception the caller gets, whether it
 * says the message may have been sent, and how many requests SparkPost saw (two when the failure is
 * retried in-call, one when it is final).
 */
class FullClientClassificationTest {

  private static final String API_KEY = "sk-canary-classification";
  private static final IdempotencyKey KEY = IdempotencyKey.of("classify-1");
  private static final Duration READ_TIMEOUT = Duration.ofMillis(300);
  private static final String JSON = "application/json";

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    sparkPost.close();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // answer, exception, may have been sent, requests SparkPost saw
        row(FakeResponse.status(200, "<html>ok</html>", "text/html"), DeliveryUnknownException.class, true, 2),
        row(FakeResponse.status(301, "", ""), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(400, error("invalid"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(401, error("Unauthorized."), JSON), AuthenticationFailedException.class, false, 1),
        row(FakeResponse.status(403, error("Forbidden."), JSON), AuthenticationFailedException.class, false, 1),
        row(FakeResponse.status(404, error("invalid path"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(408, error("timeout"), JSON), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(409, error("conflict"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(413, error("too large"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.sendingLimitExceeded(), SendingLimitExceededException.class, false, 1),
        row(FakeResponse.status(422, error("invalid"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.rateLimited(Duration.ZERO), RateLimitedException.class, false, 2),
        row(FakeResponse.serverError(500), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.serverError(502), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(502, "<html>Bad Gateway</html>", "text/html"), ProviderUnavailableException.class,
            false, 2),
        row(FakeResponse.serverError(503), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.serverError(504), ProviderUnavailableException.class, false, 2),
        // The request was read before each of these, so the client cannot know it was not taken.
        row(FakeResponse.connectionReset(), DeliveryUnknownException.class, true, 2),
        row(FakeResponse.emptyResponse(), DeliveryUnknownException.class, true, 2),
        row(FakeResponse.garbage(), DeliveryUnknownException.class, true, 2),
        row(FakeResponse.serverError(503).delayed(Duration.ofMillis(700)), DeliveryUnknownException.class, true, 2));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void classifiesAnswerThroughWholeClient(FakeResponse answer, Class<? extends SteadfastException> type,
      boolean mayHaveBeenSent, int requests) {
    sparkPost.alwaysRespond(answer);

    try (EmailClient client = client(sparkPost.baseUrl())) {
      assertThatThrownBy(() -> client.send(message(), SendOptions.idempotencyKey(KEY)))
          .isInstanceOf(type)
          .satisfies(e -> assertThat(((SteadfastException) e).mayHaveBeenSent()).isEqualTo(mayHaveBeenSent));
    }

    assertThat(sparkPost.requests()).hasSize(requests)
        .allSatisfy(r -> assertThat(r.idempotencyKey()).isEqualTo(KEY.value()));
    assertThat(sparkPost.transmissions()).isEmpty();
  }

  @Test
  void classifiesRefusedConnectionAsNotSent() {
    URI closedPort;
    try (FakeSparkPost gone = FakeSparkPost.start(API_KEY)) {
      closedPort = gone.baseUrl();
    }

    try (EmailClient client = client(closedPort)) {
      assertThatThrownBy(() -> client.send(message(), SendOptions.idempotencyKey(KEY)))
          .isInstanceOf(ProviderUnavailableException.class)
          .satisfies(e -> assertThat(((SteadfastException) e).mayHaveBeenSent()).isFalse());
    }
  }

  @Test
  void lateAcceptanceAfterReadTimeoutBecomesDuplicateWithoutServerDeduplication() {
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(700)));

    try (EmailClient client = client(sparkPost.baseUrl())) {
      client.send(message(), SendOptions.idempotencyKey(KEY));
    }

    // The first attempt timed out (UNKNOWN) although SparkPost had taken it; the retry with the
    // same key was accepted again. Real SparkPost does not deduplicate, so this is a second email.
    assertThat(sparkPost.requests()).hasSize(2);
    assertThat(sparkPost.transmissionCountFor(KEY.value())).isEqualTo(2);
    assertThat(sparkPost.duplicateKeys()).containsExactly(KEY.value());
  }

  @Test
  void lateAcceptanceAfterReadTimeoutIsAnsweredWithFirstIdByDeduplicatingServer() {
    sparkPost.deduplicateByKey(true);
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(700)));

    String transmissionId;
    try (EmailClient client = client(sparkPost.baseUrl())) {
      transmissionId = client.send(message(), SendOptions.idempotencyKey(KEY)).transmissionId();
    }

    assertThat(sparkPost.transmissions()).singleElement()
        .satisfies(t -> assertThat(t.id()).isEqualTo(transmissionId));
    assertThat(sparkPost.duplicatesFor(KEY.value())).isOne();
  }

  private static EmailClient client(URI baseUrl) {
    return EmailClient.create(
        SteadfastConfig.builder()
            .apiKey(API_KEY)
            .endpoint(Endpoint.custom(baseUrl.toString()))
            .connectTimeout(Duration.ofSeconds(1))
            .readTimeout(READ_TIMEOUT)
            .retryPolicy(
                RetryPolicy.builder()
                    .maxAttempts(2)
                    .minBackoff(Duration.ofMillis(1))
                    .initialBackoff(Duration.ofMillis(5))
                    .maxBackoff(Duration.ofMillis(20))
                    .build())
            .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
            .build());
  }

  private static Message message() {
    return Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com")
        .subject("Your order has shipped")
        .text("It is on its way.")
        .build();
  }

  private static String error(String message) {
    return "{\"errors\":[{\"message\":\"" + message + "\"}]}";
  }

  private static Arguments row(FakeResponse answer, Class<? extends SteadfastException> type,
      boolean mayHaveBeenSent, int requests) {
    return Arguments.of(answer, type, mayHaveBeenSent, requests);
  }
}
