package io.steadfast.internal;

import io.steadfast.testing.FakeClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryPolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResilienceTest {


  private static final Message MESSAGE = Message.builder()
      .from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello").build();
  private static final Failure DOWN = new Failure("HTTP 503 Service Unavailable", 503, null, null, "req", null);
  private static final Outcome UNAVAILABLE = new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, DOWN, null);
  private static final Outcome ACCEPTED = new Outcome.Accepted("tx-1", 1, 0, "req");

  private final FakeClock clock = new FakeClock();
  private final FakeTimer timer = new FakeTimer(clock);
  private final RecordingListener listener = new RecordingListener();
  private final ScriptedTransport rest = new ScriptedTransport("rest-us");
  private final ScriptedTransport smtp = new ScriptedTransport("smtp-us");

  private EmailClient client(RetryPolicy retry, CircuitBreakerPolicy breaker, ScriptedTransport... routes) {
    return new DefaultEmailClient(SteadfastConfig.builder()
        .transports(List.of(routes)).retryPolicy(retry).circuitBreakerPolicy(breaker)
        .listener(listener).clock(clock).build(), timer);
  }

  private EmailClient client(ScriptedTransport... routes) {
    return client(RetryPolicy.DEFAULT, CircuitBreakerPolicy.DISABLED, routes);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void retriesServerErrorWithSameIdempotencyKey(SendMode mode) throws Throwable {
    rest.then(UNAVAILABLE).then(UNAVAILABLE).then(ACCEPTED);

    SendReceipt receipt = mode.send(client(rest), MESSAGE);

    assertThat(receipt.attempts()).isEqualTo(3);
    assertThat(rest.deliveries()).extracting(Delivery::idempotencyKey).containsOnly(receipt.idempotencyKey());
    assertThat(rest.deliveries()).extracting(Delivery::attempt).containsExactly(1, 2, 3);
    assertThat(timer.waits()).hasSize(2).allSatisfy(wait ->
        assertThat(wait).isBetween(RetryPolicy.DEFAULT_MIN_BACKOFF, RetryPolicy.DEFAULT_MAX_BACKOFF));
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void honoursRetryAfterOn429AsAMinimum(SendMode mode) throws Throwable {
    rest.then(new Outcome.NotSent(Outcome.NotSent.Reason.RATE_LIMITED, DOWN, Duration.ofSeconds(40))).then(ACCEPTED);

    mode.send(client(rest), MESSAGE);

    assertThat(timer.waits()).containsExactly(Duration.ofSeconds(40));
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void afterA429TheRouteIsPacedSoLaterSendsAreSpacedOut(SendMode mode) throws Throwable {
    EmailClient client = client(rest);
    for (int i = 0; i < 20; i++) {
      rest.then(ACCEPTED);
      mode.send(client, MESSAGE);
      clock.advance(Duration.ofMillis(50));
    }
    rest.then(new Outcome.NotSent(Outcome.NotSent.Reason.RATE_LIMITED, DOWN, Duration.ofSeconds(1)))
        .then(ACCEPTED).then(ACCEPTED).then(ACCEPTED);

    for (int i = 0; i < 3; i++) {
      mode.send(client, MESSAGE);
    }

    // The refused send waits its backoff (at least the Retry-After); the two after it are paced: 19 were
    // accepted in the second before the refusal (the first send is exactly a second old), over the 950 ms
    // they span: 20 a second. The pace settles 7% below that and grows 1% a second meanwhile.
    assertThat(timer.waits()).hasSize(3);
    Duration retryWait = timer.waits().get(0);
    assertThat(retryWait).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    double pace = 19 / 0.95 * AdaptiveRateLimiter.SETTLE_FACTOR
        * Math.pow(AdaptiveRateLimiter.GROWTH_PER_SECOND, retryWait.toNanos() / 1e9);
    assertThat(timer.waits().subList(1, 3)).allSatisfy(wait ->
        assertThat((double) wait.toNanos()).isCloseTo(1e9 / pace, within(2e6)));
  }

  @Test
  void spooledMessageRefusedWith429GoesBackToTheSpoolInsteadOfHoldingAWorkerAsleep() throws Exception {
    rest.then(new Outcome.NotSent(Outcome.NotSent.Reason.RATE_LIMITED, DOWN, Duration.ofSeconds(40)));
    SteadfastConfig config = SteadfastConfig.builder().transports(List.of(rest)).listener(listener).clock(clock)
        .spool(io.steadfast.SpoolConfig.builder(io.steadfast.spi.Spool.inMemory()).build()).build();
    try (EmailClient client = new DefaultEmailClient(config, timer)) {
      io.steadfast.SubmitReceipt receipt = client.submit(MESSAGE);

      // The listener hears of the retry only after the spool rescheduled the entry.
      assertThat(listener.awaitEventStartingWith("retry ", Duration.ofMinutes(2))).isTrue();
      io.steadfast.spi.SpoolEntry entry = client.spoolOperations().inspect(receipt.spoolId()).orElseThrow();

      assertThat(entry.attempts()).isEqualTo(1);
      assertThat(entry.state()).isEqualTo(io.steadfast.spi.SpoolState.PENDING);
      assertThat(timer.waits()).as("no worker slept through a backoff").isEmpty();
      assertThat(rest.deliveries()).hasSize(1);
      assertThat(entry.nextAttemptAt()).isAfterOrEqualTo(receipt.acceptedAt().plusSeconds(40));
      assertThat(entry.lastError()).contains("429");
      // The spool's retry is reported like any other, with its delay.
      assertThat(listener.events()).anySatisfy(event -> assertThat(event).startsWith("retry rest-us #1 in PT"));
    }
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void failsRatherThanShortenARetryAfterBeyondTheDeadline(SendMode mode) {
    rest.then(new Outcome.NotSent(Outcome.NotSent.Reason.RATE_LIMITED, DOWN, Duration.ofMinutes(5)));

    assertThatThrownBy(() -> mode.send(client(rest), MESSAGE))
        .isInstanceOfSatisfying(RateLimitedException.class,
            e -> assertThat(e.retryAfter()).contains(Duration.ofMinutes(5)));
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(timer.waits()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void doesNotRetryRejectedMessages(SendMode mode) {
    rest.then(new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE, DOWN));

    assertThatThrownBy(() -> mode.send(client(rest, smtp), MESSAGE)).isInstanceOf(RejectedByProviderException.class);
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(smtp.deliveries()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void neverRetriesTheSendingQuotaWithinACall(SendMode mode) {
    rest.then(new Outcome.NotSent(Outcome.NotSent.Reason.QUOTA_EXCEEDED, DOWN, null));

    assertThatThrownBy(() -> mode.send(client(rest, smtp), MESSAGE)).isInstanceOf(SendingLimitExceededException.class);
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(smtp.deliveries()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void failsOverToTheNextRouteWithTheSameKeyWhenNotSent(SendMode mode) throws Throwable {
    rest.then(UNAVAILABLE);
    smtp.then(ACCEPTED);

    SendReceipt receipt = mode.send(client(rest, smtp), MESSAGE);

    assertThat(receipt.route()).isEqualTo("smtp-us");
    assertThat(receipt.attempts()).isEqualTo(2);
    assertThat(smtp.deliveries().get(0).idempotencyKey()).isEqualTo(rest.deliveries().get(0).idempotencyKey());
    assertThat(timer.waits()).as("failover does not wait").isEmpty();
    assertThat(listener.events()).contains("failover rest-us->smtp-us");
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void neverResendsAnUnknownOutcomeWithinTheCallNorFailsOver(SendMode mode) {
    Outcome unknown = new Outcome.Unknown(Failure.of("read timed out", null));
    rest.then(unknown).then(ACCEPTED);
    smtp.then(ACCEPTED);

    assertThatThrownBy(() -> mode.send(client(rest, smtp), MESSAGE))
        .isInstanceOfSatisfying(DeliveryUnknownException.class, e -> {
          assertThat(e.mayHaveBeenSent()).isTrue();
          assertThat(e.attempts()).isEqualTo(1);
          assertThat(e.reconcileRequest()).hasValueSatisfying(request -> {
            assertThat(request.idempotencyKey()).isEqualTo(rest.deliveries().get(0).idempotencyKey());
            assertThat(request.recipients()).containsExactly("alice@example.com");
            assertThat(request.route()).isEqualTo("rest-us");
            assertThat(request.sentAfter()).isEqualTo(clock.instant());
          });
        });
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(smtp.deliveries()).isEmpty();
    assertThat(timer.waits()).isEmpty();
  }

  @Test
  void retryBudgetStopsRetriesButNotFirstAttempts() {
    RetryPolicy tight = RetryPolicy.builder().budgetCapacity(10).retryCost(5).successRefund(0).build();
    EmailClient client = client(tight, CircuitBreakerPolicy.DISABLED, rest);
    for (int i = 0; i < 4; i++) {
      rest.then(UNAVAILABLE);
    }
    rest.then(ACCEPTED);

    // 1st send: attempt + 2 retries (10 tokens spent). 2nd send: one attempt, no tokens left for a
    // retry. 3rd send: its first attempt still goes through.
    assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    SendReceipt third = client.send(MESSAGE.toBuilder().subject("third").build());

    assertThat(rest.deliveries()).hasSize(5);
    assertThat(third.attempts()).isEqualTo(1);
    assertThat(listener.events()).filteredOn(e -> e.startsWith("budget")).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void circuitOpensFailsFastWithNextProbeThenHalfOpensAndCloses(SendMode mode) throws Throwable {
    CircuitBreakerPolicy breaker = CircuitBreakerPolicy.builder()
        .slidingWindowSize(4).minimumNumberOfCalls(4).firstWaitInOpenState(Duration.ofSeconds(30))
        .waitInOpenState(Duration.ofSeconds(30)).permittedCallsInHalfOpenState(1).build();
    EmailClient client = client(RetryPolicy.NO_RETRIES, breaker, rest);
    for (int i = 0; i < 4; i++) {
      rest.then(UNAVAILABLE);
      assertThatThrownBy(() -> mode.send(client, MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    }

    // The wait is jittered between half and all of the 30 s ceiling.
    assertThatThrownBy(() -> mode.send(client, MESSAGE))
        .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
          assertThat(e.getMessage()).containsPattern("Route 'rest-us' circuit is OPEN; next probe in (1[5-9]|2[0-9]|30)s");
          assertThat(e.retryAfter()).hasValueSatisfying(wait ->
              assertThat(wait).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30)));
        });
    assertThat(rest.deliveries()).as("an open circuit does not call SparkPost").hasSize(4);

    clock.advance(Duration.ofSeconds(31));
    rest.then(ACCEPTED);
    SendReceipt probe = mode.send(client, MESSAGE);

    assertThat(probe.transmissionId()).isEqualTo("tx-1");
    assertThat(((DefaultEmailClient) client).circuitStates()).containsEntry("rest-us", CircuitState.CLOSED);
    assertThat(listener.events()).containsSubsequence(
        "circuit rest-us CLOSED->OPEN", "circuit rest-us OPEN->HALF_OPEN", "circuit rest-us HALF_OPEN->CLOSED");
  }

  @Test
  void probeWaitsStartShortDoubleWithJitterWhileProbesFailAndStartShortAgainAfterRecovery() {
    CircuitBreakerPolicy breaker = CircuitBreakerPolicy.builder()
        .slidingWindowSize(2).minimumNumberOfCalls(2).firstWaitInOpenState(Duration.ofSeconds(1))
        .waitInOpenState(Duration.ofSeconds(8)).build();
    EmailClient client = client(RetryPolicy.NO_RETRIES, breaker, rest);
    for (int i = 0; i < 2; i++) {
      rest.then(UNAVAILABLE);
      assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    }
    List<Duration> waits = new ArrayList<>();
    // Six failed probes: each open period's wait, read from the fail-fast answer, then the probe fails.
    for (int probe = 1; probe <= 6; probe++) {
      Duration wait = nextProbeWait(client);
      waits.add(wait);
      long ceiling = Math.min(8, 1L << (probe - 1));
      assertThat(wait).as("wait before probe %d", probe)
          .isBetween(Duration.ofMillis(ceiling * 500), Duration.ofSeconds(ceiling));
      clock.advance(wait.plusMillis(1));
      rest.then(UNAVAILABLE);
      assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    }
    assertThat(rest.deliveries()).as("one probe per open period").hasSize(2 + 6);

    clock.advance(nextProbeWait(client).plusMillis(1));
    rest.then(ACCEPTED);
    client.send(MESSAGE);
    for (int i = 0; i < 2; i++) {
      rest.then(UNAVAILABLE);
      assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    }

    assertThat(nextProbeWait(client)).as("a new outage starts with the short wait again (%s before)", waits)
        .isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
  }

  /** Returns the wait an open circuit's fail-fast answer gives, without calling SparkPost. */
  private Duration nextProbeWait(EmailClient client) {
    int before = rest.deliveries().size();
    Throwable failure = catchThrowable(() -> client.send(MESSAGE));
    assertThat(rest.deliveries()).as("an open circuit does not call SparkPost").hasSize(before);
    assertThat(failure).isInstanceOf(ProviderUnavailableException.class);
    return ((ProviderUnavailableException) failure).retryAfter().orElseThrow();
  }

  @Test
  void openCircuitFailsOverWithoutCallingTheRoute() {
    CircuitBreakerPolicy breaker = CircuitBreakerPolicy.builder().slidingWindowSize(2).minimumNumberOfCalls(2).build();
    EmailClient client = client(RetryPolicy.NO_RETRIES, breaker, rest, smtp);
    rest.then(UNAVAILABLE).then(UNAVAILABLE);
    assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    assertThatThrownBy(() -> client.send(MESSAGE)).isInstanceOf(ProviderUnavailableException.class);
    smtp.then(ACCEPTED);

    SendReceipt receipt = client.send(MESSAGE);

    assertThat(receipt.route()).isEqualTo("smtp-us");
    assertThat(receipt.attempts()).isEqualTo(1);
    assertThat(rest.deliveries()).hasSize(2);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void secondSendOfAnAcceptedKeyReturnsTheFirstReceiptWithoutSending(SendMode mode) throws Throwable {
    EmailClient client = client(rest);
    rest.then(ACCEPTED);
    Message keyed = MESSAGE.withIdempotencyKey(IdempotencyKey.of("order-42"));

    SendReceipt first = mode.send(client, keyed);
    SendReceipt second = mode.send(client, keyed);

    assertThat(second).isEqualTo(first);
    assertThat(rest.deliveries()).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void sameKeyWithDifferentContentIsAConflict(SendMode mode) throws Throwable {
    EmailClient client = client(rest);
    rest.then(ACCEPTED);
    IdempotencyKey key = IdempotencyKey.of("order-42");
    mode.send(client, MESSAGE.withIdempotencyKey(key));

    assertThatThrownBy(() -> mode.send(client, MESSAGE.toBuilder().text("other").idempotencyKey(key).build()))
        .isInstanceOf(IdempotencyConflictException.class)
        .hasMessageContaining("already used for a different message");
    assertThat(rest.deliveries()).hasSize(1);
  }

  @Test
  void concurrentSendsOfOneKeyShareOneAttempt() {
    EmailClient client = client(rest);
    rest.holdAsync();
    SendOptions options = SendOptions.idempotencyKey(IdempotencyKey.of("order-7"));

    CompletableFuture<SendReceipt> first = client.sendAsync(MESSAGE, options);
    CompletableFuture<SendReceipt> second = client.sendAsync(MESSAGE, options);
    rest.pending().get(0).complete(ACCEPTED);

    assertThat(first).succeedsWithin(Duration.ofMinutes(2));
    assertThat(second).succeedsWithin(Duration.ofMinutes(2)).isEqualTo(first.join());
    assertThat(rest.deliveries()).hasSize(1);
  }

  @Test
  void aThrowingListenerNeverBreaksASend() {
    DeliveryListener hostile = new DeliveryListener() {
      @Override
      public void attemptStarted(IdempotencyKey key, String route, int attempt) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void sendSucceeded(SendReceipt receipt) {
        throw new IllegalStateException("listener bug");
      }
    };
    EmailClient client = new DefaultEmailClient(SteadfastConfig.builder()
        .transports(List.of(rest)).listener(hostile).clock(clock).build(), timer);
    rest.then(ACCEPTED);

    assertThat(client.send(MESSAGE).transmissionId()).isEqualTo("tx-1");
  }

  @Test
  void backoffUsesFullJitterBetweenFloorAndGrowingCeiling() {
    RetryPolicy policy = RetryPolicy.builder().minBackoff(Duration.ofSeconds(1))
        .initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(10)).build();

    assertThat(Backoff.of(policy, () -> 0.0).delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.of(policy, () -> 0.999999).delay(1)).isEqualTo(Duration.ofMillis(1999));
    assertThat(Backoff.of(policy, () -> 0.999999).delay(3)).isEqualTo(Duration.ofMillis(7999));
    assertThat(Backoff.of(policy, () -> 0.999999).delay(10)).isEqualTo(Duration.ofMillis(9999));
  }

  @Test
  void retryPolicyRejectsNonsense() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).build()).hasMessage("maxAttempts must be >= 1 but was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().minBackoff(Duration.ofSeconds(20)).build())
        .hasMessageContaining("minBackoff <= initialBackoff <= maxBackoff");
    assertThatThrownBy(() -> CircuitBreakerPolicy.builder().failureRateThreshold(0).build())
        .hasMessage("failureRateThreshold must be in (0, 100] but was 0.0");
  }
}
