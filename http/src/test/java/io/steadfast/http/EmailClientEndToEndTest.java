package io.steadfast.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.verify;
import static io.steadfast.http.Fixtures.TRANSMISSIONS;
import static io.steadfast.http.Fixtures.minimal;
import static io.steadfast.http.Fixtures.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.steadfast.AuthenticationFailedException;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryPolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.spi.TransportFactory;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The REST transport as users meet it: found by {@link ServiceLoader} through
 * {@code EmailClient.create(config)} with nothing but an API key and an endpoint, for {@code send} and
 * {@code sendAsync}, failing with the typed exceptions.
 */
@WireMockTest
class EmailClientEndToEndTest {
  private EmailClient client;

  @BeforeEach
  void setUp(WireMockRuntimeInfo wireMock) {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(Fixtures.API_KEY)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl()))
        // Long enough for a loaded machine to answer; the slow answers below take far longer.
        .readTimeout(Duration.ofSeconds(2))
        // One attempt, so each failure below is the transport's classification, not a retry schedule.
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .build();
    client = EmailClient.create(config);
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  @Test
  void registersRestTransportFactoryWithServiceLoader() {
    List<String> kinds = ServiceLoader.load(TransportFactory.class).stream()
        .map(provider -> provider.get().kind())
        .toList();

    assertThat(kinds).contains("rest");
  }

  @Test
  void sendsThroughDiscoveredRestTransport() {
    answer(accepted());

    SendReceipt receipt = client.send(minimal().build());

    assertThat(receipt.transmissionId()).isEqualTo("11668787484950529");
    assertThat(receipt.route()).isEqualTo("rest-custom");
    assertThat(receipt.acceptedRecipients()).isEqualTo(2);
    assertThat(receipt.rejectedRecipients()).isEqualTo(1);
    verify(postRequestedFor(urlEqualTo(TRANSMISSIONS))
        .withHeader("Idempotency-Key", equalTo(receipt.idempotencyKey().value())));
  }

  @Test
  void sendsAsyncThroughDiscoveredRestTransport() {
    answer(accepted());

    CompletableFuture<SendReceipt> future = client.sendAsync(minimal().build());

    assertThat(future).succeedsWithin(Duration.ofMinutes(2))
        .satisfies(receipt -> assertThat(receipt.route()).isEqualTo("rest-custom"));
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(error(503, "503-unavailable.json"), ProviderUnavailableException.class),
        Arguments.of(error(429, "429-rate-limited.json").withHeader("Retry-After", "7"), RateLimitedException.class),
        Arguments.of(error(420, "420-sending-limit.json"), SendingLimitExceededException.class),
        Arguments.of(error(401, "401-unauthorized.json"), AuthenticationFailedException.class),
        Arguments.of(error(422, "422-two-errors.json"), RejectedByProviderException.class),
        Arguments.of(accepted().withFixedDelay(5_000), DeliveryUnknownException.class));
  }

  @ParameterizedTest(name = "send -> {1}")
  @MethodSource("failures")
  void sendThrowsTypedException(ResponseDefinitionBuilder response, Class<? extends SteadfastException> type) {
    answer(response);

    assertThatThrownBy(() -> client.send(minimal().build()))
        .isInstanceOf(type)
        .satisfies(e -> assertThat(((SteadfastException) e).route()).contains("rest-custom"));
  }

  @ParameterizedTest(name = "sendAsync -> {1}")
  @MethodSource("failures")
  void sendAsyncFailsWithSameTypedException(ResponseDefinitionBuilder response,
      Class<? extends SteadfastException> type) {
    answer(response);

    CompletableFuture<SendReceipt> future = client.sendAsync(minimal().build());

    assertThat(future).failsWithin(Duration.ofMinutes(2))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(type);
  }

  @Test
  void providerUnavailableCarriesStatusCodeRequestIdAndRetryAfter() {
    answer(error(503, "503-unavailable.json").withHeader("Retry-After", "30")
        .withHeader("X-SparkPost-Request-Id", "req-503"));

    assertThatThrownBy(() -> client.send(minimal().build()))
        .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
          assertThat(e.statusCode()).hasValue(503);
          assertThat(e.requestId()).contains("req-503");
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
          assertThat(e.mayHaveBeenSent()).isFalse();
        });
  }

  @Test
  void readTimeoutSaysTheMessageMayHaveBeenSent() {
    answer(accepted().withFixedDelay(5_000));

    assertThatThrownBy(() -> client.send(minimal().build()))
        .isInstanceOfSatisfying(DeliveryUnknownException.class, e -> assertThat(e.mayHaveBeenSent()).isTrue());
  }

  @Test
  void rejectionCarriesSparkPostErrorCode() {
    answer(error(422, "422-two-errors.json"));

    assertThatThrownBy(() -> client.send(minimal().build()))
        .isInstanceOfSatisfying(RejectedByProviderException.class, e -> {
          assertThat(e.providerCode()).contains("7001");
          assertThat(e.getMessage()).contains("Unconfigured Sending Domain");
        });
  }

  private static void answer(ResponseDefinitionBuilder response) {
    stubFor(post(urlEqualTo(TRANSMISSIONS)).willReturn(response));
  }

  private static ResponseDefinitionBuilder accepted() {
    return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(sparkpost("responses/200-accepted.json"));
  }

  private static ResponseDefinitionBuilder error(int status, String sample) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody(sparkpost("responses/" + sample));
  }
}
