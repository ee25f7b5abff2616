package io.steadfast.internal;

import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolOperations;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.SubmitReceipt;
import io.steadfast.internal.dispatch.CircuitWatcher;
import io.steadfast.internal.dispatch.Dispatcher;
import io.steadfast.internal.dispatch.RetrySchedule;
import io.steadfast.spi.IdempotencyLedger;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.MessageEventsFactory;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EmailClient} behind {@link EmailClient#create}: checks the ledger, then runs the route
 * chain (circuit breaker, retries, failover) through a {@link SendRun}.
 */
public final class DefaultEmailClient implements EmailClient {
  private static final Logger log = LoggerFactory.getLogger(DefaultEmailClient.class);

  /** A send in progress; a second send of the same key joins it instead of sending again. */
  private record InFlight(String fingerprint, CompletableFuture<SendReceipt> result) {}

  private final SteadfastConfig config;
  private final List<RouteHandle> routes;
  /** Transports this client created and so must close; user-given ones belong to the user. */
  private final List<Transport> ownedTransports;
  private final @Nullable ScheduledExecutorService ownedScheduler;
  private final Timer timer;
  private final Backoff backoff;
  private final SafeListener listener;
  private final IdempotencyLedger ledger;
  private final ConcurrentHashMap<IdempotencyKey, InFlight> inFlight = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable Dispatcher dispatcher;
  /** Searches SparkPost's events for lost answers; null if no module provides a search and none is given. */
  private final @Nullable MessageEvents events;
  /** The search this client created and so must close; a user-given one belongs to the user. */
  private final @Nullable MessageEvents ownedEvents;
  /** Runs the events searches of {@code sendAsync} calls that reconcile; threads only when used. */
  private final ExecutorService reconcileExecutor;

  /**
   * Creates a client for {@code config}.
   *
   * @throws IllegalStateException if no transport is configured or found on the class path
   */
  public DefaultEmailClient(SteadfastConfig config) {
    this(config, null);
  }

  /** Creates a client whose retry waits go through {@code timer} (tests pass a fake one). */
  DefaultEmailClient(SteadfastConfig config, @Nullable Timer timer) {
    this.config = Objects.requireNonNull(config, "config");
    // The circuit watcher wakes the dispatcher when a circuit changes state (e.g. closes again).
    CircuitWatcher watcher = new CircuitWatcher(config.listener());
    this.listener = new SafeListener(watcher);
    List<Transport> transports;
    if (!config.transports().isEmpty()) {
      transports = config.transports();
      this.ownedTransports = List.of();
    } else {
      transports = discover(config);
      this.ownedTransports = transports;
    }
    List<RouteHandle> handles = new ArrayList<>();
    for (Transport transport : transports) {
      handles.add(new RouteHandle(transport, config.retryPolicy(), config.circuitBreakerPolicy(), config.clock(), listener));
    }
    this.routes = List.copyOf(handles);
    if (timer != null) {
      this.timer = timer;
      this.ownedScheduler = null;
    } else if (config.scheduler().isPresent()) {
      this.timer = new SchedulerTimer(config.scheduler().get());
      this.ownedScheduler = null;
    } else {
      this.ownedScheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "steadfast-scheduler");
        thread.setDaemon(true);
        return thread;
      });
      this.timer = new SchedulerTimer(ownedScheduler);
    }
    this.backoff = Backoff.of(config.retryPolicy(), () -> ThreadLocalRandom.current().nextDouble());
    this.ledger = config.ledger().orElseGet(() -> new InMemoryIdempotencyLedger(
        SteadfastConfig.DEFAULT_LEDGER_RETENTION, SteadfastConfig.DEFAULT_LEDGER_MAX_ENTRIES, config.clock()));
    if (config.messageEvents().isPresent()) {
      this.events = config.messageEvents().get();
      this.ownedEvents = null;
    } else {
      this.events = discoverEvents(config);
      this.ownedEvents = events;
    }
    AtomicInteger reconcileThreads = new AtomicInteger();
    this.reconcileExecutor = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "steadfast-send-reconcile-" + reconcileThreads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.dispatcher = config.spool().map(spool -> new Dispatcher(spool, config.clock(), this::sendSpooled,
        listener, new RetrySchedule(spool.minRetryDelay(), spool.maxRetryDelay(),
            () -> ThreadLocalRandom.current().nextDouble()), this::allOpenProbeIn, this::probeSpacing, config.maxMessageBytes(),
        config.reconcilePolicy(), events))
        .orElse(null);
    if (dispatcher != null && !config.spool().get().submitOnly()) {
      watcher.onChange(dispatcher::wake);
      watcher.onRecovery(dispatcher::routeRecovered);
      dispatcher.start();
    }
    log.info("Steadfast client started with routes {}", transports.stream().map(Transport::route).toList());
  }

  /** Returns the longest wait the routes' open circuits are serving between probes. */
  private Duration probeSpacing() {
    Duration longest = Duration.ZERO;
    for (RouteHandle route : routes) {
      Duration wait = route.probeWait();
      if (wait.compareTo(longest) > 0) {
        longest = wait;
      }
    }
    return longest;
  }

  /**
   * Returns empty while some route's circuit lets messages through, else the time to the next probe:
   * zero once one is due or a circuit is half open (it lets only its probes through, so the spool
   * sends probes, not a burst the circuit refuses).
   */
  private Optional<Duration> allOpenProbeIn() {
    Duration earliest = null;
    for (RouteHandle route : routes) {
      io.steadfast.CircuitState state = route.state();
      if (state != io.steadfast.CircuitState.OPEN && state != io.steadfast.CircuitState.HALF_OPEN) {
        return Optional.empty();
      }
      Duration probe = route.nextProbeIn();
      // An open circuit never reports zero (Resilience4j probes strictly after the wait): 1 ms means due.
      if (probe.compareTo(Duration.ofMillis(1)) <= 0) {
        probe = Duration.ZERO;
      }
      if (earliest == null || probe.compareTo(earliest) < 0) {
        earliest = probe;
      }
    }
    return Optional.ofNullable(earliest);
  }

  private Dispatcher requireSpool() {
    if (dispatcher == null) {
      throw new IllegalStateException("No spool configured: submit() needs one. Add io.steadfast:steadfast-spool "
          + "and pass SteadfastConfig.builder().spool(SpoolConfig.builder(SqliteSpool.open(dir)).build()), "
          + "or Spool.inMemory() for tests; or use send() to deliver without a spool");
    }
    return dispatcher;
  }

  @Override
  public SubmitReceipt submit(Message message) {
    checkStartTime(message);
    return requireSpool().submit(message);
  }

  @Override
  public SubmitReceipt submit(Message message, java.sql.Connection connection) {
    checkStartTime(message);
    return requireSpool().submit(message, connection);
  }

  @Override
  public CompletableFuture<SubmitReceipt> submitAsync(Message message) {
    try {
      checkStartTime(message);
      return requireSpool().submitAsync(message);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<DeliveryResult> result(SubmitReceipt receipt) {
    return requireSpool().result(receipt);
  }

  @Override
  public SpoolOperations spoolOperations() {
    return requireSpool();
  }

  /** Refuses a start time SparkPost would refuse, against the configured clock (see Message.checkStartTime). */
  private void checkStartTime(Message message) {
    Objects.requireNonNull(message, "message").checkStartTime(config.clock().instant());
  }

  private static @Nullable MessageEvents discoverEvents(SteadfastConfig config) {
    for (MessageEventsFactory factory : ServiceLoader.load(MessageEventsFactory.class,
        DefaultEmailClient.class.getClassLoader())) {
      Optional<MessageEvents> found = factory.create(config);
      if (found.isPresent()) {
        return found.get();
      }
    }
    if (config.reconcilePolicy().mode() != ReconcilePolicy.Mode.RESEND) {
      log.warn("No SparkPost Events API client: add io.steadfast:steadfast-http (and an API key) so that lost answers "
          + "are looked up before any re-send. Until then an unknown outcome follows ReconcilePolicy {}'s fallback",
          config.reconcilePolicy().mode());
    }
    return null;
  }

  @Override
  public ReconcileResult reconcile(ReconcileRequest request) {
    Objects.requireNonNull(request, "request");
    if (closed.get()) {
      throw new IllegalStateException("EmailClient is closed; create a new one to reconcile");
    }
    if (events == null) {
      throw new IllegalStateException("No SparkPost Events API client to reconcile with: add the dependency "
          + "io.steadfast:steadfast-http and set an API key, or pass SteadfastConfig.builder().messageEvents(...)");
    }
    return Reconciliation.reconcile(events, request, config.clock().instant());
  }

  private static List<Transport> discover(SteadfastConfig config) {
    List<Transport> found = new ArrayList<>();
    for (TransportFactory factory : ServiceLoader.load(TransportFactory.class, DefaultEmailClient.class.getClassLoader())) {
      // REST first: it is SparkPost's recommended injection path; others follow as failover routes.
      if (factory.kind().equals("rest")) {
        found.add(0, factory.create(config));
      } else {
        found.add(factory.create(config));
      }
    }
    if (found.isEmpty()) {
      throw new IllegalStateException("No Steadfast transport found: add the dependency "
          + "io.steadfast:steadfast-http (the SparkPost REST transport), or pass transports(...) to SteadfastConfig");
    }
    return List.copyOf(found);
  }

  /**
   * Returns why lost answers cannot be settled from SparkPost's events right now (the key lacks the
   * "Events Search: Read-only" grant, or there is no Events API client), if they cannot: for health
   * checks and {@code steadfast doctor}.
   */
  public Optional<String> reconcileProblem() {
    if (dispatcher != null) {
      return dispatcher.reconcileProblem();
    }
    return events == null && config.reconcilePolicy().mode() != ReconcilePolicy.Mode.RESEND
        ? Optional.of(Reconciliation.NO_EVENTS_CLIENT)
        : Optional.empty();
  }

  /** Returns each route's circuit state, in route order (for health checks and tests). */
  public java.util.Map<String, io.steadfast.CircuitState> circuitStates() {
    java.util.Map<String, io.steadfast.CircuitState> states = new java.util.LinkedHashMap<>();
    for (RouteHandle route : routes) {
      states.put(route.route(), route.state());
    }
    return states;
  }

  @Override
  public SendReceipt send(Message message) {
    return send(message, SendOptions.NONE);
  }

  @Override
  public SendReceipt send(Message message, SendOptions options) {
    return sendSync(message, options, true);
  }

  /** The dispatcher's send: one pass over the routes, no in-call retry waits (the spool schedules those). */
  private SendReceipt sendSpooled(Message message, SendOptions options) {
    return sendSync(message, options, false);
  }

  private SendReceipt sendSync(Message message, SendOptions options, boolean waitsToRetry) {
    Prepared prepared = prepare(message, options, waitsToRetry);
    if (prepared.existing() != null) {
      return await(prepared.existing());
    }
    CompletableFuture<SendReceipt> shared = prepared.own().result();
    try {
      SendReceipt receipt = runSync(prepared.run());
      complete(prepared, receipt, null);
      return receipt;
    } catch (RuntimeException e) {
      complete(prepared, null, e);
      throw e;
    } finally {
      inFlight.remove(prepared.run().key(), prepared.own());
      if (!shared.isDone()) {
        // Only an Error can get here; never leave a joined send of the same key waiting forever.
        shared.completeExceptionally(new IllegalStateException("the send of this idempotency key ended abnormally"));
      }
    }
  }

  @Override
  public CompletableFuture<SendReceipt> sendAsync(Message message) {
    return sendAsync(message, SendOptions.NONE);
  }

  @Override
  public CompletableFuture<SendReceipt> sendAsync(Message message, SendOptions options) {
    Prepared prepared;
    try {
      prepared = prepare(message, options, true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (prepared.existing() != null) {
      return prepared.existing().thenApply(receipt -> receipt);
    }
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    AtomicReference<CompletableFuture<?>> current = new AtomicReference<>();
    result.whenComplete((receipt, error) -> {
      inFlight.remove(prepared.run().key(), prepared.own());
      if (result.isCancelled()) {
        // Cancel reaches the in-flight request or the pending retry wait.
        CompletableFuture<?> step = current.get();
        if (step != null) {
          step.cancel(true);
        }
        prepared.own().result().cancel(true);
      } else {
        complete(prepared, receipt, error);
      }
    });
    stepAsync(prepared.run(), prepared.run().first(), result, current);
    return result;
  }

  private record Prepared(SendRun run, InFlight own, @Nullable CompletableFuture<SendReceipt> existing) {}

  private Prepared prepare(Message message, SendOptions options, boolean waitsToRetry) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(options, "options");
    if (closed.get()) {
      throw new IllegalStateException("EmailClient is closed; create a new one to send");
    }
    if (waitsToRetry) {
      // A spooled message was checked when it was submitted; by a retry its start time may have passed.
      message.checkStartTime(config.clock().instant());
    }
    // The message's constructor already held it to SparkPost's own limit; only a smaller configured
    // limit needs the bodies counted again.
    if (config.maxMessageBytes() < Message.MAX_MESSAGE_BYTES) {
      long size = message.estimatedSizeBytes();
      if (size > config.maxMessageBytes()) {
        throw new InvalidMessageException(List.of(new InvalidMessageException.Violation("size",
            "is about " + size + " bytes, over the configured maxMessageBytes of " + config.maxMessageBytes())));
      }
    }
    boolean keyMadeHere = options.idempotencyKey() == null && message.idempotencyKey() == null;
    IdempotencyKey key = options.idempotencyKey() != null ? options.idempotencyKey()
        : message.idempotencyKey() != null ? message.idempotencyKey() : IdempotencyKey.generate();
    String fingerprint = message.fingerprint();
    if (keyMadeHere) {
      // A key made just now: no earlier send can have used it and no other caller knows it yet, so
      // neither the ledger nor the sends in flight can hold it (and a send skips their locks).
      return new Prepared(newRun(message, key, options, waitsToRetry), new InFlight(fingerprint, new CompletableFuture<>()),
          null);
    }
    Optional<IdempotencyLedger.Entry> accepted = ledger.find(key);
    if (accepted.isPresent()) {
      if (!accepted.get().fingerprint().equals(fingerprint)) {
        throw new IdempotencyConflictException(key);
      }
      log.debug("Message {} was already accepted; returning the first receipt", key);
      return new Prepared(newRun(message, key, options, waitsToRetry), new InFlight(fingerprint, new CompletableFuture<>()),
          CompletableFuture.completedFuture(accepted.get().receipt()));
    }
    InFlight own = new InFlight(fingerprint, new CompletableFuture<>());
    InFlight other = inFlight.putIfAbsent(key, own);
    if (other != null) {
      if (!other.fingerprint().equals(fingerprint)) {
        throw new IdempotencyConflictException(key);
      }
      log.debug("Message {} is already being sent; joining that send", key);
      return new Prepared(newRun(message, key, options, waitsToRetry), own, other.result());
    }
    return new Prepared(newRun(message, key, options, waitsToRetry), own, null);
  }

  private SendRun newRun(Message message, IdempotencyKey key, SendOptions options, boolean waitsToRetry) {
    Duration deadline = options.deadline() != null ? options.deadline() : config.retryPolicy().deadline();
    return new SendRun(routes, message, key, config.retryPolicy(), backoff, config.clock(), listener, deadline,
        waitsToRetry, options.reconcile() && events != null ? config.reconcilePolicy() : null);
  }

  private void complete(Prepared prepared, @Nullable SendReceipt receipt, @Nullable Throwable error) {
    if (receipt != null) {
      ledger.record(prepared.run().key(), new IdempotencyLedger.Entry(prepared.own().fingerprint(), receipt));
      prepared.own().result().complete(receipt);
      listener.sendSucceeded(receipt);
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause != null) {
      prepared.own().result().completeExceptionally(cause);
      if (cause instanceof SteadfastException failure) {
        listener.sendFailed(prepared.run().key(), failure);
      }
    }
  }

  private SendReceipt runSync(SendRun run) {
    SendRun.Step step = run.first();
    while (true) {
      if (step instanceof SendRun.Done done) {
        return done.receipt();
      }
      if (step instanceof SendRun.Failed failed) {
        throw failed.error();
      }
      if (step instanceof SendRun.Attempt attempt) {
        if (!attempt.delay().isZero()) {
          try {
            timer.sleep(attempt.delay());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw run.lastError();
          }
        }
        step = run.begin(attempt);
        continue;
      }
      if (step instanceof SendRun.Reconcile reconcile) {
        try {
          timer.sleep(reconcile.delay());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw reconcile.error();
        }
        step = run.onReconciled(reconcile, searchFor(reconcile));
        continue;
      }
      SendRun.Ready ready = (SendRun.Ready) step;
      long start = System.nanoTime();
      Outcome outcome = ready.route().transport().deliver(ready.delivery());
      step = run.onOutcome(ready, outcome, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private void stepAsync(SendRun run, SendRun.Step step, CompletableFuture<SendReceipt> result,
      AtomicReference<CompletableFuture<?>> current) {
    // Loop while steps complete immediately; hand over to a callback when one has to wait.
    while (!result.isDone()) {
      if (step instanceof SendRun.Done done) {
        result.complete(done.receipt());
        return;
      }
      if (step instanceof SendRun.Failed failed) {
        result.completeExceptionally(failed.error());
        return;
      }
      if (step instanceof SendRun.Attempt attempt) {
        if (!attempt.delay().isZero()) {
          CompletableFuture<Void> wait = timer.after(attempt.delay());
          current.set(wait);
          wait.whenComplete((ignored, error) -> {
            if (error == null) {
              guarded(run, () -> run.begin(attempt), result, current);
            }
          });
          return;
        }
        step = run.begin(attempt);
        continue;
      }
      if (step instanceof SendRun.Reconcile reconcile) {
        CompletableFuture<Optional<ReconcileResult>> search = timer.after(reconcile.delay())
            .thenApplyAsync(ignored -> searchFor(reconcile), reconcileExecutor);
        current.set(search);
        search.whenComplete((found, error) -> {
          if (error == null) {
            guarded(run, () -> run.onReconciled(reconcile, found), result, current);
          } else if (!(error instanceof CancellationException)) {
            result.completeExceptionally(reconcile.error());
          }
        });
        return;
      }
      SendRun.Ready ready = (SendRun.Ready) step;
      long start = System.nanoTime();
      CompletableFuture<Outcome> call = ready.route().transport().deliverAsync(ready.delivery());
      current.set(call);
      if (call.isDone() && !call.isCompletedExceptionally()) {
        step = run.onOutcome(ready, call.join(), Duration.ofNanos(System.nanoTime() - start));
        continue;
      }
      call.whenComplete((outcome, error) -> {
        if (error != null) {
          if (!(error instanceof CancellationException)) {
            result.completeExceptionally(error);
          }
          return;
        }
        guarded(run, () -> run.onOutcome(ready, outcome, Duration.ofNanos(System.nanoTime() - start)), result, current);
      });
      return;
    }
  }

  private void guarded(SendRun run, java.util.function.Supplier<SendRun.Step> next, CompletableFuture<SendReceipt> result,
      AtomicReference<CompletableFuture<?>> current) {
    try {
      stepAsync(run, next.get(), result, current);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /** Searches the events for the key of a lost answer; empty if they cannot tell. */
  private Optional<ReconcileResult> searchFor(SendRun.Reconcile reconcile) {
    MessageEvents search = Objects.requireNonNull(events, "events");
    return reconcile.error().reconcileRequest()
        .flatMap(request -> Reconciliation.tryReconcile(search, request, config.clock().instant()));
  }

  private static SendReceipt await(CompletableFuture<SendReceipt> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a send of the same idempotency key", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    if (dispatcher != null && !closed.get()) {
      // First, while sends still work: in-flight deliveries finish and their outcomes are recorded.
      dispatcher.close();
    }
    if (closed.compareAndSet(false, true)) {
      for (Transport transport : ownedTransports) {
        try {
          transport.close();
        } catch (RuntimeException e) {
          log.warn("Route '{}' failed to close cleanly", transport.route(), e);
        }
      }
      if (ownedScheduler != null) {
        ownedScheduler.shutdownNow();
      }
      reconcileExecutor.shutdownNow();
      if (ownedEvents != null) {
        try {
          ownedEvents.close();
        } catch (RuntimeException e) {
          log.warn("The Events API client failed to close cleanly", e);
        }
      }
      log.info("Steadfast client closed");
    }
  }
}
