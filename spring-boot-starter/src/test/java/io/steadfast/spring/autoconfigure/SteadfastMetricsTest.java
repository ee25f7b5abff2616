package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
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
}
