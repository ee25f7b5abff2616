package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitState;
import io.steadfast.IdempotencyKey;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class SteadfastHealthIndicatorTest {

  private final SteadfastState state = new SteadfastState(Clock.systemUTC());
  private final SteadfastProperties.Health properties = new SteadfastProperties.Health();
  private final SteadfastHealthIndicator indicator = new SteadfastHealthIndicator(state, properties);

  @Test
  void staysUpWhileFailoverRouteIsClosed() {
    state.routesStarted(List.of("rest-us", "smtp-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-us", "OPEN", "smtp-us", "CLOSED"));
  }

  @Test
  void reportsConfiguredStatusWhenSomeRoutesAreOpen() {
    properties.setSomeRoutesOpenStatus("degraded");
    state.routesStarted(List.of("rest-us", "smtp-us"), CircuitState.CLOSED);
    state.circuitStateChanged("smtp-us", CircuitState.CLOSED, CircuitState.OPEN);

    assertThat(indicator.health().getStatus()).isEqualTo(new Status("DEGRADED"));
  }

  @Test
  void reportsOutOfServiceWhenEveryRouteIsOpen() {
    state.routesStarted(List.of("rest-us", "smtp-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);
    state.circuitStateChanged("smtp-us", CircuitState.CLOSED, CircuitState.OPEN);

    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }

  @Test
  void returnsToUpWhenProbeHalfOpensCircuit() {
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);
    state.circuitStateChanged("rest-us", CircuitState.OPEN, CircuitState.HALF_OPEN);

    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void countsRetryBudgetExhaustion() {
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.retryBudgetExhausted(IdempotencyKey.generate(), "rest-us");
    state.retryBudgetExhausted(IdempotencyKey.generate(), "rest-us");

    assertThat(indicator.health().getDetails()).containsEntry("retryBudgetExhaustions", 2L);
  }

  @Test
  void reportsDisabledCircuitsAsUp() {
    state.routesStarted(List.of("rest-us"), CircuitState.DISABLED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-us", "DISABLED"));
  }
}
