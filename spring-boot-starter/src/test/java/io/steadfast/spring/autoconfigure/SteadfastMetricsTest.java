package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener.EventsSearchOutcome;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SendReceipt;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SteadfastMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeClock clock = new FakeClock();
  private final SteadfastState state = new SteadfastState(clock, Duration.ZERO);
  private final SteadfastMetrics metrics = new SteadfastMetrics(registry, state);
  private final FixedSpoolOperations spool = new FixedSpoolOperations();

  @Test
  void countsFailoversByRoutePair() {
    metrics.failover(IdempotencyKey.generate(), "rest-us", "smtp-us", "circuit open");

    assertThat(registry.get("steadfast.failovers").tag("from", "rest-us").tag("to", "smtp-us").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void countsRetryBudgetExhaustionByRoute() {
    metrics.retryBudgetExhausted(IdempotencyKey.generate(), "rest-us");

    assertThat(registry.get("steadfast.retry.budget.exhausted").tag("route", "rest-us").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void gaugesCurrentCircuitStatePerRoute() {
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    metrics.bindRoutes();

    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);
    metrics.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);

    assertThat(registry.get("steadfast.circuit.state").tag("route", "rest-us").tag("state", "open").gauge().value())
        .isEqualTo(1.0);
    assertThat(registry.get("steadfast.circuit.state").tag("route", "rest-us").tag("state", "closed").gauge().value())
        .isEqualTo(0.0);
  }

  @Test
  void timesDeliveryFromSubmitToAcceptanceAcrossTheWaitInTheSpool() {
    SendReceipt receipt = new SendReceipt("t-1", 1, 0, IdempotencyKey.of("order-1"), "rest-us", 1, null);
    Instant submitted = clock.instant();
    clock.advance(Duration.ofMinutes(42));

    metrics.delivered(new DeliveryResult.Delivered(7, receipt, submitted));

    assertThat(registry.get("steadfast.spool.delivery.latency").tag("route", "rest-us").timer()
        .totalTime(TimeUnit.MINUTES)).isEqualTo(42.0);
    assertThat(registry.get("steadfast.spool.delivered").tag("route", "rest-us").counter().count()).isEqualTo(1.0);
  }

  @Test
  void recordsZeroLatencyWhenTheSubmittingNodesClockWasAhead() {
    SendReceipt receipt = new SendReceipt("t-1", 1, 0, IdempotencyKey.of("order-1"), "rest-us", 1, null);

    metrics.delivered(new DeliveryResult.Delivered(7, receipt, clock.instant().plusSeconds(3)));

    assertThat(registry.get("steadfast.spool.delivery.latency").timer().count()).isEqualTo(1);
    assertThat(registry.get("steadfast.spool.delivery.latency").timer().totalTime(TimeUnit.NANOSECONDS))
        .isZero();
  }

  @Test
  void countsDeadLettersByReason() {
    metrics.deadLettered(new DeliveryResult.DeadLettered(3, IdempotencyKey.of("order-3"),
        DeliveryResult.Reason.EXPIRED, "not delivered by its deadline", clock.instant()));

    assertThat(registry.get("steadfast.spool.dead.letters").tag("reason", "expired").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void gaugesSpoolDepthByStateAndOldestPendingAge() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000));
    spool.set(FixedSpoolOperations.stats(5, 2, 40, 1, 9_000, Duration.ofMinutes(3)));

    metrics.bindRoutes();

    assertThat(registry.get("steadfast.spool.entries").tag("state", "pending").gauge().value()).isEqualTo(5.0);
    assertThat(registry.get("steadfast.spool.entries").tag("state", "in_flight").gauge().value()).isEqualTo(2.0);
    assertThat(registry.get("steadfast.spool.entries").tag("state", "delivered").gauge().value()).isEqualTo(40.0);
    assertThat(registry.get("steadfast.spool.entries").tag("state", "dead").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("steadfast.spool.oldest.pending.age").timeGauge().value(TimeUnit.SECONDS))
        .isEqualTo(180.0);
    assertThat(registry.get("steadfast.spool.stored").gauge().value()).isEqualTo(9_000.0);
  }

  @Test
  void spoolGaugesAreNanWhileClientIsStopped() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000));
    metrics.bindRoutes();

    state.clientStopped();

    assertThat(registry.get("steadfast.spool.entries").tag("state", "pending").gauge().value()).isNaN();
  }

  @Test
  void spoolGaugesAreNanWhenSpoolCannotBeRead() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000));
    metrics.bindRoutes();

    spool.failWith(new IllegalStateException("spool is closed"));

    assertThat(registry.get("steadfast.spool.entries").tag("state", "pending").gauge().value()).isNaN();
  }

  @Test
  void registersNoSpoolGaugesWithoutSpool() {
    state.clientStarted(null);

    metrics.bindRoutes();

    assertThat(registry.find("steadfast.spool.entries").gauges()).isEmpty();
  }

  @Test
  void gaugesReconcilingSpoolEntries() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000));
    spool.set(FixedSpoolOperations.stats(5, 2, 3, 40, 1, 9_000, Duration.ofMinutes(3)));

    metrics.bindRoutes();

    assertThat(registry.get("steadfast.spool.entries").tag("state", "reconciling").gauge().value()).isEqualTo(3.0);
  }

  @Test
  void countsReconcileResultsByResult() {
    IdempotencyKey key = IdempotencyKey.of("order-9");

    metrics.reconciled(key, new ReconcileResult.Accepted("t-9", clock.instant(), "rest"));
    metrics.reconciled(key, new ReconcileResult.Accepted(null, clock.instant(), null));
    metrics.reconciled(key, new ReconcileResult.Rejected("policy_rejection", "suppressed", "t-10"));
    metrics.reconciled(key, new ReconcileResult.NotFound());

    assertThat(registry.get("steadfast.reconcile.results").tag("result", "accepted").counter().count())
        .isEqualTo(2.0);
    assertThat(registry.get("steadfast.reconcile.results").tag("result", "rejected").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("steadfast.reconcile.results").tag("result", "not_found").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void countsReconcileGiveUpsByPolicy() {
    metrics.reconcileGaveUp(IdempotencyKey.of("order-1"), ReconcilePolicy.Mode.DEAD_LETTER, "reconcile timeout passed");
    metrics.reconcileGaveUp(IdempotencyKey.of("order-2"), ReconcilePolicy.Mode.RECONCILE, "missing grant");

    assertThat(registry.get("steadfast.reconcile.gave.up").tag("policy", "dead_letter").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("steadfast.reconcile.gave.up").tag("policy", "reconcile").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void countsEventsSearchesByOutcomeAndSumsTheirRequests() {
    metrics.eventsSearched(25, 3, EventsSearchOutcome.ANSWERED);
    metrics.eventsSearched(25, 2, EventsSearchOutcome.UNAVAILABLE);
    metrics.eventsSearched(1, 1, EventsSearchOutcome.FORBIDDEN);

    assertThat(registry.get("steadfast.events.searches").tag("outcome", "answered").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("steadfast.events.searches").tag("outcome", "unavailable").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("steadfast.events.searches").tag("outcome", "forbidden").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("steadfast.events.requests").counter().count()).isEqualTo(6.0);
    assertThat(registry.get("steadfast.events.lookups").counter().count()).isEqualTo(51.0);
  }
}
