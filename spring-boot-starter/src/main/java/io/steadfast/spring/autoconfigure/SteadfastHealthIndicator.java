package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Reports the {@code steadfast} health from what the client has seen, never by calling SparkPost:
 * an outage must not be made worse by health probes, and a probe would spend the sending quota.
 *
 * <p>While at least one route's circuit is closed or half-open, the status is {@code UP} (or the
 * configured status when some routes are open): messages still leave. When every route's circuit
 * is open, sends fail fast and, without a spool, mail is not sent: the status is the configured
 * {@code steadfast.health.all-routes-open-status}, {@code OUT_OF_SERVICE} by default.
 */
final class SteadfastHealthIndicator implements HealthIndicator {

  private final SteadfastState state;
  private final SteadfastProperties.Health properties;

  SteadfastHealthIndicator(SteadfastState state, SteadfastProperties.Health properties) {
    this.state = state;
    this.properties = properties;
  }

  @Override
  public Health health() {
    Map<String, CircuitState> circuits = state.circuitStates();
    long open = circuits.values().stream().filter(s -> s == CircuitState.OPEN).count();
    Status status;
    if (!circuits.isEmpty() && open == circuits.size()) {
      status = status(properties.getAllRoutesOpenStatus());
    } else if (open > 0) {
      status = status(properties.getSomeRoutesOpenStatus());
    } else {
      status = Status.UP;
    }
    Map<String, String> routes = new LinkedHashMap<>();
    circuits.forEach((route, circuit) -> routes.put(route, circuit.name()));
    Health.Builder builder = Health.status(status).withDetail("routes", routes)
        .withDetail("retryBudgetExhaustions", state.budgetExhaustions());
    @Nullable Instant lastSuccess = state.lastSuccess();
    if (lastSuccess != null) {
      builder.withDetail("lastSuccess", lastSuccess.toString())
          .withDetail("lastSuccessRoute", String.valueOf(state.lastSuccessRoute()));
    }
    // Follow-up (spool): spool depth, oldest pending age and dead letters; with a healthy spool an
    // all-routes-open outage is UP, because accepted mail is safe on disk.
    return builder.build();
  }

  private static Status status(String code) {
    return new Status(code.trim().toUpperCase(Locale.ROOT));
  }
}
