package io.steadfast.http.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.steadfast.http.internal.EventsClientTest.EVENTS;
import static io.steadfast.http.internal.EventsClientTest.json;
import static io.steadfast.http.internal.EventsClientTest.lookup;
import static io.steadfast.http.internal.EventsClientTest.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.CapturedLogs;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.MessageEvents.Forbidden;
import io.steadfast.spi.MessageEvents.Lookup;
import io.steadfast.spi.MessageEvents.Result;
import io.steadfast.spi.MessageEvents.Unavailable;
import io.steadfast.testing.FakeClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API key never leaves the Authorization header of an Events search: sent as
 * {@code sk-canary-<random>} across a success and every failure path (servers that echo it included),
 * it must appear in no log line (DEBUG included), no {@link Failure} summary, provider message or cause
 * chain, and no {@code toString()} of a result or the search. The recipients in the query appear in no
 * Steadfast log line at any level, and in no line at all at INFO or above.
 */
@WireMockTest
class EventsApiKeyCanaryTest {
  private static final String RECIPIENT = "canary-recipient@x.example";

  private final String canary = "sk-canary-" + UUID.randomUUID();
  private final FakeClock clock = new FakeClock(FakeClock.DEFAULT_START.plus(Duration.ofMinutes(30)));
  private final List<String> observed = new ArrayList<>();
  @RegisterExtension final CapturedLogs logs = new CapturedLogs();

  @Test
  void apiKeyAppearsNowhereAndRecipientsStayOutOfLogsAcrossSuccessAndEveryFailure(WireMockRuntimeInfo wireMock)
      throws IOException {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(canary)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl()))
        .subaccountId(42)
        .clock(clock)
        .readTimeout(Duration.ofMillis(300))
        .build();
    String echo = "{\"results\":[{\"type\":\"policy_rejection\",\"timestamp\":\"2019-05-23T21:15:00Z\","
        + "\"transmission_id\":\"" + canary + "\",\"recv_method\":\"" + canary + "\",\"reason\":\"key " + canary
        + " suppressed\",\"rcpt_to\":\"" + RECIPIENT + "\",\"rcpt_meta\":{\"steadfast_idempotency_key\":\"order-1001\"}}]}";
    List<ResponseDefinitionBuilder> answers = List.of(
        json(200, "events-injection.json"),
        aResponse().withStatus(200).withBody(echo),
        json(400, "responses/400-invalid-params.json"),
        json(401, "responses/401-unauthorized.json"),
        json(403, "responses/403-permission-denied.json"),
        json(404, "responses/404-invalid-uri.json"),
        json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "2"),
        json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "600"),
        json(500, "responses/500-internal.json"),
        json(503, "responses/503-unavailable.json"),
        aResponse().withStatus(401).withHeader("Content-Type", "application/json")
            .withBody("{\"errors\":[{\"message\":\"Unknown API key " + canary + "\",\"code\":\"" + canary + "\"}]}"),
        aResponse().withStatus(403).withHeader("X-SparkPost-Request-Id", canary).withBody("forbidden " + canary),
        aResponse().withStatus(502).withHeader("Content-Type", "text/html")
            .withBody(sparkpost("responses/502-load-balancer.html")),
        aResponse().withStatus(200).withHeader("Content-Type", "text/html").withBody("<html>" + canary + "</html>"),
        aResponse().withStatus(200).withBody("{\"results\": [" + canary),
        aResponse().withStatus(200)
            .withBody("{\"results\":[],\"links\":{\"next\":\"https://evil.example/?key=" + canary + "\"}}"),
        json(200, "events-injection.json").withFixedDelay(1_000),
        aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
        aResponse().withFault(Fault.EMPTY_RESPONSE),
        aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK),
        aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE));
    List<Lookup> lookups = List.of(lookup("order-1001", RECIPIENT),
        new Lookup(io.steadfast.IdempotencyKey.of("order-1002"), List.of(), "campaign-" + canary.length(), null,
            EventsClientTest.SENT));

    observed.add(config.toString());
    List<Class<?>> kinds = new ArrayList<>();
    for (ResponseDefinitionBuilder answer : answers) {
      stubFor(get(urlPathEqualTo(EVENTS)).willReturn(answer));
      try (EventsClient events = client(config)) {
        observed.add(events.toString());
        kinds.add(observe(events.search(lookups, clock.instant())).getClass());
      }
    }
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (EventsClient unreachable = client(config.toBuilder()
        .endpoint(Endpoint.custom("http://127.0.0.1:" + closedPort)).build())) {
      observe(unreachable.search(lookups, clock.instant()));
    }
    try (MessageEvents viaFactory = new EventsClientFactory().create(config).orElseThrow()) {
      stubFor(get(urlPathEqualTo(EVENTS)).willReturn(json(403, "responses/403-permission-denied.json")));
      observed.add(viaFactory.toString());
      observe(viaFactory.search(lookups, clock.instant()));
    }
    List<String> logLines = new ArrayList<>();
    for (ILoggingEvent event : logs.events()) {
      String line = event.getLoggerName() + " " + event.getFormattedMessage() + throwableText(event.getThrowableProxy());
      logLines.add(line);
      observed.add(line);
      if (event.getLoggerName().startsWith("io.steadfast") || event.getLevel().isGreaterOrEqual(Level.INFO)) {
        assertThat(line).as("log line").doesNotContain(RECIPIENT).doesNotContain("canary-recipient%40");
      }
    }

    assertThat(kinds).contains(MessageEvents.Found.class, Unavailable.class, Forbidden.class);
    assertThat(logLines).as("DEBUG lines from the search were captured")
        .anySatisfy(line -> assertThat(line).startsWith(EventsClient.class.getName()));
    assertThat(observed).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(canary));
  }

  private EventsClient client(SteadfastConfig config) {
    return new EventsClient(config, EventsRetry.DEFAULT, EventsRetryBudget.withDefaults(clock), clock::advance,
        () -> 0.5);
  }

  private Result observe(Result result) {
    observed.add(result.toString());
    Failure failure = result instanceof Unavailable unavailable ? unavailable.failure()
        : result instanceof Forbidden forbidden ? forbidden.failure() : null;
    if (failure != null) {
      observed.add(failure.summary());
      observed.add(String.valueOf(failure.providerMessage()));
      observed.add(String.valueOf(failure.providerCode()));
      observed.add(String.valueOf(failure.requestId()));
      for (Throwable cause = failure.cause(); cause != null; cause = cause.getCause()) {
        observed.add(String.valueOf(cause.getMessage()));
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        observed.add(trace.toString());
      }
    }
    return result;
  }

  private static String throwableText(IThrowableProxy proxy) {
    StringBuilder text = new StringBuilder();
    for (IThrowableProxy next = proxy; next != null; next = next.getCause()) {
      text.append(" | ").append(next.getClassName()).append(": ").append(next.getMessage());
    }
    return text.toString();
  }
}
