package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryPolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** {@code send} with {@link SendOptions#withReconcile(boolean)}, and {@link EmailClient#reconcile}. */
class ReconcileInCallTest {
  private static final IdempotencyKey KEY = IdempotencyKey.of("order-1-confirmation");
  private static final Message MESSAGE = Message.builder().from("shop@example.com").to("alice@example.com")
      .cc("bob@example.com").subject("Hi").text("Hello").idempotencyKey(KEY).build();
  private static final Outcome UNKNOWN = new Outcome.Unknown(Failure.of("read timed out", null));
  private static final Outcome ACCEPTED = new Outcome.Accepted("tx-2", 2, 0, "req");
  private static final SendOptions RECONCILE = SendOptions.NONE.withReconcile(true);
  private static final ReconcilePolicy POLICY = ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofSeconds(90))
      .withRecheckDelay(Duration.ofSeconds(60));

  private final FakeClock clock = new FakeClock();
  private final FakeTimer timer = new FakeTimer(clock);
  private final RecordingListener listener = new RecordingListener();
  private final ScriptedTransport rest = new ScriptedTransport("rest-us");
  private final ScriptedEvents events = new ScriptedEvents();

  private EmailClient client() {
    return new DefaultEmailClient(SteadfastConfig.builder().transports(List.of(rest)).messageEvents(events)
        .reconcilePolicy(POLICY).retryPolicy(RetryPolicy.DEFAULT).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .listener(listener).clock(clock).build(), timer);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void returnsAReceiptConfirmedFromEventsWithoutResending(SendMode mode) throws Throwable {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.thenFind(Map.of(KEY, ScriptedEvents.injection("tx-1", clock.instant())));

    SendReceipt receipt = mode.send(client(), MESSAGE, RECONCILE);

    assertThat(receipt.confirmedFromEvents()).isTrue();
    assertThat(receipt.transmissionId()).isEqualTo("tx-1");
    assertThat(receipt.idempotencyKey()).isEqualTo(KEY);
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(timer.waits()).containsExactly(Duration.ofSeconds(90));
    assertThat(events.searches()).singleElement().satisfies(lookups -> assertThat(lookups).singleElement()
        .satisfies(lookup -> {
          assertThat(lookup.idempotencyKey()).isEqualTo(KEY);
          assertThat(lookup.recipients()).containsExactly("alice@example.com", "bob@example.com");
        }));
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void throwsRejectedWhenTheEventsShowARejection(SendMode mode) {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.thenFind(Map.of(KEY, ScriptedEvents.policyRejection("550 5.7.1 suppressed", clock.instant())));

    assertThatThrownBy(() -> mode.send(client(), MESSAGE, RECONCILE))
        .isInstanceOfSatisfying(RejectedByProviderException.class, e -> {
          assertThat(e.mayHaveBeenSent()).isFalse();
          assertThat(e.getMessage()).contains("policy_rejection").contains("550 5.7.1 suppressed");
        });
    assertThat(rest.deliveries()).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void resendsWithTheSameKeyOnlyAfterTwoSearchesFindNothing(SendMode mode) throws Throwable {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.thenNothing().thenNothing();

    SendReceipt receipt = mode.send(client(), MESSAGE, RECONCILE);

    assertThat(receipt.confirmedFromEvents()).isFalse();
    assertThat(receipt.transmissionId()).isEqualTo("tx-2");
    assertThat(events.searches()).hasSize(2);
    assertThat(timer.waits()).containsExactly(Duration.ofSeconds(90), Duration.ofSeconds(60));
    assertThat(rest.deliveries()).extracting(d -> d.idempotencyKey()).containsExactly(KEY, KEY);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void throwsUnknownWhenTheEventsCannotTell(SendMode mode) {
    rest.then(UNKNOWN).then(ACCEPTED);
    events.then(new MessageEvents.Unavailable(Failure.of("HTTP 502 Could not proceed", null), null, 4));

    assertThatThrownBy(() -> mode.send(client(), MESSAGE, RECONCILE)).isInstanceOf(DeliveryUnknownException.class);
    assertThat(rest.deliveries()).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void doesNotSearchUnlessTheCallerOptedIn(SendMode mode) {
    rest.then(UNKNOWN).then(ACCEPTED);

    assertThatThrownBy(() -> mode.send(client(), MESSAGE)).isInstanceOf(DeliveryUnknownException.class);
    assertThat(events.searches()).isEmpty();
    assertThat(rest.deliveries()).hasSize(1);
  }

  @Test
  void aStoredListMessageIsLookedUpByItsCampaignAndTemplateInsteadOfRecipients() {
    Message listMessage = Message.builder().recipientList("spring-customers")
        .campaignId("spring-sale").template("spring-template").idempotencyKey(KEY).build();
    rest.then(UNKNOWN);
    events.thenFind(Map.of(KEY, ScriptedEvents.injection("tx-list", clock.instant())));

    SendReceipt receipt = client().send(listMessage, RECONCILE);

    assertThat(receipt.transmissionId()).isEqualTo("tx-list");
    assertThat(events.searches()).singleElement().satisfies(lookups -> assertThat(lookups).singleElement()
        .satisfies(lookup -> {
          assertThat(lookup.recipients()).isEmpty();
          assertThat(lookup.campaignId()).isEqualTo("spring-sale");
          assertThat(lookup.templateId()).isEqualTo("spring-template");
        }));
  }

  @Test
  void reconcileAnswersAcceptedRejectedOrNotFound() {
    EmailClient client = client();
    ReconcileRequest request = ReconcileRequest.of(MESSAGE, KEY, clock.instant(), "rest-us");
    events.thenFind(Map.of(KEY, ScriptedEvents.injection("tx-1", clock.instant())))
        .thenFind(Map.of(KEY, ScriptedEvents.policyRejection("suppressed", clock.instant())))
        .thenNothing();

    assertThat(client.reconcile(request)).isInstanceOfSatisfying(ReconcileResult.Accepted.class,
        accepted -> assertThat(accepted.transmissionId()).isEqualTo("tx-1"));
    assertThat(client.reconcile(request)).isInstanceOfSatisfying(ReconcileResult.Rejected.class,
        rejected -> assertThat(rejected.reason()).isEqualTo("suppressed"));
    assertThat(client.reconcile(request)).isInstanceOf(ReconcileResult.NotFound.class);
    assertThat(events.untils()).containsOnly(clock.instant());
  }

  @Test
  void reconcileThrowsRetryableWhenUnavailableAndPermanentWhenForbidden() {
    EmailClient client = client();
    ReconcileRequest request = ReconcileRequest.of(MESSAGE, KEY, clock.instant(), "rest-us");
    events.then(new MessageEvents.Unavailable(Failure.of("HTTP 429", null), Duration.ofSeconds(30), 1))
        .then(new MessageEvents.Forbidden(Failure.of("HTTP 403: the API key lacks the \"Events Search: Read-only\" "
            + "grant", null), 1));

    assertThatThrownBy(() -> client.reconcile(request)).isInstanceOfSatisfying(ProviderUnavailableException.class,
        e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30)));
    assertThatThrownBy(() -> client.reconcile(request)).isInstanceOf(AuthenticationFailedException.class)
        .hasMessageContaining("Events Search: Read-only");
  }
}
