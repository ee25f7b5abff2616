package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Reports the {@code steadfast} health from what the client has seen and what its spool holds, never
 * by calling SparkPost: an outage must not be made worse by health probes, and a probe would spend
 * the sending quota.
 *
 * <p>Without a spool: while at least one route's circuit is closed or half-open, the status is
 * {@code UP} (or {@code steadfast.health.some-routes-open-status} when some routes are open): messages
 * still leave. When every route's circuit is open, sends fail fast and mail is not sent: the status is
 * {@code steadfast.health.all-routes-open-status}, {@code OUT_OF_SERVICE} by default.
 *
 * <p>With a spool, submitted mail is safe on disk during a provider outage, so every circuit open is
 * reported as {@code steadfast.health.spool.all-routes-open-status}, {@code UP} by default, with the
 * details. What makes a spool unhealthy is its own state: filling up (submits will soon fail), the
 * oldest message waiting too long, or dead letters piling up, each against a configurable threshold
 * that reports {@code steadfast.health.spool.exceeded-status}. A spool that cannot be read is
 * {@code DOWN}: submits would fail too. The worst of the route and spool statuses wins.
 *
 * <p>A spool whose storage was found damaged is {@code DOWN} while the damage is uncleared, whatever
 * else the spool reports: its readable entries were salvaged and keep flowing, but acknowledged mail
 * in the entries it could not read will never be delivered unless someone acts. The spool detail
 * {@code damage} carries the same sentence the CLI and the logs show ({@link SpoolDamage#summary()}:
 * how many entries were recovered and unreadable, where the damaged file is kept, and how to clear
 * it); once an operator clears the damage, the status is what the rest reports.
 *
 * <p>The spool details count entries {@code reconciling}: attempts whose answer was lost, waiting to be
 * looked up in SparkPost's events before any re-send. When lost answers cannot be settled from the
 * events right now (the API key lacks the "Events Search: Read-only" grant, or there is no Events API
 * client), a {@code reconcile} detail says why, and the status does not change: that is a degradation,
 * not an outage. Mail still leaves, and the reconcile policy's fallback (re-send with the same key, or
 * dead-letter) settles those entries after {@code steadfast.reconcile.timeout}.
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
    boolean allOpen = !circuits.isEmpty() && open == circuits.size();
    Optional<SteadfastState.SpoolView> spool = state.spool();
    Status status;
    if (allOpen) {
      status = status(spool.isPresent() ? properties.getSpool().getAllRoutesOpenStatus()
          : properties.getAllRoutesOpenStatus());
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
    if (!state.running()) {
      return builder.status(worst(status, Status.OUT_OF_SERVICE)).withDetail("client", "stopped").build();
    }
    state.reconcileProblem().ifPresent(problem -> builder.withDetail("reconcile", problem));
    if (spool.isPresent()) {
      status = worst(status, spool(spool.get(), builder));
    }
    return builder.status(status).build();
  }

  /** Adds the spool's details and returns the status its thresholds give. */
  private Status spool(SteadfastState.SpoolView view, Health.Builder builder) {
    SpoolStats stats;
    Optional<SpoolDamage> damage;
    try {
      stats = state.spoolStats().orElseThrow();
      damage = state.spoolDamage();
    } catch (RuntimeException e) {
      // No message text: it could name a database host; the exception type says enough here.
      builder.withDetail("spool", Map.of("store", view.store(), "error", e.getClass().getName()));
      return Status.DOWN;
    }
    SteadfastProperties.SpoolHealth limits = properties.getSpool();
    // Stored bytes include dead letters' bodies (delivered bodies are deleted), so the byte ratio errs
    // on the full side, which is the safe side for a warning.
    double fill = Math.max(ratio(stats.undeliveredCount(), view.maxEntries()), ratio(stats.bytes(), view.maxBytes()));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("store", view.store());
    details.put("pending", stats.count(SpoolState.PENDING));
    details.put("inFlight", stats.count(SpoolState.IN_FLIGHT));
    details.put("reconciling", stats.reconcilingCount());
    details.put("delivered", stats.count(SpoolState.DELIVERED));
    details.put("deadLetters", stats.deadCount());
    details.put("oldestPendingAge", stats.oldestPendingAge().toString());
    details.put("fillRatio", Math.round(fill * 1000) / 1000.0);
    List<String> exceeded = new ArrayList<>();
    if (fill > limits.getMaxFillRatio()) {
      exceeded.add("fillRatio above " + limits.getMaxFillRatio());
    }
    Duration maxAge = limits.getMaxOldestPendingAge();
    if (maxAge != null && stats.oldestPendingAge().compareTo(maxAge) > 0) {
      exceeded.add("oldestPendingAge above " + maxAge);
    }
    Long maxDead = limits.getMaxDeadLetters();
    if (maxDead != null && stats.deadCount() > maxDead) {
      exceeded.add("deadLetters above " + maxDead);
    }
    if (!exceeded.isEmpty()) {
      details.put("exceeded", exceeded);
    }
    damage.ifPresent(found -> {
      details.put("damage", found.summary());
      details.put("unreadable", found.unreadable());
    });
    builder.withDetail("spool", details);
    if (damage.isPresent()) {
      return Status.DOWN;
    }
    return exceeded.isEmpty() ? Status.UP : status(limits.getExceededStatus());
  }

  private static double ratio(long used, long limit) {
    return limit <= 0 ? 0 : Math.min(1.0, (double) used / limit);
  }

  private static Status status(String code) {
    return new Status(code.trim().toUpperCase(Locale.ROOT));
  }

  /** Returns the more severe status, in Boot's default order; an unknown custom code ranks between. */
  private static Status worst(Status a, Status b) {
    return rank(a) <= rank(b) ? a : b;
  }

  private static int rank(Status status) {
    String code = status.getCode();
    if (code.equals(Status.DOWN.getCode())) {
      return 0;
    }
    if (code.equals(Status.OUT_OF_SERVICE.getCode())) {
      return 1;
    }
    if (code.equals(Status.UP.getCode())) {
      return 3;
    }
    if (code.equals(Status.UNKNOWN.getCode())) {
      return 4;
    }
    return 2;
  }
}
