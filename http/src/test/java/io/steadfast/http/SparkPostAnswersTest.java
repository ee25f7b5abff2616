package io.steadfast.http;

import static io.steadfast.http.Fixtures.KEY;
import static io.steadfast.http.Fixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RecipientError;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryPolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.Transport;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.UntrustedTlsServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SparkPost's documented answers that the status alone does not explain (issue 20, items 5 to 7) and
 * a server that cannot prove it is SparkPost (issue 23, item 4), through the REST transport and the
 * whole client, against real servers.
 *
 * <p>The bodies are SparkPost's documented ones: the 200 with warning code 2000 and {@code
 * rcpt_to_errors} from developers.sparkpost.com/api/transmissions ("Create a Transmission"), and code
 * 1502 "Server resources unavailable" (HTTP 400, "retry later") from
 * support.sparkpost.com/docs/tech-resources/extended-error-codes, both as {@link FakeResponse} renders them.
 */
class SparkPostAnswersTest {
  private static final String API_KEY = "sk-canary-answers";
  /** SparkPost's error body for a 503, in the form its API documents. */
  private static final String UNAVAILABLE = Fixtures.sparkpost("responses/503-unavailable.json");

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    sparkPost.close();
  }

  @Test
  void retriesServerResourcesUnavailableDespiteItsStatus400() {
    sparkPost.enqueue(FakeResponse.serverResourcesUnavailable(), FakeResponse.accepted());

    try (EmailClient client = client(sparkPost.baseUrl().toString(), 3)) {
      SendReceipt receipt = client.send(minimal().build(), SendOptions.idempotencyKey(KEY));

      assertThat(receipt.attempts()).isEqualTo(2);
    }
    assertThat(sparkPost.requests()).hasSize(2);
    assertThat(sparkPost.transmissionCountFor(KEY.value())).isEqualTo(1);
  }

  @Test
  void keepsWhichRecipientsSparkPostRefusedOnAPartialAcceptance() {
    sparkPost.alwaysRespond(FakeResponse.someRecipientsRejected());

    try (EmailClient client = client(sparkPost.baseUrl().toString(), 3)) {
      SendReceipt receipt = client.send(minimal().to("bob@example.com").build(), SendOptions.idempotencyKey(KEY));

      assertThat(receipt.transmissionId()).isEqualTo("11668787484950530");
      assertThat(receipt.acceptedRecipients()).isEqualTo(1);
      assertThat(receipt.rejectedRecipients()).isEqualTo(1);
      assertThat(receipt.recipientErrors()).containsExactly(new RecipientError(null, "1400",
          "required field is missing", "address.email is required for each recipient"));
    }
    assertThat(sparkPost.requests()).hasSize(1);
  }

  @Test
  void failsPermanentlyWithTheReasonsWhenSparkPostAcceptsNoRecipient() {
    sparkPost.alwaysRespond(FakeResponse.allRecipientsRejected(2));

    try (EmailClient client = client(sparkPost.baseUrl().toString(), 3)) {
      assertThatThrownBy(() -> client.send(minimal().to("bob@example.com").build(), SendOptions.idempotencyKey(KEY)))
          .isInstanceOfSatisfying(RejectedByProviderException.class, e -> {
            assertThat(e.recipientErrors()).hasSize(2)
                .allSatisfy(error -> assertThat(error.code()).isEqualTo("1400"));
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.statusCode()).hasValue(200);
            assertThat(e.providerCode()).hasValue("2000");
            assertThat(e.getMessage()).contains("accepted none of the message's recipients",
                "0 recipients accepted, 2 rejected",
                "code 1400: required field is missing (address.email is required for each recipient)");
          });
    }
    // Permanent: never retried.
    assertThat(sparkPost.requests()).hasSize(1);
  }

  @Test
  void theSpoolDeadLettersAMessageNoRecipientOfWhichWasAcceptedWithSparkPostsReasons() throws Exception {
    sparkPost.alwaysRespond(FakeResponse.allRecipientsRejected(1));

    DeliveryResult result;
    try (EmailClient client = EmailClient.create(config(sparkPost.baseUrl().toString(), 3)
        .spool(SpoolConfig.builder(Spool.inMemory()).pollInterval(Duration.ofMillis(20)).build()).build())) {
      SubmitReceipt receipt = client.submit(minimal().idempotencyKey(KEY).build());
      result = client.result(receipt).get(60, TimeUnit.SECONDS);
    }

    assertThat(result).isInstanceOfSatisfying(DeliveryResult.DeadLettered.class, dead -> {
      assertThat(dead.reason()).isEqualTo(DeliveryResult.Reason.REJECTED);
      assertThat(dead.detail()).contains("accepted none of the message's recipients",
          "code 1400: required field is missing (address.email is required for each recipient)");
    });
    assertThat(sparkPost.requests()).hasSize(1);
  }

  /**
   * A server that closes each connection after its answer, three ways: without a word (HTTP/1.1 and
   * HTTP/1.0) and with {@code Connection: close}. Every attempt must reach it: the dead pooled
   * connection is found before the request is written and replaced, inside the attempt.
   */
  @ParameterizedTest(name = "{0} {1} closing after each answer")
  @CsvSource({"SYNC, HTTP/1.1 503 Service Unavailable, ''", "ASYNC, HTTP/1.1 503 Service Unavailable, ''",
      "SYNC, HTTP/1.0 503 Service Unavailable, ''", "ASYNC, HTTP/1.0 503 Service Unavailable, ''",
      "SYNC, HTTP/1.1 503 Service Unavailable, 'Connection: close'"})
  void everyAttemptReachesAServerThatClosesConnectionsAfterEachAnswer(Mode mode, String statusLine,
      String header) throws Exception {
    try (ClosingHttpServer server = ClosingHttpServer.start(statusLine, header.isEmpty() ? "" : header + "\r\n",
        UNAVAILABLE);
        Transport transport = RestTransport.create(config(server.baseUrl(), 3).build())) {
      for (int attempt = 1; attempt <= 3; attempt++) {
        Outcome outcome = mode.deliver(transport, new Delivery(minimal().build(), KEY, attempt));

        assertThat(outcome).as("attempt " + attempt).isInstanceOfSatisfying(Outcome.NotSent.class,
            notSent -> assertThat(notSent.failure().statusCode()).isEqualTo(503));
        // The server has answered and closed: the pooled connection is dead before the next attempt.
        assertThat(server.awaitClosed()).isTrue();
      }

      assertThat(server.requests()).isEqualTo(3);
      assertThat(server.connections()).isEqualTo(3);
    }
  }

  @Test
  void threeAttemptsReachAServerThatClosesConnectionsThreeTimes() throws Exception {
    try (ClosingHttpServer server = ClosingHttpServer.start("HTTP/1.1 503 Service Unavailable", "", UNAVAILABLE);
        EmailClient client = client(server.baseUrl(), 3)) {
      assertThatThrownBy(() -> client.send(minimal().build(), SendOptions.idempotencyKey(KEY)))
          .isInstanceOfSatisfying(ProviderUnavailableException.class,
              e -> assertThat(e.attempts()).isEqualTo(3));

      assertThat(server.requests()).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSelfSignedCertificateIsAPermanentFailureNotAnOutage(Mode mode) throws Exception {
    try (UntrustedTlsServer server = UntrustedTlsServer.start();
        Transport transport = RestTransport.create(config(server.baseUrl(), 3).build())) {
      Outcome outcome = mode.deliver(transport, new Delivery(minimal().build(), KEY, 1));

      assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
        assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.AUTHENTICATION);
        assertThat(rejected.failure().summary()).startsWith("the TLS certificate of localhost:" + server.port()
            + " is not trusted (");
      });
      assertThat(server.connections()).isEqualTo(1);
      assertThat(server.completedHandshakes()).isZero();
    }
  }

  @Test
  void sendGivesUpAtOnceOnAnUntrustedCertificateAndSaysWhatToDo() throws Exception {
    try (UntrustedTlsServer server = UntrustedTlsServer.start();
        EmailClient client = client(server.baseUrl(), 3)) {
      for (int send = 1; send <= 6; send++) {
        assertThatThrownBy(() -> client.send(minimal().build(), SendOptions.idempotencyKey(KEY)))
            .isInstanceOfSatisfying(AuthenticationFailedException.class, e -> {
              assertThat(e.attempts()).isEqualTo(1);
              assertThat(e.isRetryable()).isFalse();
              assertThat(e.getMessage()).contains("Could not verify SparkPost's server",
                  "localhost:" + server.port(), "is not trusted", "trust store", "Retrying fails the same way")
                  .doesNotContain(API_KEY);
            });
      }

      // One connection per send, no retry; and six in a row did not open the circuit (it would fail fast,
      // with no connection at all), because a certificate says nothing about SparkPost's health.
      assertThat(server.connections()).isEqualTo(6);
      assertThat(server.completedHandshakes()).isZero();
    }
  }

  private static EmailClient client(String baseUrl, int maxAttempts) {
    return EmailClient.create(config(baseUrl, maxAttempts).build());
  }

  private static SteadfastConfig.Builder config(String baseUrl, int maxAttempts) {
    return SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(baseUrl))
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10))
        // A circuit that opens after 5 failures in a window of 5, so a certificate counted as an outage
        // would show in the sixth send above.
        .circuitBreakerPolicy(CircuitBreakerPolicy.builder().slidingWindowSize(5).minimumNumberOfCalls(5).build())
        // The retries are spaced so that the test server's close of the connection it answered on has
        // long reached the client; the transport-level test above waits for it instead.
        .retryPolicy(RetryPolicy.builder().maxAttempts(maxAttempts).minBackoff(Duration.ofMillis(300))
            .initialBackoff(Duration.ofMillis(300)).maxBackoff(Duration.ofMillis(300)).build());
  }
}
