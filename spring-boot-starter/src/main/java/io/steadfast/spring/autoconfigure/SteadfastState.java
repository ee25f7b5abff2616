package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcileResult;
import io.steadfast.SendReceipt;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.internal.console.CircuitBoard;
import io.steadfast.internal.console.ConsoleSource;
import io.steadfast.spi.SpoolStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Remembers what the client reported, so that health and metrics read state instead of calling
 * SparkPost: each route's circuit state, the last success, how often the retry budget ran out, why
 * lost answers cannot be reconciled (if they cannot), and (with a spool) a short-lived snapshot of the
 * spool's statistics.
 *
 * <p>It is the operator console's {@link ConsoleSource}. Thread-safe: the client calls it from its
 * sending threads while actuator reads it.
 */
final class SteadfastState extends DeliveryListener implements ConsoleSource {

  /** How long a spool snapshot is reused: one scrape reads several gauges, which should cost one query. */
  static final Duration DEFAULT_STATS_TTL = Duration.ofSeconds(1);

  private record Snapshot(SpoolStats stats, long takenAtNanos) {}

  private final Clock clock;
  private final Duration statsTtl;
  private final CircuitBoard circuits;
  private final AtomicReference<@Nullable Instant> lastSuccess = new AtomicReference<>();
  private final AtomicReference<@Nullable String> lastSuccessRoute = new AtomicReference<>();
  private final AtomicLong budgetExhaustions = new AtomicLong();
  private final AtomicReference<@Nullable Snapshot> snapshot = new AtomicReference<>();
  private volatile @Nullable SpoolView spool;
  private volatile Supplier<Optional<String>> reconcileProblem = Optional::empty;
  private volatile boolean running;

  SteadfastState(Clock clock) {
    this(clock, DEFAULT_STATS_TTL);
  }

  SteadfastState(Clock clock, Duration statsTtl) {
    this.clock = clock;
    this.statsTtl = statsTtl;
    this.circuits = new CircuitBoard(clock);
  }

  /** Records the client's routes in failover order, each starting in {@code initial}. */
  void routesStarted(Collection<String> routes, CircuitState initial) {
    circuits.routesStarted(routes, initial);
  }

  /** Records that a client started, with its spool or {@code null} if it has none, and no reconcile problem. */
  void clientStarted(@Nullable SpoolView spool) {
    clientStarted(spool, Optional::empty);
  }

  /**
   * Records that a client started, with its spool or {@code null} if it has none, and where to ask why
   * its lost answers cannot be reconciled from SparkPost's events (a cheap in-memory read).
   */
  void clientStarted(@Nullable SpoolView spool, Supplier<Optional<String>> reconcileProblem) {
    snapshot.set(null);
    this.spool = spool;
    this.reconcileProblem = reconcileProblem;
    running = true;
  }

  /** Records that the client is stopping: it takes no more mail while in-flight deliveries finish. */
  void clientStopping() {
    running = false;
  }

  /** Records that the client stopped; its spool can no longer be read. */
  void clientStopped() {
    running = false;
    spool = null;
    reconcileProblem = Optional::empty;
    snapshot.set(null);
  }

  @Override
  public boolean running() {
    return running;
  }

  @Override
  public Optional<SpoolView> spool() {
    return Optional.ofNullable(spool);
  }

  /**
   * Returns the spool's statistics, at most {@link #DEFAULT_STATS_TTL} old, or empty without a
   * running spool.
   *
   * @throws RuntimeException whatever the spool threw when it could not be read
   */
  @Override
  public Optional<SpoolStats> spoolStats() {
    SpoolView view = spool;
    if (view == null) {
      return Optional.empty();
    }
    Snapshot cached = snapshot.get();
    long now = System.nanoTime();
    if (cached != null && now - cached.takenAtNanos() < statsTtl.toNanos()) {
      return Optional.of(cached.stats());
    }
    SpoolStats stats = view.operations().stats();
    snapshot.set(new Snapshot(stats, now));
    return Optional.of(stats);
  }

  /**
   * Returns the damage the running client's spool found and nobody has cleared yet (entries it could
   * not salvage), or empty if there is none or no spool is running. Read on every call, never cached:
   * the moment an operator clears it, health reports it gone.
   *
   * @throws RuntimeException whatever the spool threw when it could not be read
   */
  Optional<SpoolDamage> spoolDamage() {
    SpoolView view = spool;
    return view == null ? Optional.empty() : view.operations().damage();
  }

  /**
   * Returns why the running client cannot settle lost answers from SparkPost's events right now (the
   * key lacks the "Events Search: Read-only" grant, no Events API client), or empty if it can or none
   * is running.
   */
  Optional<String> reconcileProblem() {
    if (!running) {
      return Optional.empty();
    }
    try {
      return reconcileProblem.get();
    } catch (RuntimeException e) {
      // Health must not fail because of a diagnostic; the type says enough.
      return Optional.of("could not be determined (" + e.getClass().getName() + ")");
    }
  }

  /** Forgets the cached spool snapshot, because the spool just changed. */
  @Override
  public void spoolChanged() {
    snapshot.set(null);
  }

  /** Returns the current time of the clock the state uses. */
  @Override
  public Instant now() {
    return clock.instant();
  }

  /** Returns each route's last reported circuit state, in failover order. */
  Map<String, CircuitState> circuitStates() {
    return circuits.states();
  }

  @Override
  public CircuitBoard circuits() {
    return circuits;
  }

  @Override
  public String howToAddSpool() {
    return "set steadfast.spool.enabled=true";
  }

  /** Returns when SparkPost last accepted a message, or {@code null} if it has not yet. */
  @Nullable Instant lastSuccess() {
    return lastSuccess.get();
  }

  /** Returns the route of the last accepted message, or {@code null} if none has been accepted. */
  @Nullable String lastSuccessRoute() {
    return lastSuccessRoute.get();
  }

  /** Returns how many times a retry was refused because the retry budget was spent. */
  long budgetExhaustions() {
    return budgetExhaustions.get();
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    circuits.changed(route, to);
  }

  @Override
  public void retryBudgetExhausted(IdempotencyKey key, String route) {
    budgetExhaustions.incrementAndGet();
  }

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    lastSuccess.set(clock.instant());
    lastSuccessRoute.set(receipt.route());
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    spoolChanged();
  }

  @Override
  public void reconciling(IdempotencyKey key, @Nullable String route) {
    spoolChanged();
  }

  @Override
  public void reconciled(IdempotencyKey key, ReconcileResult result) {
    spoolChanged();
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    spoolChanged();
  }
}
