package io.steadfast.cli;

import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.SpoolOperations;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.Spool;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code steadfast dispatch}: the long-running delivery service of a spool directory, which any number
 * of {@code steadfast submit} processes and submit-only applications drop mail into (Postfix's queue
 * manager, with sendmail as the submitters). It takes the spool's dispatcher lock, so a second
 * dispatcher is refused (exit 3), logs one line per change of state, and on SIGTERM or SIGINT stops
 * claiming, lets the attempts in flight finish within {@code --grace}, records any it had to cut off as
 * looked up before a re-send, and exits 0: everything is delivered or safely spooled. A SIGKILL loses
 * nothing that was acknowledged either; the next start looks up what was in flight.
 */
@Command(name = "dispatch", mixinStandardHelpOptions = true,
    description = {"Deliver a spool directory until stopped: the delivery service that 'steadfast submit' and"
        + " submit-only applications on this host hand their mail to. One dispatcher per spool (a second one exits"
        + " 3); any number of submitters work beside it, and it sees their messages within moments.",
        "Logs one line per change of state (started, circuit opened or recovered, dead letter, reconciled, stopped)"
            + " on stderr. On SIGTERM or SIGINT it stops claiming, gives the attempts in flight up to --grace to finish"
            + " (the rest are looked up in SparkPost's events before any re-send) and exits 0, or 1 if the spool holds"
            + " uncleared damage. With --metrics-port it serves GET /metrics (Prometheus) and GET /health on"
            + " 127.0.0.1. With --ui-port it serves the operators' dashboard (the queue, circuits, dead letters,"
            + " requeue and flush buttons) and its JSON API, on 127.0.0.1 unless --ui-bind says otherwise."})
final class DispatchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();
  @Mixin SpoolOptions spoolOptions = new SpoolOptions();
  @Option(names = "--grace", converter = DrainCommand.DurationConverter.class, paramLabel = "DURATION",
      description = "How long in-flight attempts may take to finish after SIGTERM or SIGINT, e.g. 10s or 1m"
          + " (default: 30s).")
  Duration grace = Duration.ofSeconds(30);
  @Option(names = "--workers", paramLabel = "N", description = "How many messages are delivered at once (default: 4).")
  int workers = io.steadfast.SpoolConfig.DEFAULT_WORKERS;
  @Option(names = "--lease", converter = DrainCommand.DurationConverter.class, paramLabel = "DURATION",
      description = "How long a claimed message stays reserved for this dispatcher; on a PostgreSQL spool, how soon"
          + " the other nodes take over what a dead one had in flight (default: 5m). Must be longer than"
          + " --attempt-timeout.")
  Duration lease = io.steadfast.SpoolConfig.DEFAULT_LEASE;
  @Option(names = "--attempt-timeout", converter = DrainCommand.DurationConverter.class, paramLabel = "DURATION",
      description = "The limit on one delivery run of a message (default: 60s).")
  Duration attemptTimeout = io.steadfast.SpoolConfig.DEFAULT_ATTEMPT_TIMEOUT;
  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve GET /metrics (Prometheus text) and GET /health on 127.0.0.1:PORT (0: any free port,"
          + " printed at start). Off by default.")
  @Nullable Integer metricsPort;
  @Option(names = "--ui-port", paramLabel = "PORT",
      description = "Serve the operators' dashboard at http://ADDRESS:PORT/ (0: any free port, printed at start),"
          + " with its JSON API under /api/. Its buttons requeue and flush: anyone who reaches the port can press"
          + " them. Off by default.")
  @Nullable Integer uiPort;
  @Option(names = "--ui-bind", paramLabel = "ADDRESS",
      description = "The address the dashboard listens on (default: 127.0.0.1, this host only). Another address,"
          + " e.g. 0.0.0.0, lets other hosts change the spool: put it behind authentication.")
  @Nullable String uiBind;

  /** Counted down by the shutdown hook (SIGTERM, SIGINT, SIGHUP); the main thread waits for it. */
  private final CountDownLatch stop = new CountDownLatch(1);
  /** Counted down once the command is done, whichever way; the shutdown hook waits for it. */
  private final CountDownLatch finished = new CountDownLatch(1);
  /** The exit code the shutdown hook ends the JVM with, once the command is done. */
  private volatile int exitCode = Steadfast.PERMANENT;

  @Override
  public Integer call() throws Exception {
    if (workers < 1) {
      throw new UsageException("--workers must be at least 1 but was " + workers + ".");
    }
    if (lease.isZero() || attemptTimeout.isZero() || lease.compareTo(attemptTimeout) <= 0) {
      throw new UsageException("--lease (" + lease + ") must be longer than --attempt-timeout (" + attemptTimeout
          + "), and both above zero: else a slow delivery could be claimed twice.");
    }
    if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
      throw new UsageException("--metrics-port must be between 0 and 65535 but was " + metricsPort + ".");
    }
    InetAddress uiAddress = DispatchDashboard.bindAddress(uiPort, uiBind, metricsPort);
    String where = spoolOptions.describe(connection);
    ServiceLog log = new ServiceLog(Clock.systemUTC());
    DispatchMetrics metrics = metricsPort == null ? null
        : new DispatchMetrics(DispatchMetrics.routes(connection.endpoint()));
    DispatchDashboard dashboard = uiPort == null ? null
        : new DispatchDashboard(DispatchMetrics.routes(connection.endpoint()), uiAddress, uiPort);
    DeliveryListener listener = new Both(log, metrics, dashboard);
    // The JVM runs shutdown hooks on SIGTERM, SIGINT and SIGHUP. This one lets the main thread stop the
    // dispatcher in order, then ends the JVM with the command's exit code: left to itself the JVM would
    // exit 143 (128 + SIGTERM) however cleanly the service stopped, and systemd would call that a failure.
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        // Closing waits for the loop, the workers and the reconciler, each up to the grace period.
        if (finished.await(grace.multipliedBy(4).plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
          Runtime.getRuntime().halt(exitCode);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "steadfast-dispatch-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      exitCode = serve(where, log, metrics, dashboard, listener);
      return exitCode;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // A signal came as the command ended: the hook ends the JVM with the exit code set above.
      }
    }
  }

  private int serve(String where, ServiceLog log, @Nullable DispatchMetrics metrics,
      @Nullable DispatchDashboard dashboard, DeliveryListener listener) throws Exception {
    long deliveredBefore;
    try (EmailClient client = spoolOptions.client(connection, false, builder -> builder.workers(workers)
        .closeTimeout(grace).lease(lease).attemptTimeout(attemptTimeout), listener)) {
      SpoolOperations spool = client.spoolOperations();
      SpoolStats start = spool.stats();
      deliveredBefore = start.count(SpoolState.DELIVERED);
      log.info("Dispatching the spool at " + where + " with " + workers + " workers: " + describe(start)
          + ". Submitters may add mail beside it ('steadfast submit' with the same spool).");
      spool.damage().ifPresent(damage -> log.error(damage.summary()));
      if (metrics != null) {
        int port = metrics.start(Objects.requireNonNull(metricsPort), spool);
        log.info("Serving http://127.0.0.1:" + port + "/metrics and /health");
      }
      if (dashboard != null) {
        String url = dashboard.start(spool, spoolOptions.url(connection) == null ? "sqlite" : "postgresql");
        log.info("Serving the dashboard at " + url);
      }
      stop.await();
      String graceText = grace.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
      log.info("Stopping: no new claims; the attempts in flight have up to " + graceText + " to finish, the rest are "
          + "looked up in SparkPost's events before any re-send");
    } finally {
      if (metrics != null) {
        metrics.close();
      }
      if (dashboard != null) {
        dashboard.close();
      }
    }
    // The client is closed: what is left is safely in the spool. Read it back (SQLite: without a lock).
    try (Spool after = spoolOptions.openReadOnly(connection)) {
      SpoolStats end = after.stats(java.time.Instant.now());
      Optional<io.steadfast.spi.SpoolDamage> damage = after.damage();
      log.info("Stopped: " + (end.count(SpoolState.DELIVERED) - deliveredBefore) + " delivered by this run, "
          + describe(end) + (damage.isPresent() ? "; the spool's damage is not cleared" : "") + ".");
      return damage.isPresent() ? Steadfast.PERMANENT : Steadfast.OK;
    }
  }

  private static String describe(SpoolStats stats) {
    return stats.count(SpoolState.PENDING) + " pending, " + stats.count(SpoolState.IN_FLIGHT) + " in flight, "
        + stats.count(SpoolState.RECONCILING) + " reconciling, " + stats.count(SpoolState.DEAD) + " dead";
  }

  /** Tells the log, then the metrics and the dashboard (those that run), of the events they follow. */
  private static final class Both extends DeliveryListener {
    private final List<DeliveryListener> listeners;

    Both(DeliveryListener log, @Nullable DeliveryListener metrics, @Nullable DeliveryListener dashboard) {
      this.listeners = java.util.stream.Stream.of(log, metrics, dashboard).filter(Objects::nonNull).toList();
    }

    @Override
    public void circuitStateChanged(String route, io.steadfast.CircuitState from, io.steadfast.CircuitState to) {
      listeners.forEach(l -> l.circuitStateChanged(route, from, to));
    }

    @Override
    public void attemptFinished(io.steadfast.IdempotencyKey key, String route, int attempt,
        io.steadfast.spi.Outcome outcome, Duration elapsed) {
      listeners.forEach(l -> l.attemptFinished(key, route, attempt, outcome, elapsed));
    }

    @Override
    public void delivered(io.steadfast.DeliveryResult.Delivered result) {
      listeners.forEach(l -> l.delivered(result));
    }

    @Override
    public void deadLettered(io.steadfast.DeliveryResult.DeadLettered result) {
      listeners.forEach(l -> l.deadLettered(result));
    }

    @Override
    public void reconciled(io.steadfast.IdempotencyKey key, io.steadfast.ReconcileResult result) {
      listeners.forEach(l -> l.reconciled(key, result));
    }

    @Override
    public void reconcileGaveUp(io.steadfast.IdempotencyKey key, io.steadfast.ReconcilePolicy.Mode policy,
        String reason) {
      listeners.forEach(l -> l.reconcileGaveUp(key, policy, reason));
    }
  }
}
