package io.steadfast.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeClock;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.OutageScenario;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's small fake against test-support's {@link FakeSparkPost}: the same outage, seed and
 * phases on one {@link FakeClock} give the same answer to the n-th request, so {@code steadfast demo
 * outage} plays what it played on WireMock; and its events speak SparkPost's JSON.
 */
class DemoSparkPostTest {
  private static final String KEY = "sk-demo-test";
  private static final Duration HEALTHY = Duration.ofMinutes(14);
  private static final Duration INTERMITTENT = Duration.ofMinutes(8);
  private static final Duration OUTAGE = Duration.ofMinutes(112);
  private static final int REQUESTS_PER_PHASE = 150;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMinutes(2)).build();

  @Test
  void answersEachPhaseOfThe2019OutageAsTestSupportsFakeDoes() throws Exception {
    FakeClock clock = new FakeClock();
    List<String> reference;
    List<String> demo;
    try (FakeSparkPost fake = FakeSparkPost.start(KEY)) {
      fake.play(OutageScenario.outage2019(7, clock, HEALTHY, INTERMITTENT, OUTAGE)
          .withAcceptedThenDropped("healthy", 4)
          .withAcceptedThenDropped("intermittent", 4)
          .withAcceptedThenDropped("recovery", 4));
      reference = playThrough(clock, fake.baseUrl(), () -> fake.currentPhase().orElse(""));
      assertThat(fake.duplicateCount()).isZero();
    }
    clock = new FakeClock();
    try (DemoSparkPost fake = DemoSparkPost.start(KEY)) {
      fake.play(DemoOutage.of2019(7, clock, HEALTHY, INTERMITTENT, OUTAGE, 4));
      demo = playThrough(clock, fake.baseUrl(), () -> fake.currentPhase().orElse(""));
      long accepted = demo.stream().filter(answer -> answer.endsWith(" 200") || answer.endsWith(" no reply")).count();
      assertThat(fake.requestCount()).isEqualTo(demo.size());
      assertThat(fake.duplicateCount()).isZero();
      // A reset records nothing; an accepted-then-dropped reply does, as SparkPost took it.
      assertThat((long) fake.acceptedKeyCount()).isBetween(demo.stream().filter(a -> a.endsWith(" 200")).count(), accepted);
    }

    assertThat(demo).isEqualTo(reference);
    // Every phase showed what it is for.
    assertThat(demo).anyMatch(a -> a.startsWith("healthy") && a.endsWith(" no reply"))
        .anyMatch(a -> a.startsWith("intermittent") && a.endsWith(" 429"))
        .anyMatch(a -> a.startsWith("intermittent") && a.endsWith(" 502"))
        .anyMatch(a -> a.startsWith("outage") && a.endsWith(" 503"))
        .anyMatch(a -> a.startsWith("outage") && a.endsWith(" no reply"))
        .noneMatch(a -> a.startsWith("outage") && a.endsWith(" 200"))
        .anyMatch(a -> a.startsWith("recovery") && a.endsWith(" 200"));
  }

  @Test
  void recordsAnInjectionEventPerRecipientThatASearchFindsOnceTheLagHasPassed() throws Exception {
    try (DemoSparkPost fake = DemoSparkPost.start(KEY)) {
      fake.eventLag(Duration.ofHours(1));
      HttpResponse<String> sent = send(fake.baseUrl(), "order-1", "Alice@Example.com");
      assertThat(sent.statusCode()).isEqualTo(200);
      JsonNode results = JsonMapper.builder().build().readTree(sent.body()).get("results");
      assertThat(results.get("total_accepted_recipients").asInt()).isEqualTo(1);
      assertThat(results.get("id").asString()).isEqualTo(fake.transmissions().get(0).id());

      assertThat(search(fake.baseUrl(), "alice@example.com").get("results")).isEmpty();
      fake.eventLag(Duration.ZERO);
      send(fake.baseUrl(), "order-2", "bob@example.com");

      JsonNode found = search(fake.baseUrl(), "bob@example.com");
      assertThat(found.get("total_count").asInt()).isEqualTo(1);
      JsonNode event = found.get("results").get(0);
      assertThat(event.get("type").asString()).isEqualTo("injection");
      assertThat(event.get("rcpt_to").asString()).isEqualTo("bob@example.com");
      assertThat(event.get("rcpt_meta").get("steadfast_idempotency_key").asString()).isEqualTo("order-2");
      assertThat(event.get("transmission_id").asString()).isEqualTo(fake.transmissions().get(1).id());
      assertThat(fake.transmissionCountFor("order-2")).isEqualTo(1);
    }
  }

  @Test
  void refusesAWrongKey() throws Exception {
    try (DemoSparkPost fake = DemoSparkPost.start(KEY)) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(fake.baseUrl().resolve("/api/v1/transmissions"))
          .header("Authorization", "sk-wrong").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body()).contains("\"errors\"");
      assertThat(fake.transmissions()).isEmpty();
    }
  }

  /** Sends {@link #REQUESTS_PER_PHASE} transmissions in the middle of each phase; returns "phase status" per request. */
  private static List<String> playThrough(FakeClock clock, URI baseUrl, java.util.function.Supplier<String> phase)
      throws Exception {
    List<String> answers = new ArrayList<>();
    Duration[] lengths = {HEALTHY, INTERMITTENT, OUTAGE, Duration.ofMinutes(30)};
    for (Duration length : lengths) {
      clock.advance(length.dividedBy(2));
      for (int i = 0; i < REQUESTS_PER_PHASE; i++) {
        String status;
        try {
          status = Integer.toString(send(baseUrl, "key-" + answers.size(), "customer@example.com").statusCode());
        } catch (IOException noReply) {
          status = "no reply";
        }
        answers.add(phase.get() + " " + status);
      }
      clock.advance(length.dividedBy(2));
    }
    return answers;
  }

  private static HttpResponse<String> send(URI baseUrl, String key, String to) throws Exception {
    String body = "{\"recipients\":[{\"address\":{\"email\":\"" + to + "\"}}],"
        + "\"content\":{\"from\":\"shop@example.com\",\"subject\":\"Hi\",\"text\":\"Hello\"},"
        + "\"metadata\":{\"steadfast_idempotency_key\":\"" + key + "\"}}";
    return HTTP.send(HttpRequest.newBuilder(baseUrl.resolve("/api/v1/transmissions"))
        .header("Authorization", KEY).header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode search(URI baseUrl, String recipient) throws Exception {
    String query = "recipients=" + URLEncoder.encode(recipient, StandardCharsets.UTF_8) + "&events=injection,delivery";
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(baseUrl.resolve("/api/v1/events/message?" + query))
        .header("Authorization", KEY).timeout(Duration.ofMinutes(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return JsonMapper.builder().build().readTree(response.body());
  }
}
