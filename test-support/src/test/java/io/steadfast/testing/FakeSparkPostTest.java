package io.steadfast.testing;

import static io.steadfast.testing.Http.API_KEY;
import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class FakeSparkPostTest {

  private final FakeSparkPost fake = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    fake.close();
  }

  @Test
  void acceptsValidTransmissionWith200AndSparkPostResultShape() {
    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode results = Http.json(response).path("results");
    assertThat(results.path("total_rejected_recipients").intValue()).isZero();
    assertThat(results.path("total_accepted_recipients").intValue()).isEqualTo(1);
    assertThat(results.path("id").isString()).isTrue();
    assertThat(results.path("id").stringValue()).matches("[0-9]+");
  }

  @Test
  void successBodyHasTheFieldsOfSparkPostsDocumentedExample() {
    JsonNode documented = Json.MAPPER.readTree(Http.example("transmission-accepted.json"));

    JsonNode answered = Http.json(Http.post(fake, VALID));

    assertThat(answered.propertyNames()).containsExactlyElementsOf(documented.propertyNames());
    assertThat(answered.path("results").propertyNames())
        .containsExactlyInAnyOrderElementsOf(documented.path("results").propertyNames());
  }

  @Test
  void countsInlineRecipientsAsAccepted() {
    String threeRecipients =
        Http.with(
            VALID,
            "/recipients",
            "[{\"address\":\"a@example.com\"},{\"address\":\"b@example.com\"},"
                + "{\"address\":{\"email\":\"c@example.com\",\"name\":\"C\"}}]");

    HttpResponse<String> response = Http.post(fake, threeRecipients);

    assertThat(Http.json(response).at("/results/total_accepted_recipients").intValue())
        .isEqualTo(3);
  }

  @Test
  void reportsOneAcceptedRecipientForStoredRecipientList() {
    String storedList = Http.with(VALID, "/recipients", "{\"list_id\":\"christmas_sales_2013\"}");

    HttpResponse<String> response = Http.post(fake, storedList);

    assertThat(response.statusCode()).isEqualTo(200);
    // The fake holds no lists; 0 would read as "every recipient rejected" (issue #20.6).
    assertThat(Http.json(response).at("/results/total_accepted_recipients").intValue()).isOne();
  }

  @Test
  void answersEveryResponseWithFreshRequestId() {
    HttpResponse<String> accepted = Http.post(fake, VALID);
    HttpResponse<String> refused = Http.post(fake, "{}");
    fake.enqueue(FakeResponse.serverError(503));
    HttpResponse<String> scripted = Http.post(fake, VALID);

    List<String> ids = new ArrayList<>();
    for (HttpResponse<String> response : List.of(accepted, refused, scripted)) {
      String id = response.headers().firstValue("X-SparkPost-Request-Id").orElseThrow();
      assertThat(UUID.fromString(id).toString()).isEqualTo(id);
      ids.add(id);
    }
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void recordsAcceptedTransmissionAsSent() {
    HttpResponse<String> response =
        Http.send(Http.transmission(fake, VALID).header("User-Agent-Extra", "steadfast").build());

    RecordedTransmission transmission = fake.transmissions().get(0);
    assertThat(transmission.id()).isEqualTo(Http.json(response).at("/results/id").stringValue());
    assertThat(transmission.json()).isEqualTo(VALID);
    assertThat(transmission.at("/content/subject")).isEqualTo("Hello");
    assertThat(transmission.at("/recipients/0/address/email")).isEqualTo("wilma@example.com");
    assertThat(transmission.header("user-agent-extra")).isEqualTo("steadfast");
    assertThat(transmission.header("Content-Type")).isEqualTo("application/json");
    assertThat(transmission.receivedAt()).isNotNull();
    assertThat(transmission.authorizedWith(API_KEY)).isTrue();
    assertThat(transmission.authorizedWith("another-key")).isFalse();
  }

  @Test
  void redactsAuthorizationInRecordedHeaders() {
    Http.post(fake, VALID);

    assertThat(fake.transmissions().get(0).header("Authorization")).isEqualTo("[redacted]");
    assertThat(fake.requests().get(0).header("Authorization")).isEqualTo("[redacted]");
  }

  @Test
  void neverPrintsTheApiKeyInRecordingsOrItself() {
    Http.post(fake, VALID);
    Http.post(fake, "{}");
    fake.enqueue(FakeResponse.serverError(500));
    Http.post(fake, VALID);

    assertThat(fake.transmissions()).hasSize(1);
    assertThat(fake.requests()).hasSize(3);
    assertThat(fake.transmissions().toString()).doesNotContain(API_KEY);
    assertThat(fake.requests().toString()).doesNotContain(API_KEY);
    assertThat(fake.toString()).doesNotContain(API_KEY).contains(fake.baseUrl().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "sk-wrong", "Bearer " + API_KEY})
  void rejectsMissingOrWrongKeyWith401(String authorization) {
    HttpRequest.Builder request =
        Http.request(fake, "/api/v1/transmissions")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(VALID));
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }

    HttpResponse<String> response = Http.send(request.build());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(Http.json(response).toString())
        .isEqualTo("{\"errors\":[{\"message\":\"Unauthorized.\"}]}");
    assertThat(fake.transmissions()).isEmpty();
    assertThat(fake.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(401));
  }

  @Test
  void acceptsKeyAsBasicAuthenticationUserName() {
    String basic =
        "Basic "
            + Base64.getEncoder().encodeToString((API_KEY + ":").getBytes(StandardCharsets.UTF_8));

    HttpResponse<String> response =
        Http.send(Http.transmission(fake, VALID).setHeader("Authorization", basic).build());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fake.transmissions().get(0).authorizedWith(API_KEY)).isTrue();
  }

  @Test
  void startedWithoutKeyAcceptsAnyNonBlankKey() {
    try (FakeSparkPost anyKey = FakeSparkPost.start()) {
      HttpResponse<String> accepted =
          Http.send(
              Http.transmission(anyKey, VALID).setHeader("Authorization", "whatever").build());
      HttpResponse<String> blank =
          Http.send(Http.transmission(anyKey, VALID).setHeader("Authorization", " ").build());

      assertThat(accepted.statusCode()).isEqualTo(200);
      assertThat(blank.statusCode()).isEqualTo(401);
      assertThat(anyKey.transmissions())
          .singleElement()
          .satisfies(t -> assertThat(t.authorizedWith("whatever")).isTrue());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/", "/api/v1/transmission", "/api/v2/transmissions", "/api/v1/templates"})
  void rejectsOtherPathsWith404(String path) {
    HttpResponse<String> response =
        Http.send(
            Http.request(fake, path)
                .header("Authorization", API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(VALID))
                .build());

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(e -> assertThat(e.path("code").stringValue()).isEqualTo("1101"));
    assertThat(fake.transmissions()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "PUT", "DELETE"})
  void rejectsOtherMethodsWith405(String method) {
    HttpResponse<String> response =
        Http.send(
            Http.request(fake, "/api/v1/transmissions")
                .header("Authorization", API_KEY)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(e -> assertThat(e.path("code").stringValue()).isEqualTo("1102"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/v1/transmissions/", "/api/v1/transmissions?num_rcpt_errors=3"})
  void ignoresTrailingSlashAndQueryParameters(String path) {
    HttpResponse<String> response =
        Http.send(
            Http.request(fake, path)
                .header("Authorization", API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(VALID))
                .build());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fake.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.path()).isEqualTo(path));
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"})
  void rejectsBodyThatIsNotDeclaredJsonWith415(String contentType) {
    HttpResponse<String> response =
        Http.send(Http.transmission(fake, VALID).setHeader("Content-Type", contentType).build());

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(e -> assertThat(e.path("description").stringValue()).contains(contentType));
    assertThat(fake.transmissions()).isEmpty();
  }

  @Test
  void acceptsJsonContentTypeWithCharset() {
    HttpResponse<String> response =
        Http.send(
            Http.transmission(fake, VALID)
                .setHeader("Content-Type", "Application/JSON; charset=utf-8")
                .build());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{", "not json", "{} {}", "{\"a\":1,\"a\":2}"})
  void rejectsMalformedJsonWith422AndCode1300(String body) {
    HttpResponse<String> response = Http.post(fake, body);

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path("code").stringValue()).isEqualTo("1300");
              assertThat(e.path("message").stringValue()).isEqualTo("invalid data format/type");
              assertThat(e.path("description").stringValue())
                  .isEqualTo("Problems parsing request as json");
            });
  }

  @Test
  void recordsIdempotencyKeyFromMetadata() {
    String keyed =
        Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":\"msg-1\",\"other\":\"x\"}");

    Http.send(Http.transmission(fake, keyed).header("Idempotency-Key", "from-header").build());

    assertThat(fake.transmissions().get(0).idempotencyKey()).isEqualTo("msg-1");
    assertThat(fake.requests().get(0).idempotencyKey()).isEqualTo("msg-1");
  }

  @Test
  void fallsBackToIdempotencyKeyHeader() {
    Http.send(Http.transmission(fake, VALID).header("Idempotency-Key", "from-header").build());

    assertThat(fake.transmissions().get(0).idempotencyKey()).isEqualTo("from-header");
  }

  @Test
  void recordsNoIdempotencyKeyWhenTheRequestCarriesNone() {
    Http.post(fake, Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":42}"));

    assertThat(fake.transmissions().get(0).idempotencyKey()).isNull();
  }

  @Test
  void countsOnlyAcceptedTransmissionsPerIdempotencyKey() {
    String first = Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":\"msg-1\"}");
    String second = Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":\"msg-2\"}");

    Http.post(fake, first);
    fake.enqueue(FakeResponse.serverError(503));
    Http.post(fake, first);
    Http.post(fake, first);
    Http.post(fake, second);

    assertThat(fake.transmissionCountFor("msg-1")).isEqualTo(2);
    assertThat(fake.transmissionCountFor("msg-2")).isEqualTo(1);
    assertThat(fake.transmissionCountFor("msg-3")).isZero();
    assertThat(fake.requests()).filteredOn(r -> "msg-1".equals(r.idempotencyKey())).hasSize(3);
  }

  @Test
  void recordsRefusedRequestsWithoutTransmission() {
    HttpResponse<String> response = Http.post(fake, "{\"content\":{}}");

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(fake.transmissions()).isEmpty();
    assertThat(fake.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.path()).isEqualTo("/api/v1/transmissions");
              assertThat(r.body()).isEqualTo("{\"content\":{}}");
              assertThat(r.status()).isEqualTo(422);
              assertThat(r.accepted()).isFalse();
              assertThat(r.transmissionId()).isNull();
              assertThat(r.scripted()).isFalse();
            });
  }

  @Test
  void linksEachAcceptedRequestToItsTransmission() {
    Http.post(fake, VALID);

    RecordedRequest request = fake.requests().get(0);
    assertThat(request.accepted()).isTrue();
    assertThat(request.status()).isEqualTo(200);
    assertThat(request.transmissionId()).isEqualTo(fake.transmissions().get(0).id());
  }

  @Test
  void returnsImmutableSnapshots() {
    Http.post(fake, VALID);
    List<RecordedTransmission> before = fake.transmissions();
    List<RecordedRequest> requestsBefore = fake.requests();

    Http.post(fake, VALID);

    assertThat(before).hasSize(1);
    assertThat(requestsBefore).hasSize(1);
    assertThat(fake.transmissions()).hasSize(2);
    assertThatThrownBy(() -> before.add(before.get(0)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> before.get(0).body().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void resetForgetsRecordingsAndScriptButNeverReusesIds() {
    Http.post(fake, VALID);
    String firstId = fake.transmissions().get(0).id();
    fake.enqueue(FakeResponse.serverError(500));
    fake.alwaysRespond(FakeResponse.serverError(503));

    fake.reset();
    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fake.requests()).hasSize(1);
    assertThat(fake.transmissions())
        .singleElement()
        .satisfies(t -> assertThat(t.id()).isNotEqualTo(firstId));
  }

  @Test
  void recordsConcurrentRequestsFromEightThreadsWithUniqueIds() throws Exception {
    int threads = 8;
    int perThread = 10;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<List<Integer>>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            CompletableFuture.supplyAsync(
                () -> {
                  awaitQuietly(start);
                  List<Integer> statuses = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    String key = "thread-" + thread + "-msg-" + i;
                    String body =
                        Http.with(
                            VALID, "/metadata", "{\"steadfast_idempotency_key\":\"" + key + "\"}");
                    statuses.add(Http.post(fake, body).statusCode());
                  }
                  return statuses;
                },
                executor));
      }
      start.countDown();

      for (CompletableFuture<List<Integer>> future : futures) {
        assertThat(future)
            .succeedsWithin(Duration.ofMinutes(2))
            .satisfies(statuses -> assertThat(statuses).containsOnly(200));
      }
    } finally {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    }

    List<RecordedTransmission> transmissions = fake.transmissions();
    assertThat(transmissions).hasSize(threads * perThread);
    assertThat(transmissions).extracting(RecordedTransmission::id).doesNotHaveDuplicates();
    assertThat(fake.requests()).hasSize(threads * perThread);
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        assertThat(fake.transmissionCountFor("thread-" + t + "-msg-" + i)).isEqualTo(1);
      }
    }
    // Each thread's own transmissions keep its sending order.
    for (int t = 0; t < threads; t++) {
      String prefix = "thread-" + t + "-";
      assertThat(transmissions)
          .extracting(RecordedTransmission::idempotencyKey)
          .filteredOn(key -> key.startsWith(prefix))
          .containsExactly(
              java.util.stream.IntStream.range(0, perThread)
                  .mapToObj(i -> prefix + "msg-" + i)
                  .toArray(String[]::new));
    }
  }

  @Test
  void servesOnLoopbackAtItsBaseUrl() {
    assertThat(fake.baseUrl().getScheme()).isEqualTo("http");
    assertThat(fake.baseUrl().getHost()).isEqualTo("127.0.0.1");
    assertThat(fake.baseUrl().getPort()).isPositive();
    assertThat(fake.baseUrl().getPath()).isEmpty();
  }

  @Test
  void refusesConnectionsAfterClose() {
    FakeSparkPost closed = FakeSparkPost.start();
    closed.close();

    assertThatThrownBy(() -> Http.sendOrThrow(Http.transmission(closed, VALID).build()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void keepsRecordingsReadableAfterClose() {
    FakeSparkPost closing = FakeSparkPost.start();
    Http.post(closing, VALID);

    closing.close();

    assertThat(closing.transmissions()).hasSize(1);
    assertThatCode(closing::close).as("closing twice").doesNotThrowAnyException();
  }

  @Test
  void startRejectsBlankKey() {
    assertThatThrownBy(() -> FakeSparkPost.start(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey");
  }

  @Test
  void transmissionBodyIsParsedIntoNestedMapsAndLists() {
    Http.post(fake, Http.example("inline-content-full.json"));

    Map<String, Object> body = fake.transmissions().get(0).body();
    assertThat(body).containsKeys("options", "recipients", "content", "campaign_id");
    assertThat(body.get("recipients")).isInstanceOf(List.class);
    assertThat(fake.transmissions().get(0).at("/recipients/0/tags"))
        .isEqualTo(List.of("greeting", "prehistoric", "fred", "flintstone"));
    assertThat(fake.transmissions().get(0).at("/options/open_tracking")).isEqualTo(true);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("start signal never came");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
