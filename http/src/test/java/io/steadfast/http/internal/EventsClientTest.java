package io.steadfast.http.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.findAll;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.verify;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.MessageEvents.Event;
import io.steadfast.spi.MessageEvents.EventType;
import io.steadfast.spi.MessageEvents.Forbidden;
import io.steadfast.spi.MessageEvents.Found;
import io.steadfast.spi.MessageEvents.Lookup;
import io.steadfast.spi.MessageEvents.Result;
import io.steadfast.spi.MessageEvents.Unavailable;
import io.steadfast.testing.FakeClock;
import io.steadfast.testing.UntrustedTlsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Events search against WireMock speaking SparkPost's Events JSON: what it sends, how it reads
 * pages and settles keys, and how it retries, gives up and refuses. Waits go through a recording
 * sleeper that moves a fake clock, so no test sleeps between retries.
 */
@WireMockTest
class EventsClientTest {
  static final String EVENTS = "/api/v1/events/message";
  static final String API_KEY = "test-api-key-0123456789";
  /** When the lookups' messages were first sent: the start of SparkPost's outage of 23 May 2019. */
  static final Instant SENT = FakeClock.DEFAULT_START;
  static final String EVENT_TYPES = "injection,policy_rejection,generation_failure,generation_rejection";

  private final FakeClock clock = new FakeClock(SENT.plus(Duration.ofMinutes(30)));
  private final List<Duration> sleeps = new ArrayList<>();
  private final List<EventsClient> clients = new ArrayList<>();
  private EventsClient events;
  private WireMockRuntimeInfo wireMock;

  @BeforeEach
  void setUp(WireMockRuntimeInfo wireMock) {
    this.wireMock = wireMock;
    events = client(config(wireMock).build(), EventsRetryBudget.withDefaults(clock));
  }

  @AfterEach
  void tearDown() {
    clients.forEach(EventsClient::close);
  }

  @Test
  void findsInjectionCarryingTheKey() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-injection.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Found.class);
    assertThat(((Found) result).events()).containsOnlyKeys(IdempotencyKey.of("order-1001"));
    assertThat(event(result, "order-1001")).isEqualTo(new Event(EventType.INJECTION, "65832150921904138", null,
        Instant.parse("2019-05-23T21:15:02Z"), "rest"));
    assertThat(result.requests()).isEqualTo(1);
  }

  @Test
  void sendsDocumentedQueryWithKeyAndUserAgentHeaders() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-empty.json")));

    events.search(List.of(lookup("order-1001", "alice@x.example", "bob+orders@x.example")), until());

    verify(1, getRequestedFor(urlPathEqualTo(EVENTS))
        .withQueryParam("from", equalTo("2019-05-23T21:09:00Z"))
        .withQueryParam("to", equalTo("2019-05-23T21:44:00Z"))
        .withQueryParam("events", equalTo(EVENT_TYPES))
        .withQueryParam("per_page", equalTo("1000"))
        .withQueryParam("cursor", equalTo("initial"))
        .withQueryParam("recipients", equalTo("alice@x.example,bob+orders@x.example"))
        .withQueryParam("campaigns", absent())
        .withQueryParam("templates", absent())
        .withHeader("Authorization", equalTo(API_KEY))
        .withHeader("Accept", equalTo("application/json"))
        .withHeader("User-Agent", matching("steadfast/.+"))
        .withHeader("X-MSYS-SUBACCOUNT", absent()));
  }

  @Test
  void sendsSubaccountHeaderWhenConfigHasSubaccount() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-empty.json")));
    EventsClient subaccount = client(config(wireMock).subaccountId(123).build(), EventsRetryBudget.withDefaults(clock));

    subaccount.search(List.of(lookup("order-1001", "alice@x.example")), until());

    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withHeader("X-MSYS-SUBACCOUNT", equalTo("123")));
  }

  @Test
  void injectionWinsOverEarlierPolicyRejectionForMultiRecipientKey() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-injection-and-policy-rejection.json")));

    Result result = events.search(List.of(lookup("order-1002", "alice@x.example", "bob@x.example")), until());

    assertThat(event(result, "order-1002").type()).isEqualTo(EventType.INJECTION);
    assertThat(event(result, "order-1002").timestamp()).isEqualTo(Instant.parse("2019-05-23T21:15:02Z"));
    assertThat(event(result, "order-1002").reason()).isNull();
  }

  @Test
  void reportsEarliestRejectionWithSparkPostsReason() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-rejections.json")));

    Result result = events.search(List.of(lookup("order-1003", "carol@x.example"),
        lookup("order-1004", "dave@x.example"), lookup("order-1005", "erin@x.example")), until());

    assertThat(event(result, "order-1003")).isEqualTo(new Event(EventType.POLICY_REJECTION, "65832150921904140",
        "550 5.7.1 Recipient address was suppressed due to customer policy", Instant.parse("2019-05-23T21:15:40Z"),
        "rest"));
    assertThat(event(result, "order-1004").type()).isEqualTo(EventType.GENERATION_REJECTION);
    assertThat(event(result, "order-1004").reason()).isEqualTo("error code 554");
    assertThat(event(result, "order-1005").type()).isEqualTo(EventType.GENERATION_FAILURE);
    assertThat(event(result, "order-1005").reason())
        .isEqualTo("554 5.3.3 [internal] Error while rendering part html: substitution value 'name' did not exist");
  }

  @Test
  void keyThatNoEventCarriesIsAbsentFromFound() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-none.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Found.class);
    assertThat(((Found) result).events()).isEmpty();
    assertThat(result.requests()).isEqualTo(1);
  }

  @Test
  void findsSmtpInjectedEvent() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-esmtp-injection.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(event(result, "order-1001")).isEqualTo(new Event(EventType.INJECTION, "65832150921904160", null,
        Instant.parse("2019-05-23T21:17:00Z"), "esmtp"));
  }

  @Test
  void skipsOddEventsWithoutFailingAndDatesAnUnreadableTimestampAtUntil() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-odd-events.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example"),
        lookup("order-1002", "bob@x.example")), until());

    assertThat(result).isInstanceOf(Found.class);
    assertThat(((Found) result).events()).containsOnlyKeys(IdempotencyKey.of("order-1002"));
    assertThat(event(result, "order-1002").timestamp()).isEqualTo(until());
  }

  @Test
  void followsNextLinksThroughThreePages() {
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", equalTo("initial"))
        .willReturn(page("events-page-1.json")));
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", matching("WycyMDE5LTA1LTIzVDIxOjE1OjAxLjAw.*"))
        .willReturn(page("events-page-2.json")));
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", matching("WycyMDE5LTA1LTIzVDIxOjE1OjAyLjAw.*"))
        .willReturn(page("events-page-3.json")));

    Result result = events.search(List.of(lookup("page-1-key", "alice@x.example"),
        lookup("page-2-key", "alice@x.example"), lookup("page-3-key", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Found.class);
    assertThat(((Found) result).events()).containsOnlyKeys(IdempotencyKey.of("page-1-key"),
        IdempotencyKey.of("page-2-key"), IdempotencyKey.of("page-3-key"));
    assertThat(event(result, "page-2-key").type()).isEqualTo(EventType.POLICY_REJECTION);
    assertThat(result.requests()).isEqualTo(3);
    List<LoggedRequest> sent = findAll(getRequestedFor(urlPathEqualTo(EVENTS)));
    assertThat(sent).hasSize(3);
    // The next pages are requested exactly as links.next said, every parameter included.
    assertThat(sent.get(1).getUrl()).startsWith("/api/v1/events/message?cursor=WycyMDE5LTA1LTIzVDIxOjE1OjAxLjAw")
        .endsWith("&from=2019-05-23T21:09:00Z&per_page=1&recipients=alice%40x.example&to=2019-05-23T21:44:00Z");
    assertThat(sent.get(2).getUrl()).startsWith("/api/v1/events/message?cursor=WycyMDE5LTA1LTIzVDIxOjE1OjAyLjAw");
  }

  @Test
  void keepsCustomBasePathWhenFollowingNextLink() {
    String prefixed = "/sparkpost" + EVENTS;
    stubFor(get(urlPathEqualTo(prefixed)).withQueryParam("cursor", equalTo("initial"))
        .willReturn(page("events-page-1.json")));
    stubFor(get(urlPathEqualTo(prefixed)).withQueryParam("cursor", matching("Wyc.*"))
        .willReturn(page("events-page-3.json")));
    EventsClient behindProxy = client(config(wireMock)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl() + "/sparkpost")).build(),
        EventsRetryBudget.withDefaults(clock));

    Result result = behindProxy.search(List.of(lookup("page-1-key", "alice@x.example"),
        lookup("page-3-key", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Found.class);
    assertThat(((Found) result).events()).hasSize(2);
    verify(2, getRequestedFor(urlPathEqualTo(prefixed)));
  }

  @Test
  void splitsThreeHundredLongAddressesSoEveryUriStaysUnder4096AndEachIsQueriedOnce() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-empty.json")));
    List<String> addresses = IntStream.range(0, 300)
        .mapToObj(i -> String.format("customer.number-%03d+order-notifications@mail.subdomain.x.example", i))
        .toList();
    List<Lookup> lookups = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      // Each key has two recipients, so every address but the first two is in two lookups: dedupe.
      lookups.add(lookup("key-" + i, addresses.get(i), addresses.get((i + 1) % addresses.size())));
    }

    Result result = events.search(lookups, until());

    assertThat(result).isInstanceOf(Found.class);
    List<LoggedRequest> sent = findAll(getRequestedFor(urlPathEqualTo(EVENTS)));
    assertThat(sent).hasSizeGreaterThan(1).hasSize(result.requests());
    assertThat(sent).allSatisfy(request -> assertThat(request.getAbsoluteUrl().length()).isLessThan(4096));
    List<String> queried = sent.stream()
        .flatMap(request -> Arrays.stream(request.queryParameter("recipients").firstValue().split(",")))
        .toList();
    assertThat(queried).containsExactlyInAnyOrderElementsOf(addresses);
  }

  @Test
  void queriesStoredListLookupsByCampaignOrTemplate() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-empty.json")));

    Result result = events.search(List.of(
        new Lookup(IdempotencyKey.of("list-1"), List.of(), "black-friday", "promo-template", SENT),
        new Lookup(IdempotencyKey.of("list-2"), List.of(), null, "welcome", SENT),
        lookup("order-1001", "alice@x.example")), until());

    assertThat(result.requests()).isEqualTo(3);
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("campaigns", equalTo("black-friday"))
        .withQueryParam("templates", absent()).withQueryParam("recipients", absent())
        .withQueryParam("from", equalTo("2019-05-23T21:09:00Z")).withQueryParam("events", equalTo(EVENT_TYPES)));
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("templates", equalTo("welcome"))
        .withQueryParam("campaigns", absent()).withQueryParam("recipients", absent()));
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("recipients", equalTo("alice@x.example")));
  }

  @Test
  void queriesWholeWindowOnceForStoredListWithoutCampaignOrTemplate() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-injection.json")));

    Result result = events.search(List.of(new Lookup(IdempotencyKey.of("order-1001"), List.of(), null, null, SENT),
        lookup("order-2002", "bob@x.example")), until());

    assertThat(event(result, "order-1001").type()).isEqualTo(EventType.INJECTION);
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("recipients", absent())
        .withQueryParam("campaigns", absent()).withQueryParam("templates", absent())
        .withQueryParam("from", equalTo("2019-05-23T21:09:00Z")).withQueryParam("to", equalTo("2019-05-23T21:44:00Z")));
  }

  @Test
  void searchesLookupsDaysApartInSeparateWindows() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-empty.json")));
    clock.advance(Duration.ofDays(2));

    events.search(List.of(lookup("old", "alice@x.example"),
        new Lookup(IdempotencyKey.of("new"), List.of("bob@x.example"), null, null, SENT.plus(Duration.ofDays(2)))),
        until());

    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("recipients", equalTo("alice@x.example"))
        .withQueryParam("from", equalTo("2019-05-23T21:09:00Z")));
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("recipients", equalTo("bob@x.example"))
        .withQueryParam("from", equalTo("2019-05-25T21:09:00Z")));
  }

  @Test
  void honoursRetryAfterOn429ThenFinds() {
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("rate limited").whenScenarioStateIs(STARTED)
        .willReturn(json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "3"))
        .willSetStateTo("recovered"));
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("rate limited").whenScenarioStateIs("recovered")
        .willReturn(page("events-injection.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(event(result, "order-1001").type()).isEqualTo(EventType.INJECTION);
    assertThat(result.requests()).isEqualTo(2);
    // The jitter draw (0.5 s) is shorter than SparkPost's 3 s, so SparkPost's wait is the one kept.
    assertThat(sleeps).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void retries502ThenFinds() {
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("bad gateway").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(502).withHeader("Content-Type", "text/html")
            .withBody(sparkpost("responses/502-load-balancer.html")))
        .willSetStateTo("recovered"));
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("bad gateway").whenScenarioStateIs("recovered")
        .willReturn(page("events-injection.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(event(result, "order-1001").type()).isEqualTo(EventType.INJECTION);
    assertThat(result.requests()).isEqualTo(2);
    assertThat(sleeps).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void retriesOnlyTheFailedPageNotTheWholeSearch() {
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", equalTo("initial"))
        .willReturn(page("events-page-1.json")));
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", matching("Wyc.*")).inScenario("page 2")
        .whenScenarioStateIs(STARTED).willReturn(json(503, "responses/503-unavailable.json"))
        .willSetStateTo("recovered"));
    stubFor(get(urlPathEqualTo(EVENTS)).withQueryParam("cursor", matching("Wyc.*")).inScenario("page 2")
        .whenScenarioStateIs("recovered").willReturn(page("events-page-3.json")));

    Result result = events.search(List.of(lookup("page-1-key", "alice@x.example"),
        lookup("page-3-key", "alice@x.example")), until());

    assertThat(((Found) result).events()).hasSize(2);
    assertThat(result.requests()).isEqualTo(3);
    verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withQueryParam("cursor", equalTo("initial")));
  }

  @Test
  void endsUnavailableWhenServerErrorsOutlastTheTries() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(json(503, "responses/503-unavailable.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    Unavailable unavailable = (Unavailable) result;
    assertThat(unavailable.failure().statusCode()).isEqualTo(503);
    assertThat(unavailable.failure().summary()).contains("gave up after 4 tries").contains("HTTP 503");
    assertThat(unavailable.requests()).isEqualTo(4);
    assertThat(sleeps).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
    verify(4, getRequestedFor(urlPathEqualTo(EVENTS)));
  }

  @Test
  void endsUnavailableWithoutWaitingWhenRetryAfterExceedsTheCap() {
    stubFor(get(urlPathEqualTo(EVENTS))
        .willReturn(json(429, "responses/429-rate-limited.json").withHeader("Retry-After", "120")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).retryAfter()).isEqualTo(Duration.ofSeconds(120));
    assertThat(((Unavailable) result).failure().statusCode()).isEqualTo(429);
    assertThat(result.requests()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void endsUnavailableWithoutMoreRequestsOnceRetryBudgetIsSpent() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(json(500, "responses/500-internal.json")));
    EventsClient budgeted = client(config(wireMock).build(), new EventsRetryBudget(clock, 1, Duration.ofHours(1)));

    Result first = budgeted.search(List.of(lookup("order-1001", "alice@x.example")), until());
    Result second = budgeted.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(first).isInstanceOf(Unavailable.class);
    assertThat(first.requests()).isEqualTo(2);
    assertThat(second).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) second).failure().summary()).contains("retry budget spent").contains("HTTP 500");
    assertThat(second.requests()).isEqualTo(1);
    verify(3, getRequestedFor(urlPathEqualTo(EVENTS)));
  }

  @Test
  void endsUnavailableWhenEveryTryTimesOut() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(page("events-injection.json").withFixedDelay(1_000)));
    EventsClient impatient = client(config(wireMock).readTimeout(Duration.ofMillis(150)).build(),
        EventsRetryBudget.withDefaults(clock));

    Result result = impatient.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().summary()).contains("timed out");
    assertThat(((Unavailable) result).failure().statusCode()).isNull();
    assertThat(result.requests()).isEqualTo(4);
  }

  @Test
  void endsUnavailableWhenSparkPostCannotBeReached() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    EventsClient unreachable = client(config(wireMock).endpoint(Endpoint.custom("http://127.0.0.1:" + closedPort))
        .build(), EventsRetryBudget.withDefaults(clock));

    Result result = unreachable.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().summary()).contains("could not connect to 127.0.0.1:" + closedPort);
    assertThat(result.requests()).isEqualTo(4);
  }

  @Test
  void retriesConnectionResetThenFinds() {
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("reset").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("recovered"));
    stubFor(get(urlPathEqualTo(EVENTS)).inScenario("reset").whenScenarioStateIs("recovered")
        .willReturn(page("events-injection.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(event(result, "order-1001").type()).isEqualTo(EventType.INJECTION);
    assertThat(result.requests()).isEqualTo(2);
  }

  @Test
  void forbiddenAt403NamesTheMissingGrantWithoutRetrying() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(json(403, "responses/403-permission-denied.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Forbidden.class);
    Forbidden forbidden = (Forbidden) result;
    assertThat(forbidden.failure().summary())
        .contains("HTTP 403")
        .contains("the API key lacks the \"Events Search: Read-only\" grant");
    assertThat(forbidden.failure().statusCode()).isEqualTo(403);
    assertThat(forbidden.requests()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void forbiddenAt401() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(json(401, "responses/401-unauthorized.json")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Forbidden.class);
    assertThat(((Forbidden) result).failure().summary()).contains("HTTP 401").contains("Events Search: Read-only");
    assertThat(result.requests()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404, 422})
  void clientErrorIsUnavailableWithSparkPostsMessageAndNotRetried(int status) {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"errors\":[{\"message\":\"invalid parameter\",\"description\":\"from must be before to\"}]}")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().statusCode()).isEqualTo(status);
    assertThat(((Unavailable) result).failure().providerMessage()).isEqualTo("invalid parameter: from must be before to");
    assertThat(result.requests()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"results\": [", "<html><body>Service temporarily unavailable</body></html>",
      "{\"results\": {\"id\": \"1\"}}", "[]", "", "{\"results\": []} trailing"})
  void unreadablePageIsUnavailable(String body) {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(200).withBody(body)));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().summary()).contains("not SparkPost's events JSON");
    assertThat(result.requests()).isEqualTo(1);
  }

  @Test
  void doesNotFollowNextLinkToAnotherHost() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(200)
        .withBody("{\"results\":[],\"links\":{\"next\":\"https://evil.example/api/v1/events/message?cursor=x\"}}")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().summary()).contains("links.next").contains("not followed");
    assertThat(result.requests()).isEqualTo(1);
  }

  @Test
  void stopsWhenNextLinkRepeats() {
    stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(200)
        .withBody("{\"results\":[],\"links\":{\"next\":\"/api/v1/events/message?cursor=same\"}}")));

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(((Unavailable) result).failure().summary()).contains("repeated");
    assertThat(result.requests()).isEqualTo(2);
  }

  @Test
  void searchAfterCloseIsUnavailableWithoutRequests() {
    events.close();

    Result result = events.search(List.of(lookup("order-1001", "alice@x.example")), until());

    assertThat(result).isInstanceOf(Unavailable.class);
    assertThat(result.requests()).isZero();
    verify(0, getRequestedFor(urlPathEqualTo(EVENTS)));
  }

  @Test
  void searchWithoutLookupsFindsNothingWithoutRequests() {
    Result result = events.search(List.of(), until());

    assertThat(result).isEqualTo(new Found(java.util.Map.of(), 0));
    verify(0, getRequestedFor(urlPathEqualTo(EVENTS)));
  }

  @Test
  void doesNotRetryAServerWhoseCertificateIsNotTrusted() throws Exception {
    try (UntrustedTlsServer server = UntrustedTlsServer.start()) {
      EventsClient untrusted = client(config(wireMock).endpoint(Endpoint.custom(server.baseUrl())).build(),
          EventsRetryBudget.withDefaults(clock));

      Result result = untrusted.search(List.of(lookup("order-1001", "alice@x.example")), until());

      assertThat(result).isInstanceOfSatisfying(Unavailable.class, unavailable -> {
        assertThat(unavailable.failure().summary()).contains("localhost:" + server.port(), "is not trusted",
            "trust store");
        assertThat(unavailable.requests()).isEqualTo(1);
      });
      assertThat(sleeps).isEmpty();
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  private EventsClient client(SteadfastConfig config, EventsRetryBudget budget) {
    EventsClient client = new EventsClient(config, EventsRetry.DEFAULT, budget, duration -> {
      sleeps.add(duration);
      clock.advance(duration);
    }, () -> 0.5);
    clients.add(client);
    return client;
  }

  private SteadfastConfig.Builder config(WireMockRuntimeInfo wireMock) {
    return SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl()))
        .clock(clock)
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5))
        .writeTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofSeconds(10));
  }

  private Instant until() {
    return clock.instant();
  }

  static Lookup lookup(String key, String... recipients) {
    return new Lookup(IdempotencyKey.of(key), List.of(recipients), null, null, SENT);
  }

  private static Event event(Result result, String key) {
    assertThat(result).isInstanceOf(Found.class);
    Event event = ((Found) result).events().get(IdempotencyKey.of(key));
    assertThat(event).as("event for key %s", key).isNotNull();
    return event;
  }

  static ResponseDefinitionBuilder page(String fixture) {
    return json(200, fixture);
  }

  static ResponseDefinitionBuilder json(int status, String fixture) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withHeader("X-SparkPost-Request-Id", "req-" + status).withBody(sparkpost(fixture));
  }

  /** Returns the text of {@code src/test/resources/sparkpost/<path>}. */
  static String sparkpost(String path) {
    try (InputStream in = EventsClientTest.class.getResourceAsStream("/sparkpost/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource sparkpost/" + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
