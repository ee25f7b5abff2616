package io.steadfast.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.Endpoint;
import io.steadfast.testing.EmbeddedPostgresServer;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs every example against a local FakeSparkPost (the fleet example also against an embedded
 * PostgreSQL), and keeps the README's quick start honest.
 */
class ExamplesTest {
  private static final String KEY = "example-key";
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  @Test
  void quickStartMainSendsOneTransmission() {
    QuickStart.main(new String[] {KEY, sparkPost.baseUrl().toString()});

    assertThat(sparkPost.transmissions()).singleElement().satisfies(t -> {
      assertThat(t.at("/content/subject")).isEqualTo("Your order has shipped");
      assertThat(t.at("/recipients/0/address/email")).isEqualTo("alice@example.com");
      assertThat(t.idempotencyKey()).isNotBlank();
      assertThat(t.authorizedWith(KEY)).isTrue();
    });
  }

  @Test
  void handlingFailuresRetriesA503WithTheOrderNumberAsKey() {
    sparkPost.enqueue(FakeResponse.serverError(503));

    HandlingFailures.Result result =
        HandlingFailures.sendOrderConfirmation(KEY, Endpoint.custom(sparkPost.baseUrl()), "order-1001");

    assertThat(result).isEqualTo(HandlingFailures.Result.SENT);
    assertThat(sparkPost.requests()).hasSize(2);
    assertThat(sparkPost.transmissionCountFor("order-1001")).isEqualTo(1);
  }

  @Test
  void handlingFailuresFindsALostAnswerInSparkPostsEventsAndDoesNotSendAgain() {
    sparkPost.enqueue(FakeResponse.acceptedThenDropped());

    HandlingFailures.Result result =
        HandlingFailures.sendOrderConfirmation(KEY, Endpoint.custom(sparkPost.baseUrl()), "order-1004");

    assertThat(result).isEqualTo(HandlingFailures.Result.SENT);
    assertThat(sparkPost.transmissionCountFor("order-1004")).isEqualTo(1);
    assertThat(sparkPost.eventsRequests()).hasSize(1);
  }

  @Test
  void handlingFailuresSaysCheckLaterWhenTheEventsShowNothingYet() {
    sparkPost.eventLag(java.time.Duration.ofMinutes(5));
    sparkPost.enqueue(FakeResponse.acceptedThenDropped());

    assertThat(HandlingFailures.sendOrderConfirmation(KEY, Endpoint.custom(sparkPost.baseUrl()), "order-1005"))
        .isEqualTo(HandlingFailures.Result.CHECK_LATER);
    assertThat(sparkPost.transmissionCountFor("order-1005")).isEqualTo(1);
  }

  @Test
  void handlingFailuresReportsRetryLaterDuringAnOutage() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));

    assertThat(HandlingFailures.sendOrderConfirmation(KEY, Endpoint.custom(sparkPost.baseUrl()), "order-1002"))
        .isEqualTo(HandlingFailures.Result.RETRY_LATER);
    assertThat(sparkPost.transmissions()).isEmpty();
  }

  @Test
  void handlingFailuresReportsNeedsFixForABadKey() {
    assertThat(HandlingFailures.sendOrderConfirmation("wrong-key", Endpoint.custom(sparkPost.baseUrl()), "order-1003"))
        .isEqualTo(HandlingFailures.Result.NEEDS_FIX);
  }

  @Test
  void fleetOutboxCommittedOrderSendsOneConfirmationAndRolledBackOrderSendsNone() throws Exception {
    String database = EmbeddedPostgresServer.newDatabaseName();

    FleetOutbox.main(new String[] {KEY, sparkPost.baseUrl().toString(), EmbeddedPostgresServer.jdbcUrl(database)});

    assertThat(sparkPost.transmissionCountFor("order-1001")).isEqualTo(1);
    assertThat(sparkPost.transmissionCountFor("order-1002")).isZero();
    assertThat(sparkPost.transmissions()).singleElement()
        .satisfies(t -> assertThat(t.at("/content/subject")).isEqualTo("Order 1001 confirmed"));
  }

  @Test
  void readmeQuickStartIsTheExampleTheBuildRuns() throws IOException {
    String example = Files.readString(Path.of("src/main/java/io/steadfast/examples/QuickStart.java"));
    String snippet = example.substring(example.indexOf("// quick-start:begin") + "// quick-start:begin".length(),
        example.indexOf("  // quick-start:end"));
    String readme = Files.readString(Path.of("../README.md"));

    assertThat(normalise(readme)).contains(normalise(snippet));
    assertThat(snippet.strip().lines().count()).as("the quick start stays within 15 lines").isLessThanOrEqualTo(15);
  }

  private static String normalise(String code) {
    List<String> lines = code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.toList());
    return String.join("\n", lines);
  }
}
