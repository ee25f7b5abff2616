package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.RejectedByProviderException;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class DefaultEmailClientTest {


  private static final Message MESSAGE = Message.builder()
      .from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello").build();

  private final ScriptedTransport transport = new ScriptedTransport("rest-test");
  private final EmailClient client = EmailClient.create(SteadfastConfig.builder()
      .transports(java.util.List.of(transport)).retryPolicy(io.steadfast.RetryPolicy.NO_RETRIES).build());

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void returnsReceiptWithGeneratedKeyRouteAndRequestId(SendMode mode) throws Throwable {
    transport.then(new Outcome.Accepted("tx-1", 1, 0, "req-1"));

    SendReceipt receipt = mode.send(client, MESSAGE);

    assertThat(receipt.transmissionId()).isEqualTo("tx-1");
    assertThat(receipt.acceptedRecipients()).isEqualTo(1);
    assertThat(receipt.route()).isEqualTo("rest-test");
    assertThat(receipt.attempts()).isEqualTo(1);
    assertThat(receipt.requestId()).isEqualTo("req-1");
    assertThat(receipt.idempotencyKey()).isEqualTo(transport.deliveries().get(0).idempotencyKey());
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void usesTheCallersIdempotencyKey(SendMode mode) throws Throwable {
    transport.then(new Outcome.Accepted("tx-1", 1, 0, null));
    IdempotencyKey key = IdempotencyKey.of("order-42");

    SendReceipt receipt = mode.send(client, MESSAGE.withIdempotencyKey(key));

    assertThat(receipt.idempotencyKey()).isEqualTo(key);
    assertThat(transport.deliveries()).extracting(d -> d.idempotencyKey()).containsExactly(key);
  }

  static Stream<Arguments> failures() {
    Failure failure = new Failure("HTTP 503 Service Unavailable", 503, "1902", "Service down", "req-9", null);
    return Stream.of(
        Arguments.of(new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, failure, Duration.ofSeconds(7)),
            ProviderUnavailableException.class, true, false),
        Arguments.of(new Outcome.NotSent(Outcome.NotSent.Reason.RATE_LIMITED, failure, Duration.ofSeconds(3)),
            RateLimitedException.class, true, false),
        Arguments.of(new Outcome.NotSent(Outcome.NotSent.Reason.QUOTA_EXCEEDED, failure, null),
            SendingLimitExceededException.class, true, false),
        Arguments.of(new Outcome.Unknown(Failure.of("read timed out", null)),
            DeliveryUnknownException.class, true, true),
        Arguments.of(new Outcome.Rejected(Outcome.Rejected.Reason.AUTHENTICATION, failure),
            AuthenticationFailedException.class, false, false),
        Arguments.of(new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE, failure),
            RejectedByProviderException.class, false, false));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void mapsEveryOutcomeToItsExceptionInBothModes(Outcome outcome, Class<? extends SteadfastException> type,
      boolean retryable, boolean mayHaveBeenSent) {
    for (SendMode mode : SendMode.values()) {
      transport.then(outcome);

      assertThatThrownBy(() -> mode.send(client, MESSAGE))
          .isInstanceOf(type)
          .satisfies(t -> {
            SteadfastException e = (SteadfastException) t;
            assertThat(e.isRetryable()).isEqualTo(retryable);
            assertThat(e.mayHaveBeenSent()).isEqualTo(mayHaveBeenSent);
            assertThat(e.route()).contains("rest-test");
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.idempotencyKey()).isPresent();
            assertThat(e.getMessage()).doesNotContain(e.idempotencyKey().get().value());
          });
    }
  }

  @Test
  void exceptionsCarryProviderFactsAndRetryAfter() {
    transport.then(new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
        new Failure("HTTP 503 Service Unavailable", 503, "1902", "Service down", "req-9",
            new ConnectException("refused")), Duration.ofSeconds(7)));

    assertThatThrownBy(() -> client.send(MESSAGE))
        .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
          assertThat(e.statusCode()).hasValue(503);
          assertThat(e.providerCode()).contains("1902");
          assertThat(e.requestId()).contains("req-9");
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
          assertThat(e.getCause()).isInstanceOf(ConnectException.class);
          assertThat(e.getMessage()).contains("route 'rest-test'").contains("retry later");
        });
  }

  @Test
  void asyncCompletesExceptionallyWithTheExceptionItselfNotWrapped() {
    transport.then(new Outcome.Rejected(Outcome.Rejected.Reason.AUTHENTICATION,
        new Failure("HTTP 401 Unauthorized", 401, null, null, null, null)));

    CompletableFuture<SendReceipt> future = client.sendAsync(MESSAGE);

    assertThat(future).failsWithin(Duration.ofMinutes(2))
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(AuthenticationFailedException.class)
        .withMessageContaining("Check steadfast.api-key");
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void refusesMessagesOverTheConfiguredLimitWithoutSending(SendMode mode) {
    EmailClient small = EmailClient.create(SteadfastConfig.builder()
        .transports(java.util.List.of(transport)).retryPolicy(io.steadfast.RetryPolicy.NO_RETRIES)
        .maxMessageBytes(5).build());

    assertThatThrownBy(() -> mode.send(small, MESSAGE))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("over the configured maxMessageBytes of 5");
    assertThat(transport.deliveries()).isEmpty();
  }

  @Test
  void cancellingTheFutureCancelsTheInFlightAttempt() {
    transport.holdAsync();

    CompletableFuture<SendReceipt> future = client.sendAsync(MESSAGE);
    future.cancel(true);

    assertThat(transport.pending()).singleElement().satisfies(attempt -> assertThat(attempt).isCancelled());
    assertThatThrownBy(future::join).isInstanceOf(CancellationException.class);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void refusesToSendAfterClose(SendMode mode) {
    client.close();

    assertThatThrownBy(() -> mode.send(client, MESSAGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(transport.closed()).as("user-given transports belong to the user").isFalse();
  }

  @Test
  void failsClearlyWhenNoTransportIsOnTheClassPath() {
    SteadfastConfig config = SteadfastConfig.builder().apiKey("k").build();

    assertThatThrownBy(() -> EmailClient.create(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.steadfast:steadfast-http");
  }

  @Test
  void exceptionFactoriesAgreeWithTheModeHelper() {
    BiFunction<Outcome, String, SteadfastException> map =
        (outcome, route) -> Outcomes.exception(outcome, IdempotencyKey.of("k"), route, 2);

    SteadfastException e = map.apply(new Outcome.Unknown(Failure.of("connection reset", null)), "rest-eu");

    assertThat(e).isInstanceOf(DeliveryUnknownException.class);
    assertThat(e.getMessage()).contains("route 'rest-eu' after 2 attempts").contains("may have accepted it");
    assertThatThrownBy(() -> Outcomes.exception(new Outcome.Accepted("t", 1, 0, null), IdempotencyKey.of("k"), "r", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
