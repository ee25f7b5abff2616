package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.IdempotencyKey;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class SteadfastMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SteadfastState state = new SteadfastState(Clock.systemUTC());
  private final SteadfastMetrics metrics = new SteadfastMetrics(registry, state);

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
}
