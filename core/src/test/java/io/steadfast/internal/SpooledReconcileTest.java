package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher settles lost answers from SparkPost's events before any re-send: the spool, the
 * route chain and the reconciler are real; the transport and the events search are scripted, and time
 * is a fake clock that the tests move.
 */
class SpooledReconcileTest {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Outcome UNKNOWN = new Outcome.Unknown(Failure.of("read timed out", null));
  private static final Outcome ACCEPTED = new Outcome.Accepted("tx-2", 1, 0, "req");
  private static final Duration SETTLE = ReconcilePolicy.DEFAULT_SETTLE_DELAY;
  private static final Duration RECHECK = ReconcilePolicy.DEFAULT_RECHECK_DELAY;

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final ScriptedTransport rest = new ScriptedTransport("rest-us");
  private final ScriptedEvents events = new ScriptedEvents();
  private final Spool spool = Spool.inMemory();
  private EmailClient client;

  private EmailClient client(ReconcilePolicy policy) {
    client = EmailClient.create(SteadfastConfig.builder().transports(List.of(rest)).messageEvents(events)
        .reconcilePolicy(policy).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED).listener(listener).clock(clock)
        .spool(SpoolConfig.builder(spool).pollInterval(Duration.ofMillis(20)).lease(Duration.ofMinutes(5)).build())
        .build());
    return client;
  }

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private static Message message(String key) {
    return Message.builder().from("shop@example.com").to(key + "@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
  }

  private void await(String eventPrefix) throws InterruptedException {
    assertThat(listener.awaitEventStartingWith(eventPrefix, WAIT)).as("event '%s' in %s", eventPrefix,
        listener.events()).isTrue();
  }

  private DeliveryResult result(SubmitReceipt receipt) throws Exception {
    return client.result(receipt).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void anInjectionEventDeliversTheEntryWithoutResending() throws Exception {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1 rest-us");
    assertThat(client.spoolOperations().inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.nextAttemptAt()).isEqualTo(clock.instant().plus(SETTLE));
    });
    assertThat(events.searches()).as("nothing is searched before the settle delay").isEmpty();

    clock.advance(SETTLE);

    DeliveryResult result = result(receipt);
    assertThat(result).isInstanceOfSatisfying(DeliveryResult.Delivered.class, delivered -> {
      assertThat(delivered.receipt().confirmedFromEvents()).isTrue();
      assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-1");
    });
    assertThat(rest.deliveries()).hasSize(1);
    SpoolEntry entry = client.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
    assertThat(entry.state()).isEqualTo(SpoolState.DELIVERED);
    assertThat(entry.receipt()).isNotNull();
    assertThat(entry.receipt().confirmedFromEvents()).isTrue();
    await("reconciled k1 Accepted");
  }

  @Test
  void aRejectionEventDeadLettersTheEntryWithSparkPostsReason() throws Exception {
    rest.then(UNKNOWN);
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.policyRejection("550 5.7.1 suppressed", clock.instant()));
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");

    clock.advance(SETTLE);

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.DeadLettered.class, dead -> {
      assertThat(dead.reason()).isEqualTo(DeliveryResult.Reason.REJECTED);
      assertThat(dead.detail()).contains("policy_rejection").contains("550 5.7.1 suppressed");
    });
    assertThat(rest.deliveries()).hasSize(1);
  }

  @Test
  void anEventThatShowsUpOnlyOnTheSecondSearchStillPreventsTheResend() throws Exception {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.thenNothing();
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");
    clock.advance(SETTLE);
    await("searched 1 ANSWERED");
    assertThat(client.spoolOperations().inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.reconcileLooks()).isEqualTo(1);
    });
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-late", clock.instant()));

    clock.advance(RECHECK);

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.Delivered.class,
        delivered -> assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-late"));
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(events.searches()).hasSize(2);
  }

  @Test
  void twoSearchesThatFindNothingResendWithTheSameKey() throws Exception {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.thenNothing().thenNothing();
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");
    clock.advance(SETTLE);
    await("searched 1 ANSWERED");

    clock.advance(RECHECK);

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.Delivered.class, delivered -> {
      assertThat(delivered.receipt().confirmedFromEvents()).isFalse();
      assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-2");
    });
    assertThat(rest.deliveries()).extracting(d -> d.idempotencyKey().value()).containsExactly("k1", "k1");
    await("reconciled k1 NotFound");
  }

  @Test
  void whileTheEventsApiIsDownTheEntryWaitsAndOtherMailKeepsFlowing() throws Exception {
    rest.then(UNKNOWN);
    events.then(new MessageEvents.Unavailable(Failure.of("HTTP 502 Could not proceed", null), null, 4));
    SubmitReceipt first = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");
    clock.advance(SETTLE);
    await("searched 1 UNAVAILABLE");
    assertThat(client.spoolOperations().inspect(first.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.reconcileLooks()).as("a failed search is not a look").isZero();
      assertThat(entry.lastError()).contains("502");
    });

    rest.then(ACCEPTED);
    SubmitReceipt second = client.submit(message("k2"));
    assertThat(result(second)).isInstanceOf(DeliveryResult.Delivered.class);

    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    clock.advance(Duration.ofMinutes(6)); // past the longest backoff
    assertThat(result(first)).isInstanceOfSatisfying(DeliveryResult.Delivered.class,
        delivered -> assertThat(delivered.receipt().confirmedFromEvents()).isTrue());
    assertThat(rest.deliveries()).extracting(d -> d.idempotencyKey().value()).containsExactly("k1", "k2");
  }

  @Test
  void afterAFailedSearchTheReconcilerPausesAndEntriesDueMeanwhileShareTheNextSearch() throws Exception {
    rest.then(UNKNOWN).then(UNKNOWN);
    events.then(new MessageEvents.Unavailable(Failure.of("HTTP 429 Too many requests", null),
        Duration.ofMinutes(10), 4));
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()))
        .always(IdempotencyKey.of("k2"), ScriptedEvents.injection("tx-2", clock.instant()));
    SubmitReceipt first = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");
    clock.advance(SETTLE);
    await("searched 1 UNAVAILABLE");
    SubmitReceipt second = client.submit(message("k2"));
    await("reconciling k2");
    clock.advance(SETTLE); // k2 is due, but the Events API asked for 10 minutes

    clock.advance(Duration.ofMinutes(10));

    assertThat(result(first)).isInstanceOf(DeliveryResult.Delivered.class);
    assertThat(result(second)).isInstanceOf(DeliveryResult.Delivered.class);
    assertThat(events.searches()).hasSize(2);
    assertThat(events.searches().get(1)).extracting(lookup -> lookup.idempotencyKey().value())
        .containsExactlyInAnyOrder("k1", "k2");
  }

  @Test
  void pastTheReconcileTimeoutTheDeadLetterPolicyLetsAPersonDecide() throws Exception {
    rest.then(UNKNOWN);
    MessageEvents.Unavailable down = new MessageEvents.Unavailable(Failure.of("HTTP 503", null), null, 4);
    for (int i = 0; i < 50; i++) {
      events.then(down);
    }
    ReconcilePolicy policy = ReconcilePolicy.DEFAULT.withMode(ReconcilePolicy.Mode.DEAD_LETTER)
        .withTimeout(Duration.ofMinutes(10));
    SubmitReceipt receipt = client(policy).submit(message("k1"));
    await("reconciling k1");
    clock.advance(SETTLE);
    await("searched 1 UNAVAILABLE");

    clock.advance(Duration.ofMinutes(10));

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.DeadLettered.class, dead -> {
      assertThat(dead.reason()).isEqualTo(DeliveryResult.Reason.OUTCOME_UNKNOWN);
      assertThat(dead.detail()).contains("reconcile timeout");
    });
    assertThat(rest.deliveries()).hasSize(1);
    await("gave up k1 DEAD_LETTER");
  }

  @Test
  void aKeyWithoutTheEventsGrantWarnsAndFallsBackToResending() throws Exception {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.then(new MessageEvents.Forbidden(Failure.of("HTTP 403: the API key lacks the \"Events Search: Read-only\" "
        + "grant", null), 1));
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT).submit(message("k1"));
    await("reconciling k1");

    clock.advance(SETTLE);

    assertThat(result(receipt)).isInstanceOf(DeliveryResult.Delivered.class);
    assertThat(rest.deliveries()).hasSize(2);
    await("gave up k1 RECONCILE");
    await("searched 1 FORBIDDEN");
    assertThat(((DefaultEmailClient) client).reconcileProblem()).hasValueSatisfying(problem ->
        assertThat(problem).contains("Events Search: Read-only"));
  }

  @Test
  void theResendPolicyResendsAtOnceWithoutSearching() throws Exception {
    rest.then(UNKNOWN).then(ACCEPTED);
    SubmitReceipt receipt = client(ReconcilePolicy.DEFAULT.withMode(ReconcilePolicy.Mode.RESEND))
        .submit(message("k1"));
    await("retry rest-us #1"); // told after the spool rescheduled it, so the clock moves past its due time

    clock.advance(Duration.ofHours(1)); // the retry schedule's wait

    assertThat(result(receipt)).isInstanceOf(DeliveryResult.Delivered.class);
    assertThat(rest.deliveries()).hasSize(2);
    assertThat(events.searches()).isEmpty();
  }

  @Test
  void entriesLeftInFlightByADeadDispatcherAreLookedUpBeforeAnyResend() throws Exception {
    SpoolEntry stored = spool.append(List.of(new Spool.NewEntry(IdempotencyKey.of("k1"), message("k1").fingerprint(),
        message("k1"), clock.instant(), clock.instant().plus(Duration.ofDays(1)), 100)), Spool.Limits.NONE).get(0);
    spool.claim(1, clock.instant(), Duration.ofMinutes(5)); // the previous process died holding it
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    client(ReconcilePolicy.DEFAULT);
    assertThat(client.spoolOperations().inspect(stored.id())).hasValueSatisfying(entry ->
        assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING));

    clock.advance(SETTLE);

    await("delivered k1 from events");
    assertThat(rest.deliveries()).isEmpty();
  }

  @Test
  void hundredsOfLostAnswersAreSettledWithOneSearch() throws Exception {
    int count = 300;
    for (int i = 0; i < count; i++) {
      rest.then(UNKNOWN);
      events.always(IdempotencyKey.of("k" + i), ScriptedEvents.injection("tx-" + i, clock.instant()));
    }
    client(ReconcilePolicy.DEFAULT);
    for (int i = 0; i < count; i++) {
      client.submit(message("k" + i));
    }
    for (int i = 0; i < count; i++) {
      await("reconciling k" + i + " ");
    }

    clock.advance(SETTLE);

    for (int i = 0; i < count; i++) {
      await("delivered k" + i + " from events");
    }
    assertThat(events.searches()).hasSize(1);
    assertThat(events.searches().get(0)).hasSize(count);
    assertThat(rest.deliveries()).hasSize(count);
  }
}
