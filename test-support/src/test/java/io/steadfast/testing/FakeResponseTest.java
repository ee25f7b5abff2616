package io.steadfast.testing;

import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Scripted answers, as the client observes them. */
class FakeResponseTest {

  /** Long enough that no test waits for it: each one times out or is cut short first. */
  private static final Duration LONG_DELAY = Duration.ofSeconds(30);

  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(300);

  private final FakeSparkPost fake = FakeSparkPost.start(Http.API_KEY);

  @AfterEach
  void closeFake() {
    fake.close();
  }

  @Test
  void answersQueuedResponsesInOrderThenResumesNormalBehaviour() {
    fake.enqueue(FakeResponse.serverError(500), FakeResponse.serverError(502));
    fake.enqueue(FakeResponse.rateLimited(Duration.ofSeconds(1)));

    int first = Http.post(fake, VALID).statusCode();
    int second = Http.post(fake, VALID).statusCode();
    int third = Http.post(fake, VALID).statusCode();
    int fourth = Http.post(fake, VALID).statusCode();

    assertThat(new int[] {first, second, third, fourth}).containsExactly(500, 502, 429, 200);
    assertThat(fake.transmissions()).hasSize(1);
  }

  @Test
  void scriptedResponseRecordsRequestButNoTransmission() {
    fake.enqueue(FakeResponse.status(200, "{\"results\":{}}", "application/json"));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"results\":{}}");
    assertThat(fake.transmissions()).isEmpty();
    assertThat(fake.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.scripted()).isTrue();
              assertThat(r.status()).isEqualTo(200);
              assertThat(r.accepted()).isFalse();
              assertThat(r.body()).isEqualTo(VALID);
            });
  }

  @Test
  void scriptedResponseAnswersEvenAnInvalidRequest() {
    fake.enqueue(FakeResponse.serverError(503));

    HttpResponse<String> response = Http.post(fake, "{}");

    assertThat(response.statusCode()).isEqualTo(503);
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503, 504, 599})
  void serverErrorAnswersStatusWithSparkPostErrorsBody(int status) {
    fake.enqueue(FakeResponse.serverError(status));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.headers().firstValue("X-SparkPost-Request-Id")).isPresent();
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(e -> assertThat(e.path("message").stringValue()).isNotBlank());
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 429, 499, 600})
  void serverErrorRejectsStatusOutside5xx(int status) {
    assertThatThrownBy(() -> FakeResponse.serverError(status))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(status));
  }

  @Test
  void rateLimitedAnswers429WithRetryAfterInWholeSeconds() {
    fake.enqueue(
        FakeResponse.rateLimited(Duration.ofSeconds(5)),
        FakeResponse.rateLimited(Duration.ofMillis(1500)));

    HttpResponse<String> fiveSeconds = Http.post(fake, VALID);
    HttpResponse<String> roundedUp = Http.post(fake, VALID);

    assertThat(fiveSeconds.statusCode()).isEqualTo(429);
    assertThat(fiveSeconds.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(roundedUp.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(Http.errors(fiveSeconds)).isNotEmpty();
  }

  @Test
  void rateLimitedRejectsNegativeDuration() {
    assertThatThrownBy(() -> FakeResponse.rateLimited(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sendingLimitExceededAnswers420WithCode2101() {
    fake.enqueue(FakeResponse.sendingLimitExceeded());

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(420);
    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path("code").stringValue()).isEqualTo("2101");
              assertThat(e.path("message").stringValue()).startsWith("Exceed Sending Limit");
            });
  }

  @Test
  void statusAnswersExactlyTheGivenBodyAndContentType() {
    fake.enqueue(FakeResponse.status(502, "<html>Bad Gateway</html>", "text/html"));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.body()).isEqualTo("<html>Bad Gateway</html>");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html");
  }

  @Test
  void statusWithEmptyContentTypeSendsNoContentType() {
    fake.enqueue(FakeResponse.status(503, "", ""));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Content-Type")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 199, 600})
  void statusRejectsCodesOutside200To599(int status) {
    assertThatThrownBy(() -> FakeResponse.status(status, "", "text/plain"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withHeaderAddsHeadersAndReplacesTheFakesOwn() {
    fake.enqueue(
        FakeResponse.serverError(503)
            .withHeader("Retry-After", "7")
            .withHeader("x-sparkpost-request-id", "fixed-id"));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
    assertThat(response.headers().allValues("X-SparkPost-Request-Id")).containsExactly("fixed-id");
  }

  @Test
  void withHeaderOnNormalAnswerDecoratesTheSuccess() {
    fake.enqueue(FakeResponse.accepted().withHeader("X-Extra", "yes"));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Extra")).hasValue("yes");
  }

  @Test
  void withHeaderRejectsLineBreaksAndConnectionFaults() {
    assertThatThrownBy(() -> FakeResponse.serverError(500).withHeader("X-A", "b\r\nX-Injected: c"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FakeResponse.serverError(500).withHeader(" ", "b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FakeResponse.connectionReset().withHeader("X-A", "b"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void delayedResponseTimesOutClientWithShorterReadTimeout() {
    fake.enqueue(FakeResponse.serverError(503).delayed(LONG_DELAY));
    HttpRequest request = Http.transmission(fake, VALID).timeout(SHORT_TIMEOUT).build();

    assertThatThrownBy(() -> Http.sendOrThrow(request)).isInstanceOf(HttpTimeoutException.class);
    assertThat(fake.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(503));
  }

  @Test
  void delayedResponseArrivesWithinLongerTimeout() {
    fake.enqueue(FakeResponse.serverError(503).delayed(Duration.ofMillis(50)));

    HttpResponse<String> response = Http.post(fake, VALID);

    assertThat(response.statusCode()).isEqualTo(503);
  }

  @Test
  void delayedRejectsNegativeDuration() {
    assertThatThrownBy(() -> FakeResponse.serverError(500).delayed(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> connectionFaults() {
    return Stream.of(
        faultCase("connectionReset", FakeResponse::connectionReset),
        faultCase("emptyResponse", FakeResponse::emptyResponse),
        faultCase("garbage", FakeResponse::garbage),
        faultCase(
            "delayed connectionReset",
            () -> FakeResponse.connectionReset().delayed(Duration.ofMillis(20))));
  }

  private static Arguments faultCase(String name, Supplier<FakeResponse> fault) {
    return Arguments.of(name, fault.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("connectionFaults")
  void connectionFaultMakesClientThrowIOException(String name, FakeResponse fault) {
    fake.enqueue(fault);

    assertThatThrownBy(() -> Http.sendOrThrow(Http.transmission(fake, VALID).build()))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThat(fake.transmissions()).isEmpty();
    assertThat(fake.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.status()).isNull();
              assertThat(r.scripted()).isTrue();
            });
    assertThat(Http.post(fake, VALID).statusCode()).as("normal behaviour resumes").isEqualTo(200);
  }

  @Test
  void acceptedInScriptRecordsTransmissionBetweenFailures() {
    fake.enqueue(
        FakeResponse.serverError(500), FakeResponse.accepted(), FakeResponse.serverError(500));

    int first = Http.post(fake, VALID).statusCode();
    int second = Http.post(fake, VALID).statusCode();
    int third = Http.post(fake, VALID).statusCode();

    assertThat(new int[] {first, second, third}).containsExactly(500, 200, 500);
    assertThat(fake.transmissions()).hasSize(1);
    assertThat(fake.requests().get(1).accepted()).isTrue();
  }

  @Test
  void acceptedStillRefusesAnInvalidRequest() {
    fake.enqueue(FakeResponse.accepted());

    HttpResponse<String> response = Http.post(fake, "{}");

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(fake.transmissions()).isEmpty();
  }

  @Test
  void acceptedAfterRecordsTransmissionEvenWhenClientTimesOut() {
    String keyed = Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":\"msg-1\"}");
    fake.enqueue(FakeResponse.acceptedAfter(LONG_DELAY));

    assertThatThrownBy(
            () -> Http.sendOrThrow(Http.transmission(fake, keyed).timeout(SHORT_TIMEOUT).build()))
        .isInstanceOf(HttpTimeoutException.class);
    HttpResponse<String> retry = Http.post(fake, keyed);

    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(fake.transmissionCountFor("msg-1"))
        .as("SparkPost accepted both the timed-out request and the retry")
        .isEqualTo(2);
  }

  @Test
  void alwaysRespondAnswersEveryRequestUntilResume() {
    fake.alwaysRespond(FakeResponse.serverError(503));

    int first = Http.post(fake, VALID).statusCode();
    int second = Http.post(fake, VALID).statusCode();
    int third = Http.post(fake, VALID).statusCode();
    fake.resume();
    int afterResume = Http.post(fake, VALID).statusCode();

    assertThat(new int[] {first, second, third, afterResume}).containsExactly(503, 503, 503, 200);
    assertThat(fake.transmissions()).hasSize(1);
    assertThat(fake.requests()).hasSize(4);
  }

  @Test
  void queuedResponsesGoBeforeTheStandingOverride() {
    fake.alwaysRespond(FakeResponse.serverError(503));
    fake.enqueue(FakeResponse.rateLimited(Duration.ofSeconds(1)));

    int first = Http.post(fake, VALID).statusCode();
    int second = Http.post(fake, VALID).statusCode();

    assertThat(new int[] {first, second}).containsExactly(429, 503);
  }

  @Test
  void resumeAlsoClearsQueuedResponses() {
    fake.enqueue(FakeResponse.serverError(500), FakeResponse.serverError(500));

    fake.resume();

    assertThat(Http.post(fake, VALID).statusCode()).isEqualTo(200);
  }

  @Test
  void alwaysRespondWithAcceptedAfterSlowsEveryAcceptedTransmission() {
    fake.alwaysRespond(FakeResponse.acceptedAfter(LONG_DELAY));

    assertThatThrownBy(
            () -> Http.sendOrThrow(Http.transmission(fake, VALID).timeout(SHORT_TIMEOUT).build()))
        .isInstanceOf(HttpTimeoutException.class);
    assertThatThrownBy(
            () -> Http.sendOrThrow(Http.transmission(fake, VALID).timeout(SHORT_TIMEOUT).build()))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat(fake.transmissions()).hasSize(2);
  }

  @Test
  void comparesByValue() {
    assertThat(FakeResponse.serverError(503).withHeader("Retry-After", "1"))
        .isEqualTo(FakeResponse.serverError(503).withHeader("Retry-After", "1"))
        .hasSameHashCodeAs(FakeResponse.serverError(503).withHeader("Retry-After", "1"))
        .isNotEqualTo(FakeResponse.serverError(503))
        .isNotEqualTo(FakeResponse.serverError(500).withHeader("Retry-After", "1"));
    assertThat(FakeResponse.connectionReset()).isEqualTo(FakeResponse.connectionReset());
    assertThat(FakeResponse.accepted().delayed(Duration.ofSeconds(1)))
        .isEqualTo(FakeResponse.acceptedAfter(Duration.ofSeconds(1)));
  }

  @Test
  void toStringNamesTheFactoryAndModifiers() {
    assertThat(
            FakeResponse.serverError(503)
                .withHeader("Retry-After", "1")
                .delayed(Duration.ofSeconds(2)))
        .hasToString("FakeResponse[serverError(503) + Retry-After: 1 after PT2S]");
    assertThat(FakeResponse.garbage()).hasToString("FakeResponse[garbage()]");
  }

  @Test
  void enqueueRejectsNullResponses() {
    assertThatThrownBy(() -> fake.enqueue(FakeResponse.accepted(), null))
        .isInstanceOf(NullPointerException.class);
  }
}
