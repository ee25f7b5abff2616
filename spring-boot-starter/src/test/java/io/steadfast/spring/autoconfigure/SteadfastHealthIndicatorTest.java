package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitState;
import io.steadfast.IdempotencyKey;
import io.steadfast.spi.SpoolDamage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class SteadfastHealthIndicatorTest {

  private final SteadfastState state = new SteadfastState(Clock.systemUTC(), Duration.ZERO);
  private final SteadfastProperties.Health properties = new SteadfastProperties.Health();
  private final SteadfastHealthIndicator indicator = new SteadfastHealthIndicator(state, properties);
  private final FixedSpoolOperations spool = new FixedSpoolOperations();
  private final SpoolDamage damage = new SpoolDamage("/var/spool/shop/corrupt/spool-20260103T101500Z.db",
      Instant.parse("2026-01-03T10:15:00Z"), 10, 2, List.of("order-7", "order-9"));

  SteadfastHealthIndicatorTest() {
    state.clientStarted(null);
  }

  private void withSpool(long maxEntries, long maxBytes) {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", maxEntries, maxBytes));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spoolDetails(Health health) {
    return (Map<String, Object>) health.getDetails().get("spool");
  }

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

  @Test
  void reportsOutOfServiceWhileClientIsStopped() {
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.clientStopped();

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(health.getDetails()).containsEntry("client", "stopped");
  }

  @Test
  void reportsUpWhenEveryCircuitIsOpenButSpoolHoldsMail() {
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(3, 1, 10, 0, 4_000, Duration.ofMinutes(2)));
    state.routesStarted(List.of("rest-us", "smtp-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);
    state.circuitStateChanged("smtp-us", CircuitState.CLOSED, CircuitState.OPEN);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-us", "OPEN", "smtp-us", "OPEN"));
    assertThat(spoolDetails(health)).containsEntry("store", "sqlite").containsEntry("pending", 3L)
        .containsEntry("inFlight", 1L).containsEntry("delivered", 10L).containsEntry("deadLetters", 0L)
        .containsEntry("oldestPendingAge", "PT2M").containsEntry("fillRatio", 0.04)
        .doesNotContainKey("exceeded");
  }

  @Test
  void reportsConfiguredStatusWhenEveryCircuitIsOpenWithSpool() {
    properties.getSpool().setAllRoutesOpenStatus("degraded");
    withSpool(100, 1_000_000);
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);

    assertThat(indicator.health().getStatus()).isEqualTo(new Status("DEGRADED"));
  }

  @Test
  void reportsExceededStatusWhenSpoolFillsUp() {
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(91, 0, 0, 0, 1_000, Duration.ofSeconds(5)));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(spoolDetails(health)).containsEntry("fillRatio", 0.91)
        .containsEntry("exceeded", List.of("fillRatio above 0.9"));
  }

  @Test
  void countsStoredBytesTowardsFillRatio() {
    properties.getSpool().setMaxFillRatio(0.5);
    withSpool(100, 1_000);
    spool.set(FixedSpoolOperations.stats(1, 0, 0, 0, 600, Duration.ZERO));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
  }

  @Test
  void reportsExceededStatusWhenOldestPendingWaitsTooLong() {
    properties.getSpool().setMaxOldestPendingAge(Duration.ofHours(1));
    properties.getSpool().setExceededStatus("down");
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(1, 0, 0, 0, 100, Duration.ofMinutes(61)));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(spoolDetails(health)).containsEntry("exceeded", List.of("oldestPendingAge above PT1H"));
  }

  @Test
  void staysUpWhileOldestPendingIsWithinThreshold() {
    properties.getSpool().setMaxOldestPendingAge(Duration.ofHours(1));
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(1, 0, 0, 0, 100, Duration.ofMinutes(59)));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void reportsExceededStatusWhenDeadLettersPileUp() {
    properties.getSpool().setMaxDeadLetters(2L);
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(0, 0, 5, 3, 100, Duration.ZERO));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(spoolDetails(health)).containsEntry("deadLetters", 3L)
        .containsEntry("exceeded", List.of("deadLetters above 2"));
  }

  @Test
  void worstStatusWinsBetweenRoutesAndSpool() {
    properties.getSpool().setAllRoutesOpenStatus("down");
    properties.getSpool().setMaxDeadLetters(0L);
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(0, 0, 0, 1, 100, Duration.ZERO));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);

    assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
  }

  @Test
  void reportsDownWhenSpoolCannotBeRead() {
    withSpool(100, 1_000_000);
    spool.failWith(new java.io.UncheckedIOException(new java.io.IOException("disk gone at db.internal:5432")));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(spoolDetails(health)).containsEntry("error", "java.io.UncheckedIOException");
    assertThat(health.getDetails().toString()).doesNotContain("db.internal");
  }

  @Test
  void countsReconcilingEntriesInSpoolDetails() {
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(1, 0, 4, 0, 0, 100, Duration.ofMinutes(2)));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(spoolDetails(health)).containsEntry("reconciling", 4L).containsEntry("pending", 1L);
  }

  @Test
  void reportsReconcileProblemAsDetailAndStaysUp() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000),
        () -> Optional.of("the API key lacks the \"Events Search: Read-only\" grant (HTTP 403)"));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails()).containsEntry("reconcile",
        "the API key lacks the \"Events Search: Read-only\" grant (HTTP 403)");
  }

  @Test
  void omitsReconcileDetailWhileEventsCanSettleLostAnswers() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1_000_000), Optional::empty);
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    assertThat(indicator.health().getDetails()).doesNotContainKey("reconcile");
  }

  @Test
  void reportsReconcileProblemWithoutSpool() {
    state.clientStarted(null, () -> Optional.of("no SparkPost Events API client"));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    assertThat(indicator.health().getDetails()).containsEntry("reconcile", "no SparkPost Events API client");
  }

  @Test
  void dropsReconcileProblemWhenClientStops() {
    state.clientStarted(null, () -> Optional.of("no SparkPost Events API client"));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    state.clientStopped();

    assertThat(indicator.health().getDetails()).doesNotContainKey("reconcile");
  }

  @Test
  void reportsReconcileProblemThatCannotBeReadWithoutFailingHealth() {
    state.clientStarted(null, () -> {
      throw new IllegalStateException("dispatcher gone at db.internal");
    });
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails().get("reconcile").toString()).contains("IllegalStateException")
        .doesNotContain("db.internal");
  }

  @Test
  void reportsDownWithTheDamageSummaryWhileSpoolDamageIsUncleared() {
    withSpool(100, 1_000_000);
    spool.set(FixedSpoolOperations.stats(10, 0, 0, 0, 4_000, Duration.ofSeconds(5)));
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    spool.damage(damage);

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(spoolDetails(health)).containsEntry("damage", damage.summary()).containsEntry("unreadable", 2L)
        .containsEntry("pending", 10L).doesNotContainKey("error");
    assertThat(damage.summary()).contains("10 entries recovered, 2 unreadable")
        .contains("/var/spool/shop/corrupt/spool-20260103T101500Z.db").contains("steadfast spool clear-damage");
  }

  @Test
  void reportsDownForDamageEvenWhenEveryCircuitIsOpenAndTheSpoolHoldsTheMail() {
    withSpool(100, 1_000_000);
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    state.circuitStateChanged("rest-us", CircuitState.CLOSED, CircuitState.OPEN);
    spool.damage(new SpoolDamage("/var/spool/shop/corrupt/spool.db", Instant.parse("2026-01-03T10:15:00Z"), 0, -1,
        List.of()));

    Health health = indicator.health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(spoolDetails(health).get("damage").toString()).contains("an unknown number unreadable");
  }

  @Test
  void returnsToUpOnceTheDamageIsCleared() {
    withSpool(100, 1_000_000);
    state.routesStarted(List.of("rest-us"), CircuitState.CLOSED);
    spool.damage(damage);
    Status damaged = indicator.health().getStatus();

    spool.damage(null);

    Health health = indicator.health();
    assertThat(damaged).isEqualTo(Status.DOWN);
    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(spoolDetails(health)).doesNotContainKeys("damage", "unreadable");
  }

  @Test
  void returnsToWhatTheRoutesReportOnceTheDamageIsCleared() {
    properties.setSomeRoutesOpenStatus("degraded");
    withSpool(100, 1_000_000);
    state.routesStarted(List.of("rest-us", "smtp-us"), CircuitState.CLOSED);
    state.circuitStateChanged("smtp-us", CircuitState.CLOSED, CircuitState.OPEN);
    spool.damage(damage);
    Status damaged = indicator.health().getStatus();

    spool.damage(null);

    assertThat(damaged).isEqualTo(Status.DOWN);
    assertThat(indicator.health().getStatus()).isEqualTo(new Status("DEGRADED"));
  }
}
