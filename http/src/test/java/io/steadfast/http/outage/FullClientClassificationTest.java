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
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
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
 * retried in-call, one when it is final: an unknown outcome is never re-sent blind).
 */
class FullClientClassificationTest {

  private static final String API_KEY = "sk-canary-classification";
  private static final IdempotencyKey KEY = IdempotencyKey.of("classify-1");
  /** Short, so the rows where SparkPost answers late end quickly. */
  private static final Duration READ_TIMEOUT = Duration.ofMillis(300);
  /** Generous, so rows that expect an answer never mistake a slow, loaded machine for a stall. */
  private static final Duration PATIENT_READ_TIMEOUT = Duration.ofSeconds(30);
  /** The one row whose answer comes after the read timeout. */
  private static final FakeResponse LATE_ANSWER = FakeResponse.serverError(503).delayed(Duration.ofMillis(700));
  private static final String JSON = "application/json";

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    sparkPost.close();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // answer, exception, may have been sent, requests SparkPost saw
        row(FakeResponse.status(200, "<html>ok</html>", "text/html"), DeliveryUnknownException.class, true, 1),
        row(FakeResponse.status(301, "", ""), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(400, error("invalid"), JSON), RejectedByProviderException.class, false, 1),
        // Code 1502 "Server resources unavailable" comes with HTTP 400, but its action is "retry later".
        row(FakeResponse.serverResourcesUnavailable(), ProviderUnavailableException.class, false, 2),
        // A 200 that accepted no recipient: nothing will be delivered, and a retry would be refused alike.
        row(FakeResponse.allRecipientsRejected(1), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(401, error("Unauthorized."), JSON), AuthenticationFailedException.class, false, 1),
        row(FakeResponse.status(403, error("Forbidden."), JSON), AuthenticationFailedException.class, false, 1),
        row(FakeResponse.status(404, error("invalid path"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(408, error("timeout"), JSON), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(409, error("conflict"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.status(413, error("too large"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.sendingLimitExceeded(), SendingLimitExceededException.class, false, 1),
        row(FakeResponse.status(422, error("invalid"), JSON), RejectedByProviderException.class, false, 1),
        row(FakeResponse.rateLimited(Duration.ZERO), RateLimitedException.class, false, 2),
        // SparkPost's own error body: its API answered that the transmission failed.
        row(FakeResponse.serverError(500), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.serverError(503), ProviderUnavailableException.class, false, 2),
        row(FakeResponse.status(503, "<html>Service Unavailable</html>", "text/html"),
            ProviderUnavailableException.class, false, 2),
        // A gateway's answer, or a proxy's page: SparkPost may have created the transmission behind it.
        row(FakeResponse.serverError(502), DeliveryUnknownException.class, true, 1),
        row(FakeResponse.status(502, "<html>Bad Gateway</html>", "text/html"), DeliveryUnknownException.class,
            true, 1),
        row(FakeResponse.serverError(504), DeliveryUnknownException.class, true, 1),
        row(FakeResponse.status(500, "<html>Internal Server Error</html>", "text/html"),
            DeliveryUnknownException.class, true, 1),
        // The request was read before each of these, so the client cannot know it was not taken.
        row(FakeResponse.connectionReset(), DeliveryUnknownException.class, true, 1),
        row(FakeResponse.emptyResponse(), DeliveryUnknownException.class, true, 1),
        row(FakeResponse.garbage(), DeliveryUnknownException.class, true, 1),
        row(LATE_ANSWER, DeliveryUnknownException.class, true, 1));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void classifiesAnswerThroughWholeClient(FakeResponse answer, Class<? extends SteadfastException> type,
      boolean mayHaveBeenSent, int requests) {
    sparkPost.alwaysRespond(answer);

    Duration readTimeout = answer.equals(LATE_ANSWER) ? READ_TIMEOUT : PATIENT_READ_TIMEOUT;
    try (EmailClient client = EmailClient.create(config(sparkPost.baseUrl()).toBuilder()
        .readTimeout(readTimeout).build())) {
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
  void aLateAcceptanceAfterAReadTimeoutIsNeverResentBlind() {
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(700)));

    try (EmailClient client = client(sparkPost.baseUrl())) {
      assertThatThrownBy(() -> client.send(message(), SendOptions.idempotencyKey(KEY)))
          .isInstanceOfSatisfying(DeliveryUnknownException.class, e ->
              assertThat(e.reconcileRequest()).hasValueSatisfying(request ->
                  assertThat(request.recipients()).containsExactly("alice@example.com")));
    }

    // The first attempt timed out (UNKNOWN) although SparkPost had taken it. Real SparkPost does not
    // deduplicate, so a retry would have been a second email: there is none.
    assertThat(sparkPost.requests()).hasSize(1);
    assertThat(sparkPost.transmissionCountFor(KEY.value())).isEqualTo(1);
    assertThat(sparkPost.duplicateKeys()).isEmpty();
  }

  @Test
  void aLateAcceptanceIsConfirmedFromSparkPostsEventsWhenTheCallerOptsIn() {
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(700)));

    SendReceipt receipt;
    try (EmailClient client = EmailClient.create(config(sparkPost.baseUrl()).toBuilder()
        .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ZERO).withRecheckDelay(Duration.ZERO))
        .build())) {
      receipt = client.send(message(), SendOptions.idempotencyKey(KEY).withReconcile(true));
    }

    assertThat(receipt.confirmedFromEvents()).isTrue();
    assertThat(receipt.transmissionId()).isEqualTo(sparkPost.transmissions().get(0).id());
    assertThat(sparkPost.requests()).hasSize(1);
    assertThat(sparkPost.eventsRequests()).isNotEmpty()
        .allSatisfy(request -> assertThat(request.parameter("recipients")).isEqualTo("alice@example.com"));
  }

  private static EmailClient client(URI baseUrl) {
    return EmailClient.create(config(baseUrl));
  }

  private static SteadfastConfig config(URI baseUrl) {
    return SteadfastConfig.builder()
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
        .build();
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
