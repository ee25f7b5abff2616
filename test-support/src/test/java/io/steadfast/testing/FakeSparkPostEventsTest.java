package io.steadfast.testing;

import static io.steadfast.testing.Http.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class FakeSparkPostEventsTest {

  private static final Instant START = FakeClock.DEFAULT_START;

  /** A window around the whole test, as a reconciling client would pass it. */
  private static final String WINDOW = "from=2019-05-23T21:00:00Z&to=2019-05-24T00:00:00Z";

  private final FakeSparkPost fake = FakeSparkPost.start(API_KEY);
  private final FakeClock clock = new FakeClock(START);

  @BeforeEach
  void useFakeClock() {
    fake.clock(clock);
  }

  @AfterEach
  void closeFake() {
    fake.close();
  }

  @Test
  void acceptedTransmissionProducesInjectionWithTheDocumentedFields() {
    String json =
        "{\"campaign_id\":\"spring\",\"metadata\":{\"steadfast_idempotency_key\":\"k-1\",\"a\":\"t\"},"
            + "\"recipients\":[{\"address\":{\"email\":\"Wilma@Example.com\",\"name\":\"W\"},"
            + "\"tags\":[\"vip\"],\"metadata\":{\"a\":\"r\",\"b\":2}}],"
            + "\"content\":{\"from\":\"fred@example.com\",\"subject\":\"Hi\",\"text\":\"Hi\"}}";
    String transmissionId = Http.json(Http.post(fake, json)).at("/results/id").stringValue();

    JsonNode result = search(WINDOW).path("results").get(0);

    assertThat(result.path("type").stringValue()).isEqualTo("injection");
    assertThat(result.path("event_id").stringValue()).matches("[0-9]+");
    assertThat(result.path("timestamp").stringValue()).isEqualTo("2019-05-23T21:14:00.000Z");
    assertThat(result.path("injection_time").stringValue()).isEqualTo("2019-05-23T21:14:00.000Z");
    assertThat(result.path("transmission_id").stringValue()).isEqualTo(transmissionId);
    assertThat(result.path("message_id").stringValue()).matches("[0-9a-f]{20}");
    assertThat(result.path("rcpt_to").stringValue()).isEqualTo("wilma@example.com");
    assertThat(result.path("raw_rcpt_to").stringValue()).isEqualTo("Wilma@Example.com");
    assertThat(result.path("rcpt_meta").path("steadfast_idempotency_key").stringValue())
        .isEqualTo("k-1");
    assertThat(result.path("rcpt_meta").path("a").stringValue()).isEqualTo("r");
    assertThat(result.path("rcpt_meta").path("b").intValue()).isEqualTo(2);
    assertThat(result.path("rcpt_tags").get(0).stringValue()).isEqualTo("vip");
    assertThat(result.path("campaign_id").stringValue()).isEqualTo("spring");
    assertThat(result.path("recv_method").stringValue()).isEqualTo("rest");
  }

  @Test
  void injectionBecomesVisibleOnlyAfterTheLagOnTheFakesClock() {
    fake.eventLag(Duration.ofSeconds(30));
    send("k-lag", "wilma@example.com");

    int before = search(WINDOW).path("total_count").intValue();
    clock.advance(Duration.ofSeconds(29));
    int almost = search(WINDOW).path("total_count").intValue();
    clock.advance(Duration.ofSeconds(1));
    JsonNode after = search(WINDOW);

    assertThat(before).isZero();
    assertThat(almost).isZero();
    assertThat(after.path("total_count").intValue()).isEqualTo(1);
    assertThat(after.at("/results/0/rcpt_meta/steadfast_idempotency_key").stringValue())
        .isEqualTo("k-lag");
  }

  @Test
  void lostEventsNeverBecomeVisibleButAreRecorded() {
    send("k-lost", "wilma@example.com");
    fake.loseEventsFor("k-lost");
    send("k-kept", "betty@example.com");

    clock.advance(Duration.ofHours(1));
    JsonNode found = search(WINDOW);

    assertThat(found.path("total_count").intValue()).isEqualTo(1);
    assertThat(found.at("/results/0/rcpt_to").stringValue()).isEqualTo("betty@example.com");
    assertThat(fake.eventsFor("k-lost")).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(MessageEvent.INJECTION);
      assertThat(e.visibleAt()).isNull();
    });
  }

  @Test
  void pagesThroughThreePagesWithPerPageAndLinksNext() {
    for (int i = 0; i < 5; i++) {
      send("k-" + i, "r" + i + "@example.com");
      clock.advance(Duration.ofSeconds(1));
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String link = "/api/v1/events/message?" + WINDOW + "&events=injection&per_page=2&cursor=initial";
    while (link != null) {
      JsonNode page = Http.json(get(link));
      assertThat(page.path("total_count").intValue()).isEqualTo(5);
      pageSizes.add(page.path("results").size());
      for (JsonNode event : page.path("results")) {
        seen.add(event.path("rcpt_to").stringValue());
      }
      JsonNode next = page.path("links").path("next");
      link = next.isString() ? next.stringValue() : null;
    }

    assertThat(pageSizes).containsExactly(2, 2, 1);
    // Newest first, as SparkPost lists them, and each event exactly once.
    assertThat(seen)
        .containsExactly(
            "r4@example.com", "r3@example.com", "r2@example.com", "r1@example.com", "r0@example.com");
    List<RecordedEventsRequest> requests = fake.eventsRequests();
    assertThat(requests).hasSize(3);
    assertThat(requests.get(1).parameter("per_page")).isEqualTo("2");
    assertThat(requests.get(1).parameter("events")).isEqualTo("injection");
    assertThat(requests.get(1).parameter("from")).isEqualTo("2019-05-23T21:00:00Z");
    assertThat(requests.get(1).parameter("to")).isEqualTo("2019-05-24T00:00:00Z");
    assertThat(requests.get(1).parameter("cursor")).isNotEqualTo("initial");
  }

  @Test
  void lastPageHasEmptyLinks() {
    send("k-1", "wilma@example.com");

    JsonNode page = search(WINDOW + "&cursor=initial");

    assertThat(page.path("links").isObject()).isTrue();
    assertThat(page.path("links").size()).isZero();
  }

  @Test
  void recipientsFilterMatchesRcptToIgnoringCase() {
    send("k-w", "Wilma@Example.com");
    send("k-b", "betty@example.com");
    send("k-f", "fred@example.com");

    JsonNode found = search(WINDOW + "&recipients=WILMA@example.com,%20fred@example.com");

    assertThat(found.path("total_count").intValue()).isEqualTo(2);
    assertThat(rcptMetaKeys(found)).containsExactlyInAnyOrder("k-w", "k-f");
    assertThat(fake.eventsRequests().get(0).list("recipients"))
        .containsExactly("WILMA@example.com", "fred@example.com");
  }

  @Test
  void campaignsAndTemplatesFiltersSelectByTransmissionFields() {
    Http.post(fake, transmission("k-spring", "a@example.com", "\"campaign_id\":\"spring\","));
    Http.post(fake, transmission("k-summer", "b@example.com", "\"campaign_id\":\"summer\","));
    Http.post(
        fake,
        "{\"metadata\":{\"steadfast_idempotency_key\":\"k-template\"},"
            + "\"recipients\":[{\"address\":\"c@example.com\"}],"
            + "\"content\":{\"template_id\":\"black_friday\"}}");

    JsonNode spring = search(WINDOW + "&campaigns=spring");
    JsonNode template = search(WINDOW + "&templates=black_friday");
    JsonNode none = search(WINDOW + "&campaigns=autumn");

    assertThat(rcptMetaKeys(spring)).containsExactly("k-spring");
    assertThat(rcptMetaKeys(template)).containsExactly("k-template");
    assertThat(template.at("/results/0/template_id").stringValue()).isEqualTo("black_friday");
    assertThat(none.path("total_count").intValue()).isZero();
  }

  @Test
  void transmissionsFilterSelectsOneTransmission() {
    send("k-1", "a@example.com");
    String id = Http.json(send("k-2", "b@example.com")).at("/results/id").stringValue();

    JsonNode found = search(WINDOW + "&transmissions=" + id);

    assertThat(rcptMetaKeys(found)).containsExactly("k-2");
  }

  @Test
  void fromIsInclusiveAndToIsExclusive() {
    send("k-at-start", "a@example.com"); // 21:14:00.000
    clock.advance(Duration.ofMinutes(1));
    send("k-at-end", "b@example.com"); // 21:15:00.000

    JsonNode window = search("from=2019-05-23T21:14:00Z&to=2019-05-23T21:15:00Z");
    JsonNode later = search("from=2019-05-23T21:14:00.001Z&to=2019-05-23T21:15:00.001Z");

    assertThat(rcptMetaKeys(window)).containsExactly("k-at-start");
    assertThat(rcptMetaKeys(later)).containsExactly("k-at-end");
  }

  @Test
  void malformedFromIsA400NamingTheParameterAndValue() {
    HttpResponse<String> response =
        get("/api/v1/events/message?from=23-05-2019&to=2019-05-24T00:00:00Z");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = Http.errors(response).get(0);
    assertThat(error.path("param").stringValue()).isEqualTo("from");
    assertThat(error.path("value").stringValue()).isEqualTo("23-05-2019");
    assertThat(error.path("message").stringValue()).isNotBlank();
  }

  @Test
  void refusesPerPageAboveTenThousandAndUnknownEventTypes() {
    HttpResponse<String> perPage = get("/api/v1/events/message?" + WINDOW + "&per_page=10001");
    HttpResponse<String> events = get("/api/v1/events/message?" + WINDOW + "&events=injected");

    assertThat(perPage.statusCode()).isEqualTo(400);
    assertThat(Http.errors(perPage).get(0).path("param").stringValue()).isEqualTo("per_page");
    assertThat(events.statusCode()).isEqualTo(400);
    assertThat(Http.errors(events).get(0).path("param").stringValue()).isEqualTo("events");
  }

  @Test
  void withoutFromAndToSearchesTheLast24HoursOfTheFakesClock() {
    send("k-old", "a@example.com");
    clock.advance(Duration.ofHours(25));
    send("k-new", "b@example.com");

    JsonNode found = search("");

    assertThat(rcptMetaKeys(found)).containsExactly("k-new");
  }

  @Test
  void suppressedRecipientGetsPolicyRejectionAndTheOthersInjection() {
    fake.suppress("Betty@example.com");
    String json =
        "{\"metadata\":{\"steadfast_idempotency_key\":\"k-s\"},"
            + "\"recipients\":[{\"address\":\"wilma@example.com\"},{\"address\":\"betty@example.com\"}],"
            + "\"content\":{\"from\":\"fred@example.com\",\"subject\":\"Hi\",\"text\":\"Hi\"}}";
    assertThat(Http.post(fake, json).statusCode()).isEqualTo(200);

    JsonNode rejections = search(WINDOW + "&events=policy_rejection");
    JsonNode injections = search(WINDOW + "&events=injection");

    assertThat(rejections.path("total_count").intValue()).isEqualTo(1);
    assertThat(rejections.at("/results/0/rcpt_to").stringValue()).isEqualTo("betty@example.com");
    assertThat(rejections.at("/results/0/reason").stringValue())
        .isEqualTo("550 5.7.1 Recipient address was suppressed due to customer policy");
    assertThat(injections.at("/results/0/rcpt_to").stringValue()).isEqualTo("wilma@example.com");
    assertThat(injections.path("total_count").intValue()).isEqualTo(1);
  }

  @Test
  void generationFailureReplacesInjectionForEveryRecipientOfTheKey() {
    fake.failGeneration("k-g", "554 5.3.3 [internal] Error while rendering part html");
    send("k-g", "wilma@example.com");
    send("k-ok", "betty@example.com");

    JsonNode failures = search(WINDOW + "&events=generation_failure");

    assertThat(rcptMetaKeys(failures)).containsExactly("k-g");
    assertThat(failures.at("/results/0/reason").stringValue())
        .isEqualTo("554 5.3.3 [internal] Error while rendering part html");
    assertThat(fake.transmissionCountFor("k-g")).isEqualTo(1);
    assertThat(rcptMetaKeys(search(WINDOW + "&events=injection"))).containsExactly("k-ok");
  }

  @Test
  void generationRejectionIsReportedWithItsReason() {
    fake.rejectGeneration("k-r", "550 5.7.1 [internal] Message generation rejected");
    send("k-r", "wilma@example.com");

    JsonNode found = search(WINDOW);

    assertThat(found.at("/results/0/type").stringValue()).isEqualTo("generation_rejection");
    assertThat(found.at("/results/0/reason").stringValue())
        .isEqualTo("550 5.7.1 [internal] Message generation rejected");
  }

  @Test
  void storedListProducesOneEventPerConfiguredMember() {
    fake.storedList("christmas", List.of("a@example.com", "b@example.com"));
    Http.post(
        fake,
        "{\"metadata\":{\"steadfast_idempotency_key\":\"k-list\"},"
            + "\"recipients\":{\"list_id\":\"christmas\"},"
            + "\"content\":{\"from\":\"fred@example.com\",\"subject\":\"Hi\",\"text\":\"Hi\"}}");

    assertThat(fake.eventsFor("k-list"))
        .extracting(MessageEvent::rcptTo)
        .containsExactlyInAnyOrder("a@example.com", "b@example.com");
  }

  @Test
  void rateLimitFaultAnswers429WithRetryAfterThenSearchesResume() {
    fake.enqueueEvents(FakeResponse.rateLimited(Duration.ofSeconds(3)));

    HttpResponse<String> limited = get("/api/v1/events/message?" + WINDOW);
    HttpResponse<String> normal = get("/api/v1/events/message?" + WINDOW);

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(Http.errors(limited).get(0).path("message").stringValue())
        .isEqualTo("Too many requests");
    assertThat(normal.statusCode()).isEqualTo(200);
    assertThat(fake.eventsRequests()).extracting(RecordedEventsRequest::status).containsExactly(429, 200);
    assertThat(fake.eventsRequests()).extracting(RecordedEventsRequest::scripted).containsExactly(true, false);
  }

  @Test
  void outageFaultsAnswerTheNextNSearchesWith503And502CouldNotProceed() {
    fake.enqueueEvents(2, FakeResponse.serverError(503));
    fake.enqueueEvents(FakeResponse.couldNotProceed());

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      statuses.add(get("/api/v1/events/message?" + WINDOW).statusCode());
    }

    assertThat(statuses).containsExactly(503, 503, 502, 200);
  }

  @Test
  void eventsFaultsDoNotTouchTransmissionsAndTransmissionFaultsDoNotTouchSearches() {
    fake.alwaysRespondToEvents(FakeResponse.couldNotProceed());
    fake.alwaysRespond(FakeResponse.serverError(503));

    HttpResponse<String> search = get("/api/v1/events/message?" + WINDOW);
    HttpResponse<String> send = send("k-1", "a@example.com");
    fake.resumeEvents();
    HttpResponse<String> searchAgain = get("/api/v1/events/message?" + WINDOW);

    assertThat(search.statusCode()).isEqualTo(502);
    assertThat(Http.errors(search).get(0).path("message").stringValue())
        .isEqualTo("Could not proceed");
    assertThat(send.statusCode()).isEqualTo(503);
    assertThat(searchAgain.statusCode()).isEqualTo(200);
    assertThat(fake.requests()).hasSize(1);
    assertThat(fake.eventsRequests()).hasSize(2);
  }

  @Test
  void standingForbiddenAnswersEverySearchUntilResumed() {
    fake.alwaysRespondToEvents(FakeResponse.forbidden());

    int first = get("/api/v1/events/message?" + WINDOW).statusCode();
    int second = get("/api/v1/events/message?" + WINDOW).statusCode();
    fake.resumeEvents();
    int resumed = get("/api/v1/events/message?" + WINDOW).statusCode();

    assertThat(first).isEqualTo(403);
    assertThat(second).isEqualTo(403);
    assertThat(resumed).isEqualTo(200);
  }

  @Test
  void malformedJsonFaultSends200WithABodyThatDoesNotParse() {
    fake.enqueueEvents(FakeResponse.malformedJson());

    HttpResponse<String> response = get("/api/v1/events/message?" + WINDOW);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> Json.MAPPER.readTree(response.body()))
        .isInstanceOf(tools.jackson.core.JacksonException.class);
  }

  @Test
  void garbageFaultBreaksTheSearchConnection() {
    fake.enqueueEvents(FakeResponse.garbage());

    assertThatThrownBy(() -> Http.sendOrThrow(searchRequest(WINDOW).build()))
        .isInstanceOf(IOException.class);
    assertThat(fake.eventsRequests()).singleElement().satisfies(r -> assertThat(r.status()).isNull());
  }

  @Test
  void slowSearchOutlastsTheClientsTimeout() {
    fake.enqueueEvents(FakeResponse.accepted().delayed(Duration.ofSeconds(3)));

    assertThatThrownBy(
            () -> Http.sendOrThrow(searchRequest(WINDOW).timeout(Duration.ofMillis(300)).build()))
        .isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void seededEventsFaultPlanAnswersWithItsMix() {
    fake.eventsFaults(
        FaultPlan.builder(7)
            .add(1, FakeResponse.accepted())
            .add(1, FakeResponse.rateLimited(Duration.ZERO))
            .build());

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      statuses.add(get("/api/v1/events/message?" + WINDOW).statusCode());
    }

    assertThat(statuses).contains(200, 429).containsOnly(200, 429);
  }

  @Test
  void uriLongerThan4096CharactersGets414() {
    StringBuilder recipients = new StringBuilder();
    while (recipients.length() < 4096) {
      recipients.append("someone.with.a.long.address@example.com,");
    }

    HttpResponse<String> response = get("/api/v1/events/message?" + WINDOW + "&recipients=" + recipients);
    HttpResponse<String> justFits =
        get("/api/v1/events/message?" + WINDOW + "&x=" + "a".repeat(4096 - "/api/v1/events/message?&x=".length() - WINDOW.length()));

    assertThat(response.statusCode()).isEqualTo(414);
    assertThat(justFits.statusCode()).isEqualTo(200);
    assertThat(fake.eventsRequests().get(0).uriLength()).isGreaterThan(4096);
    assertThat(fake.eventsRequests().get(1).uriLength()).isLessThanOrEqualTo(4096);
  }

  @Test
  void searchWithWrongKeyGets401() {
    HttpResponse<String> response =
        Http.send(
            Http.request(fake, "/api/v1/events/message?" + WINDOW)
                .header("Authorization", "sk-wrong")
                .GET()
                .build());

    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void subaccountHeaderLimitsTheSearchToThatSubaccount() {
    Http.send(
        Http.transmission(fake, transmission("k-sub", "a@example.com", ""))
            .header("X-MSYS-SUBACCOUNT", "123")
            .build());
    send("k-master", "b@example.com");

    JsonNode sub =
        Http.json(Http.send(searchRequest(WINDOW).header("X-MSYS-SUBACCOUNT", "123").build()));

    assertThat(rcptMetaKeys(sub)).containsExactly("k-sub");
    assertThat(sub.at("/results/0/subaccount_id").longValue()).isEqualTo(123);
  }

  @Test
  void acceptedThenDroppedGivesNoReplyYetRecordsTheTransmissionAndItsEvents() {
    fake.enqueue(FakeResponse.acceptedThenDropped());

    assertThatThrownBy(
            () -> Http.sendOrThrow(Http.transmission(fake, transmission("k-d", "a@example.com", "")).build()))
        .isInstanceOf(IOException.class);

    assertThat(fake.transmissionCountFor("k-d")).isEqualTo(1);
    assertThat(fake.acceptedKeys()).containsExactly("k-d");
    assertThat(fake.requests()).singleElement().satisfies(r -> {
      assertThat(r.status()).isNull();
      assertThat(r.accepted()).isTrue();
      assertThat(r.scripted()).isTrue();
    });
    assertThat(rcptMetaKeys(search(WINDOW))).containsExactly("k-d");
  }

  @Test
  void delayedAcceptedThenDroppedTimesTheClientOutAfterRecordingTheTransmission() {
    fake.enqueue(FakeResponse.acceptedThenDropped().delayed(Duration.ofSeconds(3)));

    assertThatThrownBy(
            () ->
                Http.sendOrThrow(
                    Http.transmission(fake, transmission("k-slow", "a@example.com", ""))
                        .timeout(Duration.ofMillis(300))
                        .build()))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat(fake.transmissionCountFor("k-slow")).isEqualTo(1);
    assertThat(fake.eventsFor("k-slow")).hasSize(1);
  }

  @Test
  void cursorThatTheFakeDidNotIssueIsA400() {
    HttpResponse<String> response =
        get("/api/v1/events/message?" + WINDOW + "&cursor=not-a-cursor");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Http.errors(response).get(0).path("param").stringValue()).isEqualTo("cursor");
  }

  @Test
  void resendingAfterADroppedReplyCountsAsADuplicateOfTheKey() {
    fake.enqueue(1, FakeResponse.acceptedThenDropped());
    String json = transmission("k-d", "a@example.com", "");
    assertThatThrownBy(() -> Http.sendOrThrow(Http.transmission(fake, json).build()))
        .isInstanceOf(IOException.class);

    HttpResponse<String> resent = Http.post(fake, json);

    assertThat(resent.statusCode()).isEqualTo(200);
    assertThat(fake.transmissionCountFor("k-d")).isEqualTo(2);
    assertThat(fake.duplicatesFor("k-d")).isEqualTo(1);
    assertThat(fake.eventsFor("k-d")).hasSize(2);
  }

  @Test
  void acceptedThenDroppedByFractionDropsAboutThatShareAndAcceptsEveryRequest() {
    fake.faults(FaultPlan.acceptedThenDropped(42, 30));

    int dropped = 0;
    for (int i = 0; i < 100; i++) {
      try {
        Http.sendOrThrow(Http.transmission(fake, transmission("k-" + i, "a@example.com", "")).build());
      } catch (IOException e) {
        dropped++;
      }
    }

    assertThat(dropped).isBetween(15, 45);
    assertThat(fake.acceptedKeys()).hasSize(100);
    assertThat(fake.duplicateCount()).isZero();
    assertThat(fake.events()).hasSize(100);
  }

  @Test
  void outageScenarioPhaseCanDropRepliesAfterAcceptance() {
    fake.play(
        OutageScenario.builder()
            .phase("healthy", 5, FaultPlan.healthy())
            .last("lossy", FaultPlan.healthy())
            .withAcceptedThenDropped("lossy", 100));

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      try {
        statuses.add(Http.sendOrThrow(Http.transmission(fake, transmission("k-" + i, "a@example.com", "")).build()).statusCode());
      } catch (IOException e) {
        statuses.add(-1);
      }
    }

    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, -1, -1, -1);
    assertThat(fake.acceptedKeys()).hasSize(8);
    assertThat(fake.requestsByPhase()).containsEntry("healthy", 5).containsEntry("lossy", 3);
  }

  @Test
  void smtpInjectionIsSearchableWithRecvMethodEsmtpAndTheHeaderMetadata() {
    List<MessageEvent> recorded =
        fake.recordSmtpInjection(
            "{\"campaign_id\":\"smtp-camp\",\"metadata\":{\"steadfast_idempotency_key\":\"k-smtp\"},"
                + "\"tags\":[\"t1\"]}",
            List.of("Wilma@example.com"));

    JsonNode found = search(WINDOW + "&recipients=wilma@example.com");

    assertThat(recorded).singleElement().satisfies(e -> assertThat(e.idempotencyKey()).isEqualTo("k-smtp"));
    assertThat(found.path("total_count").intValue()).isEqualTo(1);
    JsonNode event = found.path("results").get(0);
    assertThat(event.path("type").stringValue()).isEqualTo("injection");
    assertThat(event.path("recv_method").stringValue()).isEqualTo("esmtp");
    assertThat(event.at("/rcpt_meta/steadfast_idempotency_key").stringValue()).isEqualTo("k-smtp");
    assertThat(event.at("/rcpt_tags/0").stringValue()).isEqualTo("t1");
    assertThat(event.path("campaign_id").stringValue()).isEqualTo("smtp-camp");
    assertThat(fake.transmissions()).isEmpty();
  }

  @Test
  void smtpInjectionRefusesAHeaderThatIsNotAJsonObject() {
    assertThatThrownBy(() -> fake.recordSmtpInjection("{not json", List.of("a@example.com")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(fake.events()).isEmpty();
  }

  @Test
  void resetForgetsEventsAndSearches() {
    send("k-1", "a@example.com");
    search(WINDOW);
    fake.eventLag(Duration.ofHours(1));

    fake.reset();
    send("k-2", "b@example.com");

    assertThat(fake.eventsRequests()).isEmpty();
    assertThat(rcptMetaKeys(search(WINDOW))).containsExactly("k-2");
  }

  private HttpResponse<String> send(String key, String recipient) {
    return Http.post(fake, transmission(key, recipient, ""));
  }

  private static String transmission(String key, String recipient, String extraMembers) {
    return "{"
        + extraMembers
        + "\"metadata\":{\"steadfast_idempotency_key\":\""
        + key
        + "\"},\"recipients\":[{\"address\":{\"email\":\""
        + recipient
        + "\"}}],\"content\":{\"from\":\"fred@example.com\",\"subject\":\"Hi\",\"text\":\"Hi\"}}";
  }

  private HttpRequest.Builder searchRequest(String query) {
    return Http.request(fake, "/api/v1/events/message?" + query).header("Authorization", API_KEY).GET();
  }

  private HttpResponse<String> get(String pathAndQuery) {
    return Http.send(Http.request(fake, pathAndQuery).header("Authorization", API_KEY).GET().build());
  }

  private JsonNode search(String query) {
    HttpResponse<String> response = Http.send(searchRequest(query).build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Http.json(response);
  }

  private static List<String> rcptMetaKeys(JsonNode page) {
    List<String> keys = new ArrayList<>();
    for (JsonNode event : page.path("results")) {
      keys.add(event.at("/rcpt_meta/steadfast_idempotency_key").stringValue());
    }
    return keys;
  }
}
