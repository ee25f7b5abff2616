package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class ManagedEmailClientReconcileTest {

  private static final Instant SENT = Instant.parse("2026-12-01T10:00:00Z");

  private final SteadfastState state = new SteadfastState(Clock.systemUTC(), Duration.ZERO);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SteadfastMetrics metrics = new SteadfastMetrics(registry, state);
  private final CompletableFuture<String> gaveUp = new CompletableFuture<>();
  private final CompletableFuture<DeliveryListener.EventsSearchOutcome> searched = new CompletableFuture<>();
  private final DeliveryListener gaveUpWatcher = new DeliveryListener() {
    @Override
    public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
      gaveUp.complete(policy + ": " + reason);
    }

    @Override
    public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
      // Told after the search's entries are recorded, so after reconcileGaveUp for a forbidden search.
      searched.complete(outcome);
    }
  };
  private ManagedEmailClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.destroy();
    }
  }

  private ManagedEmailClient start(MessageEvents events, boolean spooled) {
    SteadfastConfig.Builder builder = SteadfastConfig.builder().apiKey("sk-test-reconcile")
        .transports(List.of(new UnknownOutcomeTransport()))
        .listener(new CompositeDeliveryListener(List.of(state, metrics, gaveUpWatcher)))
        .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ZERO))
        .messageEvents(events);
    if (spooled) {
      builder.spool(SpoolConfig.builder(Spool.inMemory()).pollInterval(Duration.ofMillis(20))
          .closeTimeout(Duration.ofSeconds(1)).build());
    }
    SteadfastConfig config = builder.build();
    client = new ManagedEmailClient(() -> config, state, CircuitState.CLOSED, metrics::bindRoutes);
    client.start();
    return client;
  }

  private static ReconcileRequest request(IdempotencyKey key) {
    return new ReconcileRequest(key, List.of("buyer@example.com"), null, null, SENT, "rest-test");
  }

  @Test
  void reconcileAsksTheRunningClientsEvents() {
    IdempotencyKey key = IdempotencyKey.of("order-42");
    MessageEvents.Event injection = new MessageEvents.Event(MessageEvents.EventType.INJECTION, "t-42", null,
        SENT.plusSeconds(1), "rest");
    ScriptedMessageEvents events = new ScriptedMessageEvents(new MessageEvents.Found(Map.of(key, injection), 1));

    ReconcileResult result = start(events, false).reconcile(request(key));

    assertThat(result).isEqualTo(new ReconcileResult.Accepted("t-42", SENT.plusSeconds(1), "rest"));
    assertThat(events.looked).singleElement().satisfies(lookup -> {
      assertThat(lookup.idempotencyKey()).isEqualTo(key);
      assertThat(lookup.recipients()).containsExactly("buyer@example.com");
    });
  }

  @Test
  void reportsNoReconcileProblemWhileEventsAnswer() {
    start(new ScriptedMessageEvents(new MessageEvents.Found(Map.of(), 1)), true);

    assertThat(client.reconcileProblem()).isEmpty();
    assertThat(new SteadfastHealthIndicator(state, new SteadfastProperties.Health()).health().getDetails())
        .doesNotContainKey("reconcile");
  }

  @Test
  void healthAndMetricsShowMissingEventsGrantAfterForbiddenSearch() {
    ScriptedMessageEvents forbidden = new ScriptedMessageEvents(
        new MessageEvents.Forbidden(Failure.of("HTTP 403 from the Events API", null), 1));
    start(forbidden, true);

    client.submit(Message.builder().from("shop@example.com").to("buyer@example.com").subject("Order 42")
        .text("Thanks for your order").build());

    assertThat(gaveUp).succeedsWithin(Duration.ofMinutes(2)).asString().startsWith("RECONCILE: ");
    assertThat(searched).succeedsWithin(Duration.ofMinutes(2))
        .isEqualTo(DeliveryListener.EventsSearchOutcome.FORBIDDEN);
    assertThat(client.reconcileProblem()).hasValueSatisfying(problem -> assertThat(problem)
        .contains("Events Search: Read-only"));
    Health health = new SteadfastHealthIndicator(state, new SteadfastProperties.Health()).health();
    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails()).containsEntry("reconcile", client.reconcileProblem().orElseThrow());
    assertThat(registry.get("steadfast.events.searches").tag("outcome", "forbidden").counter().count())
        .isGreaterThanOrEqualTo(1.0);
    assertThat(registry.get("steadfast.reconcile.gave.up").tag("policy", "reconcile").counter().count())
        .isGreaterThanOrEqualTo(1.0);
  }
}
