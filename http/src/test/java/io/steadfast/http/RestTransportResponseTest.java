package io.steadfast.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.verify;
import static io.steadfast.http.Fixtures.TRANSMISSIONS;
import static io.steadfast.http.Fixtures.delivery;
import static io.steadfast.http.Fixtures.minimal;
import static io.steadfast.http.Fixtures.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Outcome.NotSent;
import io.steadfast.spi.Outcome.Rejected;
import io.steadfast.spi.Transport;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the transport makes of SparkPost's answers, and of everything that is not an answer: every
 * status row with SparkPost's error JSON, garbage bodies, faults, timeouts and connect failures, each
 * through {@code deliver} and {@code deliverAsync} alike.
 */
@WireMockTest
class RestTransportResponseTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final String REQUEST_ID = "5b2c1a0e-4f1d-4a57-8a8e-0d2a1c1b9f10";

  private WireMockRuntimeInfo wireMock;
  private Transport transport;

  @BeforeEach
  void setUp(WireMockRuntimeInfo wireMock) {
    this.wireMock = wireMock;
    transport = create(builder -> builder);
  }

  @AfterEach
  void tearDown() {
    transport.close();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void acceptsSuccessWithTransmissionIdCountsAndRequestId(Mode mode) {
    answer(json(200, "responses/200-accepted.json"));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isEqualTo(new Outcome.Accepted("11668787484950529", 2, 1, REQUEST_ID));
  }

  static Stream<Arguments> errorRows() {
    Object[][] rows = {
        // status, SparkPost sample, expected outcome, reason, provider code, provider message
        {400, "400-invalid-params.json", Rejected.class, Rejected.Reason.MESSAGE, "1200",
            "invalid params: Syntax error in JSON body"},
        {401, "401-unauthorized.json", Rejected.class, Rejected.Reason.AUTHENTICATION, null, "Unauthorized."},
        {403, "403-permission-denied.json", Rejected.class, Rejected.Reason.AUTHENTICATION, "1100",
            "permission denied: API key lacks the Transmissions: Read/Write permission"},
        {404, "404-invalid-uri.json", Rejected.class, Rejected.Reason.MESSAGE, "1101",
            "invalid URI: Template 'order-shipped' does not exist"},
        {409, "409-conflict.json", Rejected.class, Rejected.Reason.MESSAGE, "1602",
            "resource conflict: A transmission with this campaign is being cancelled"},
        {413, "413-too-large.json", Rejected.class, Rejected.Reason.MESSAGE, "1300",
            "request too large: Transmission content exceeds the size limit"},
        {422, "422-two-errors.json", Rejected.class, Rejected.Reason.MESSAGE, "7001",
            "Invalid domain: Unconfigured Sending Domain <shop.example>; Message generation rejected"},
        {420, "420-sending-limit.json", NotSent.class, NotSent.Reason.QUOTA_EXCEEDED, "2102",
            "Exceed Sending Limit (daily): This transmission would exceed your daily sending limit"},
        {429, "429-rate-limited.json", NotSent.class, NotSent.Reason.RATE_LIMITED, "1800",
            "Too many requests: Request rate limit exceeded"},
        {408, "503-unavailable.json", NotSent.class, NotSent.Reason.UNAVAILABLE, null,
            "Service Unavailable: The service is temporarily unavailable; please retry"},
        {500, "500-internal.json", NotSent.class, NotSent.Reason.UNAVAILABLE, "1500",
            "internal server error: Failed to process the request"},
        {503, "503-unavailable.json", NotSent.class, NotSent.Reason.UNAVAILABLE, null,
            "Service Unavailable: The service is temporarily unavailable; please retry"},
    };
    return Arrays.stream(Mode.values())
        .flatMap(mode -> Arrays.stream(rows).map(row -> Arguments.of(prepend(mode, row))));
  }

  @ParameterizedTest(name = "{0} HTTP {1} -> {3} {4}")
  @MethodSource("errorRows")
  void classifiesErrorStatusAndKeepsSparkPostErrorFacts(Mode mode, int status, String sample,
      Class<? extends Outcome> type, Enum<?> reason, String providerCode, String providerMessage) {
    answer(json(status, "responses/" + sample));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(type);
    assertThat(reason(outcome)).isEqualTo(reason);
    Failure failure = failure(outcome);
    assertThat(failure.summary()).startsWith("HTTP " + status + " ");
    assertThat(failure.statusCode()).isEqualTo(status);
    assertThat(failure.providerCode()).isEqualTo(providerCode);
    assertThat(failure.providerMessage()).isEqualTo(providerMessage);
    assertThat(failure.requestId()).isEqualTo(REQUEST_ID);
  }

  @Test
  void summarisesStatusWithReasonPhrase() {
    answer(json(503, "responses/503-unavailable.json"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(failure(outcome).summary()).isEqualTo("HTTP 503 Service Unavailable");
  }

  @Test
  void truncatesLongProviderMessage() {
    String description = "x".repeat(5_000);
    answer(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
        .withBody("{\"errors\":[{\"message\":\"boom\",\"code\":\"1500\",\"description\":\"" + description + "\"}]}"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(failure(outcome).providerMessage()).hasSizeLessThanOrEqualTo(500).startsWith("boom: xxx").endsWith("...");
  }

  @Test
  void replacesControlCharactersInProviderMessage() {
    answer(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"errors\":[{\"message\":\"bad\\r\\nFAKE LOG LINE\",\"code\":1200}]}"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(failure(outcome).providerMessage()).isEqualTo("bad  FAKE LOG LINE");
    assertThat(failure(outcome).providerCode()).isEqualTo("1200");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void honoursRetryAfterSecondsOn429(Mode mode) {
    answer(json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "120"));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class,
        notSent -> assertThat(notSent.retryAfter()).isEqualTo(Duration.ofSeconds(120)));
  }

  @Test
  void honoursRetryAfterHttpDateOn503RelativeToConfiguredClock() {
    transport.close();
    transport = create(builder -> builder.clock(Clock.fixed(NOW, ZoneOffset.UTC)));
    answer(json(503, "responses/503-unavailable.json").withHeader("Retry-After", "Wed, 25 Nov 2026 10:01:30 GMT"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class,
        notSent -> assertThat(notSent.retryAfter()).isEqualTo(Duration.ofSeconds(90)));
  }

  @Test
  void ignoresRetryAfterInThePast() {
    transport.close();
    transport = create(builder -> builder.clock(Clock.fixed(NOW, ZoneOffset.UTC)));
    answer(json(503, "responses/503-unavailable.json").withHeader("Retry-After", "Tue, 24 Nov 2026 10:00:00 GMT"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class, notSent -> assertThat(notSent.retryAfter()).isNull());
  }

  @Test
  void ignoresGarbageRetryAfter() {
    answer(json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "soon-ish"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class, notSent -> {
      assertThat(notSent.reason()).isEqualTo(NotSent.Reason.RATE_LIMITED);
      assertThat(notSent.retryAfter()).isNull();
    });
  }

  // ---- Garbage from the server ----

  @ParameterizedTest
  @EnumSource(Mode.class)
  void classifiesALoadBalancers502PageAsUnknownBecauseSparkPostMayHaveActed(Mode mode) {
    answer(aResponse().withStatus(502).withHeader("Content-Type", "text/html")
        .withBody(sparkpost("responses/502-load-balancer.html")));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Unknown.class, unknown -> {
      assertThat(unknown.failure().summary()).isEqualTo("HTTP 502 Bad Gateway with a non-JSON body (text/html)");
      assertThat(unknown.failure().providerMessage()).isNull();
      assertThat(unknown.failure().providerCode()).isNull();
    });
  }

  @Test
  void classifiesAProxysHtml500PageAsUnknown() {
    answer(aResponse().withStatus(500).withHeader("Content-Type", "text/html").withBody("<html>oops</html>"));

    assertThat(transport.deliver(delivery(minimal().build()))).isInstanceOf(Outcome.Unknown.class);
  }

  @Test
  void classifiesSparkPostsOwn500ErrorAsNotSent() {
    answer(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
        .withBody("{\"errors\":[{\"message\":\"internal error\",\"code\":\"1900\"}]}"));

    assertThat(transport.deliver(delivery(minimal().build()))).isInstanceOf(NotSent.class);
  }

  @Test
  void classifiesHtmlErrorPageOn503ByStatus() {
    answer(aResponse().withStatus(503).withHeader("Content-Type", "text/html; charset=UTF-8")
        .withBody("<html><body>Service Temporarily Unavailable</body></html>"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(NotSent.class);
    assertThat(failure(outcome).summary()).contains("non-JSON body (text/html)");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void treatsHtmlOn200AsUnknown(Mode mode) {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "text/html").withBody("<html>Welcome</html>"));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("HTTP 200 OK", "non-JSON body (text/html)");
  }

  @Test
  void treatsTruncatedSuccessJsonAsUnknown() {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody("{\"results\":{\"total_rejected_recipients\":0,\"total_accepted_recipients\":1,\"id\":\"1166"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("non-JSON body (application/json)");
  }

  @Test
  void treatsEmptySuccessBodyAsUnknown() {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("empty body");
  }

  @Test
  void treatsSuccessJsonWithoutTransmissionIdAsUnknown() {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody("{\"results\":{\"total_accepted_recipients\":1}}"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("not SparkPost's success response");
  }

  @Test
  void treatsSuccessJsonWithNegativeCountAsUnknown() {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody("{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":-1,\"total_rejected_recipients\":0}}"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
  }

  @Test
  void treatsPlainTextOn200WithWrongContentTypeAsUnknown() {
    answer(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("OK"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("non-JSON body (text/plain)");
  }

  @Test
  void acceptsSuccessJsonDespiteWrongContentType() {
    // The transmission id proves acceptance; calling it Unknown would invite a duplicate send.
    answer(aResponse().withStatus(200).withHeader("Content-Type", "text/plain")
        .withBody(sparkpost("responses/200-accepted.json")));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
  }

  @Test
  void classifiesTruncatedErrorJsonByStatus() {
    answer(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"errors\":[{\"message\":\"invalid par"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Rejected.Reason.MESSAGE);
      assertThat(rejected.failure().providerMessage()).isNull();
      assertThat(rejected.failure().summary()).isEqualTo("HTTP 400 Bad Request with a non-JSON body (application/json)");
    });
  }

  @Test
  void classifiesEmptyErrorBodyByStatus() {
    answer(aResponse().withStatus(503));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(NotSent.class);
    assertThat(failure(outcome).summary()).isEqualTo("HTTP 503 Service Unavailable with an empty body");
  }

  @Test
  void classifiesAGatewayTimeoutInAnotherJsonFormatAsUnknown() {
    answer(aResponse().withStatus(504).withHeader("Content-Type", "application/json")
        .withBody("{\"message\":\"upstream request timeout\"}"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).providerMessage()).isNull();
    assertThat(failure(outcome).summary()).contains("not SparkPost's error format");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void treatsHugeSuccessBodyAsUnknownWithoutReadingIt(Mode mode) {
    patientWithHugeBodies();
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(new byte[50 << 20]));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("over 1 MiB");
  }

  @Test
  void classifiesHugeErrorBodyByStatusWithoutReadingIt() {
    patientWithHugeBodies();
    answer(aResponse().withStatus(503).withHeader("Content-Type", "text/html").withBody(new byte[50 << 20]));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class, notSent -> {
      assertThat(notSent.reason()).isEqualTo(NotSent.Reason.UNAVAILABLE);
      assertThat(notSent.failure().summary()).contains("HTTP 503", "over 1 MiB");
    });
  }

  @Test
  void stopsReadingChunkedBodyPastTheLimit() {
    // No Content-Length: the limit is enforced while reading, long before the dribble ends.
    answer(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(new byte[8 << 20]).withChunkedDribbleDelay(80, 4_000));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).contains("over 1 MiB (not read)");
  }

  // ---- Faults and timeouts ----

  static Stream<Arguments> faultsAfterRequestWritten() {
    return Arrays.stream(Mode.values()).flatMap(mode -> Stream.of(Fault.CONNECTION_RESET_BY_PEER,
        Fault.EMPTY_RESPONSE, Fault.MALFORMED_RESPONSE_CHUNK, Fault.RANDOM_DATA_THEN_CLOSE)
        .map(fault -> Arguments.of(mode, fault)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("faultsAfterRequestWritten")
  void classifiesConnectionFaultAfterRequestWrittenAsUnknown(Mode mode, Fault fault) {
    answer(aResponse().withFault(fault));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).cause()).isInstanceOf(IOException.class);
    verify(1, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void classifiesReadTimeoutAfterBodyWrittenAsUnknown(Mode mode) {
    transport.close();
    transport = create(builder -> builder.readTimeout(Duration.ofMillis(200)));
    answer(json(200, "responses/200-accepted.json").withFixedDelay(2_000));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).startsWith("read timed out");
    verify(1, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void classifiesCallTimeoutAfterBodyWrittenAsUnknown(Mode mode) {
    transport.close();
    transport = create(builder -> builder.connectTimeout(Duration.ofMillis(200)).callTimeout(Duration.ofMillis(300)));
    answer(json(200, "responses/200-accepted.json").withFixedDelay(2_000));

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(failure(outcome).summary()).startsWith("call timed out");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void classifiesConnectFailureAsNotSent(Mode mode) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SteadfastConfig config = Fixtures.config(wireMock).endpoint(Endpoint.custom("http://127.0.0.1:" + closedPort)).build();

    try (Transport unreachable = RestTransport.create(config)) {
      Outcome outcome = mode.deliver(unreachable, delivery(minimal().build()));

      assertThat(outcome).isInstanceOfSatisfying(NotSent.class, notSent -> {
        assertThat(notSent.reason()).isEqualTo(NotSent.Reason.UNAVAILABLE);
        assertThat(notSent.failure().summary()).startsWith("could not connect to 127.0.0.1:" + closedPort);
        assertThat(notSent.failure().statusCode()).isNull();
      });
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void classifiesTlsHandshakeFailureAsNotSent(Mode mode) {
    // https to WireMock's plain-HTTP port: the handshake fails before any request is written.
    SteadfastConfig config = Fixtures.config(wireMock)
        .endpoint(Endpoint.custom("https://localhost:" + wireMock.getHttpPort())).build();

    try (Transport tls = RestTransport.create(config)) {
      Outcome outcome = mode.deliver(tls, delivery(minimal().build()));

      assertThat(outcome).isInstanceOf(NotSent.class);
      assertThat(failure(outcome).summary()).startsWith("TLS handshake with localhost:");
    }
    verify(0, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @Test
  void doesNotFollowRedirects() {
    answer(aResponse().withStatus(302).withHeader("Location", "https://elsewhere.example/api/v1/transmissions"));

    Outcome outcome = transport.deliver(delivery(minimal().build()));

    assertThat(outcome).isInstanceOfSatisfying(NotSent.class, notSent -> {
      assertThat(notSent.reason()).isEqualTo(NotSent.Reason.UNAVAILABLE);
      assertThat(notSent.failure().statusCode()).isEqualTo(302);
    });
    verify(1, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void reportsNotSentAfterClose(Mode mode) {
    transport.close();

    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(NotSent.class);
    assertThat(failure(outcome).summary()).contains("closed");
    verify(0, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  /**
   * WireMock builds a 50 MB body before its first byte, which on a loaded machine takes longer than the
   * fixtures' 5 s read timeout. The transport stops at 1 MiB whatever the timeouts, so patient ones
   * change nothing but the chance of a timeout answering instead.
   */
  private void patientWithHugeBodies() {
    transport.close();
    transport = create(builder -> builder.readTimeout(Duration.ofMinutes(2)).callTimeout(Duration.ofMinutes(3)));
  }

  private Transport create(UnaryOperator<SteadfastConfig.Builder> customise) {
    return RestTransport.create(customise.apply(Fixtures.config(wireMock)).build());
  }

  private static void answer(ResponseDefinitionBuilder response) {
    stubFor(post(urlEqualTo(TRANSMISSIONS)).willReturn(response));
  }

  private static ResponseDefinitionBuilder json(int status, String sample) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withHeader("X-SparkPost-Request-Id", REQUEST_ID)
        .withBody(sparkpost(sample));
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  static Failure failure(Outcome outcome) {
    if (outcome instanceof NotSent notSent) {
      return notSent.failure();
    }
    if (outcome instanceof Outcome.Unknown unknown) {
      return unknown.failure();
    }
    if (outcome instanceof Rejected rejected) {
      return rejected.failure();
    }
    throw new AssertionError("expected a failure but was " + outcome);
  }

  private static Enum<?> reason(Outcome outcome) {
    if (outcome instanceof NotSent notSent) {
      return notSent.reason();
    }
    if (outcome instanceof Rejected rejected) {
      return rejected.reason();
    }
    throw new AssertionError("expected NotSent or Rejected but was " + outcome);
  }
}
