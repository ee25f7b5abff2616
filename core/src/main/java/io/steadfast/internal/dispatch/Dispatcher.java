package io.steadfast.internal.dispatch;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.RateLimitedException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryableException;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolFullException;
import io.steadfast.SpoolOperations;
import io.steadfast.SpoolUnavailableException;
import io.steadfast.SteadfastException;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts submitted messages into the spool and delivers them: one loop thread claims due entries and
 * hands each to a bounded pool of workers, which send it through the client's route chain with the
 * entry's key and record the outcome in the spool.
 *
 * <p>The loop sleeps until the earliest of: the next entry is due, a worker finishes, a message is
 * submitted, a circuit changes state, or the poll interval passes. When every route's circuit is open
 * it claims nothing until the next probe is due, and then a single entry as the probe.
 */
public final class Dispatcher implements SpoolOperations, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration PURGE_EVERY = Duration.ofHours(1);
  /** Provider failures in a row after which the next success counts as a recovery. */
  private static final int OUTAGE_FAILURES = 3;
  /**
   * The least time between flushes that successes ask for: a provider that fails and answers by
   * turns would otherwise have its whole backlog flushed again and again. A circuit that closes after
   * a probe always flushes; its breaker already spaces those.
   */
  private static final Duration SUCCESS_FLUSH_SPACING = Duration.ofSeconds(30);

  /** Sends a message through the route chain; the client's {@code send}. */
  @FunctionalInterface
  public interface Sender {
    /** Sends {@code message} with {@code options}, or throws the client's exceptions. */
    SendReceipt send(Message message, SendOptions options);
  }

  private final SpoolConfig config;
  private final Spool spool;
  private final Spool.Limits limits;
  private final Clock clock;
  private final Sender sender;
  private final DeliveryListener listener;
  private final RetrySchedule schedule;
  /** Returns empty while some route can take a message, else how long until the next probe. */
  private final Supplier<Optional<Duration>> allOpenProbeIn;
  /** How long the routes' circuits last waited between probes: the probe slot a fleet node reserves. */
  private final Supplier<Duration> probeSpacing;
  private final long maxMessageBytes;
  private final ReconcilePolicy reconcilePolicy;
  private final Reconciler reconciler;
  private final ExecutorService workers;
  private final ExecutorService submitters;
  private final Semaphore slots;
  /** The claims this dispatcher is delivering, by entry id; their leases are renewed while they run. */
  private final ConcurrentHashMap<Long, Running> inFlight = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, CompletableFuture<DeliveryResult>> results = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();
  private final WakeSignal signal = new WakeSignal();
  private volatile boolean running;
  private volatile boolean closed;
  private @Nullable Thread loop;
  private @Nullable Instant lastPurge;
  private @Nullable Instant lastRenewal;
  /**
   * A third of the lease: renewing that often leaves two chances before a lease ends. Computed once:
   * Duration.dividedBy goes through BigDecimal, and the loop checks it after every submit.
   */
  private final Duration renewEvery;
  /** System.nanoTime() at the last check for other nodes' results; 0 before the first. */
  private long lastForeignCheckNanos;
  /**
   * Attempts in a row that ended in a provider failure; a success after at least
   * {@link #OUTAGE_FAILURES} of them is the end of an outage. Starts there: waits a previous run
   * left behind are flushed on this run's first success.
   */
  private final AtomicInteger providerFailuresInARow = new AtomicInteger(OUTAGE_FAILURES);
  /** Set when a route recovered; the loop then makes the provider waits due. */
  private volatile boolean flushRequested;
  /**
   * How many recovery flushes the loop has begun. A delivery claimed before a flush and sent back to
   * wait for the provider after it (its attempt was in flight, or refused by a half-open circuit, as
   * the circuit closed) would miss that flush and wait out a backoff against a healthy SparkPost.
   */
  private volatile long recoveryFlushes;
  /** Whether the one probe an all-open dispatcher sends is still in flight: it sends no second one. */
  private final AtomicBoolean probing = new AtomicBoolean();
  /** System.nanoTime() of the last flush a success (not a circuit closing) asked for; 0 before. */
  private volatile long lastSuccessFlushNanos;

  /**
   * Creates a dispatcher over {@code config}'s spool; call {@link #start()} to begin delivering. A node
   * of a shared spool reserves no probe slot: see the constructor with {@code probeSpacing}.
   *
   * @param allOpenProbeIn empty while some route can take a message, else how long until a probe
   * @param events the search that settles lost answers, or {@code null} if there is none
   */
  public Dispatcher(SpoolConfig config, Clock clock, Sender sender, DeliveryListener listener,
      RetrySchedule schedule, Supplier<Optional<Duration>> allOpenProbeIn, long maxMessageBytes,
      ReconcilePolicy reconcilePolicy, @Nullable MessageEvents events) {
    this(config, clock, sender, listener, schedule, allOpenProbeIn, () -> Duration.ZERO, maxMessageBytes,
        reconcilePolicy, events);
  }

  /**
   * Creates a dispatcher over {@code config}'s spool; call {@link #start()} to begin delivering.
   *
   * @param allOpenProbeIn empty while some route can take a message, else how long until a probe
   * @param probeSpacing how long the open circuits last waited between probes; on a shared spool the
   *     fleet sends one probe per such spacing ({@link Spool#claimProbe})
   * @param events the search that settles lost answers, or {@code null} if there is none
   */
  public Dispatcher(SpoolConfig config, Clock clock, Sender sender, DeliveryListener listener,
      RetrySchedule schedule, Supplier<Optional<Duration>> allOpenProbeIn, Supplier<Duration> probeSpacing,
      long maxMessageBytes, ReconcilePolicy reconcilePolicy, @Nullable MessageEvents events) {
    this.probeSpacing = Objects.requireNonNull(probeSpacing, "probeSpacing");
    this.config = Objects.requireNonNull(config, "config");
    this.renewEvery = config.lease().dividedBy(3);
    this.spool = config.spool();
    this.limits = new Spool.Limits(config.maxEntries(), config.maxBytes());
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sender = Objects.requireNonNull(sender, "sender");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    this.allOpenProbeIn = Objects.requireNonNull(allOpenProbeIn, "allOpenProbeIn");
    this.maxMessageBytes = maxMessageBytes;
    this.reconcilePolicy = Objects.requireNonNull(reconcilePolicy, "reconcilePolicy");
    this.reconciler = new Reconciler(this, spool, clock, reconcilePolicy, events, listener, config.lease(),
        config.pollInterval(), () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    this.slots = new Semaphore(config.workers());
    AtomicInteger workerCount = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(config.workers(), runnable -> {
      Thread thread = new Thread(runnable, "steadfast-dispatch-" + workerCount.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    AtomicInteger submitterCount = new AtomicInteger();
    this.submitters = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "steadfast-submit-" + submitterCount.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Returns entries left in flight by a previous process to the queue and starts the loop thread. */
  public synchronized void start() {
    if (running || closed) {
      return;
    }
    Instant now = clock.instant();
    // A shared spool recovers only this node's entries: other nodes' in-flight entries may be alive,
    // and come back by themselves when their leases expire.
    // The previous run may have died after SparkPost accepted a message and before the spool recorded it:
    // each is looked up in SparkPost's events, after the settle delay, before any re-send.
    int recovered = spool.recoverInFlight(now, now.plus(reconcilePolicy.settleDelay()));
    if (recovered > 0) {
      log.warn("Recovered {} spooled messages left in flight by a previous run{}; looking their keys up in "
          + "SparkPost's events before any re-send (ReconcilePolicy {})", recovered,
          spool.shared() ? " of this node" : "", reconcilePolicy.mode());
    }
    spool.onAppend(this::wake);
    purgeIfDue(now);
    running = true;
    Thread thread = new Thread(this::loop, "steadfast-dispatcher");
    thread.setDaemon(true);
    loop = thread;
    thread.start();
    reconciler.start();
    log.info("Steadfast dispatcher started with {} workers; {}", config.workers(), spool.stats(now));
  }

  /**
   * Stores {@code message} durably and returns once it is; waits up to the submit timeout for room.
   *
   * @throws SpoolFullException if there was no room within the submit timeout
   * @throws SpoolUnavailableException if the spool could not write (disk full, storage failed); nothing stored
   * @throws IdempotencyConflictException if the key is already spooled for a different message
   * @throws InvalidMessageException if the message is larger than the configured limit
   */
  public SubmitReceipt submit(Message message) {
    Spool.NewEntry entry = newEntry(message);
    long deadline = System.nanoTime() + config.submitTimeout().toNanos();
    SpoolEntry stored;
    while (true) {
      try {
        stored = spool.append(List.of(entry), limits).get(0);
        break;
      } catch (java.io.UncheckedIOException failed) {
        // Disk full, file-size limit, storage gone: nothing was stored, and the caller may try again.
        throw new SpoolUnavailableException(failed.getCause() != null ? failed.getCause() : failed);
      } catch (SpoolFullException full) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw full;
        }
        awaitRoom(Math.min(left, config.pollInterval().toNanos()));
      }
    }
    return accepted(entry, stored);
  }

  /**
   * Writes {@code message} into the spool inside the transaction open on {@code connection}; it is
   * delivered once that transaction commits, and never if it rolls back. Never waits for room.
   *
   * @throws UnsupportedOperationException if the spool cannot join a JDBC transaction
   * @throws SpoolFullException if the spool is full; nothing was added to the transaction
   * @throws IdempotencyConflictException if the key is already spooled for a different message
   * @throws InvalidMessageException if the message is larger than the configured limit
   */
  public SubmitReceipt submit(Message message, java.sql.Connection connection) {
    Objects.requireNonNull(connection, "connection");
    if (!(spool instanceof io.steadfast.spi.TransactionalSpool transactional)) {
      throw new UnsupportedOperationException("The configured spool (" + spool.getClass().getSimpleName()
          + ") cannot write into your database transaction; submit(message, connection) needs a spool in that "
          + "database, such as io.steadfast.spool.PostgresSpool. Use submit(message) after your commit instead.");
    }
    Spool.NewEntry entry = newEntry(message);
    SpoolEntry stored = transactional.append(List.of(entry), limits, connection).get(0);
    return accepted(entry, stored);
  }

  private Spool.NewEntry newEntry(Message message) {
    Objects.requireNonNull(message, "message");
    if (closed) {
      throw new IllegalStateException("EmailClient is closed; create a new one to submit");
    }
    long size = message.estimatedSizeBytes();
    if (size > maxMessageBytes) {
      throw new InvalidMessageException(List.of(new InvalidMessageException.Violation("size",
          "is about " + size + " bytes, over the configured maxMessageBytes of " + maxMessageBytes)));
    }
    IdempotencyKey key = message.idempotencyKey() != null ? message.idempotencyKey() : IdempotencyKey.generate();
    Instant now = clock.instant();
    return new Spool.NewEntry(key, message.fingerprint(), message, now, now.plus(config.deliverWithin()), size);
  }

  private SubmitReceipt accepted(Spool.NewEntry entry, SpoolEntry stored) {
    if (!stored.fingerprint().equals(entry.fingerprint())) {
      throw new IdempotencyConflictException(entry.idempotencyKey());
    }
    wake();
    return new SubmitReceipt(stored.id(), entry.idempotencyKey(), stored.createdAt());
  }

  /** Runs {@link #submit} on a submitter thread; the future fails with what submit would throw. */
  public CompletableFuture<SubmitReceipt> submitAsync(Message message) {
    try {
      return CompletableFuture.supplyAsync(() -> submit(message), submitters);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("EmailClient is closed; create a new one to submit"));
    }
  }

  /** Returns a future completed when the entry of {@code receipt} is delivered or dead-lettered. */
  public CompletableFuture<DeliveryResult> result(SubmitReceipt receipt) {
    Objects.requireNonNull(receipt, "receipt");
    long id = receipt.spoolId();
    CompletableFuture<DeliveryResult> future = results.computeIfAbsent(id, ignored -> new CompletableFuture<>());
    // The worker updates the spool before it looks for a future, so one of the two sees the end.
    Optional<SpoolEntry> entry = spool.inspect(id);
    if (entry.isEmpty()) {
      results.remove(id, future);
      future.completeExceptionally(new IllegalStateException("spool entry " + id + " is no longer in the spool "
          + "(delivered entries are purged after the retention window)"));
    } else {
      finalResult(entry.get()).ifPresent(result -> {
        results.remove(id, future);
        future.complete(result);
      });
    }
    return future;
  }

  /** Wakes the loop: something was submitted, a worker finished or a circuit changed state. */
  public void wake() {
    signal.wake();
  }

  private void loop() {
    while (running) {
      try {
        Duration wait = dispatchDue();
        if (wait.isZero()) {
          continue;
        }
        awaitSignal(wait);
      } catch (RuntimeException e) {
        log.error("Dispatcher could not read the spool; retrying in {}", config.pollInterval(), e);
        awaitSignal(config.pollInterval());
      }
    }
  }

  /**
   * A route's circuit closed after being open: SparkPost answers again. Entries that wait because it
   * did not are made due by the loop, so the backlog goes out now at the pace the routes allow, not
   * at each entry's own backoff, which the outage pushed up to the maximum retry delay.
   */
  public void routeRecovered() {
    flushRequested = true;
    providerFailuresInARow.set(0);
    wake();
  }

  /** An attempt succeeded: after an outage's failures in a row, that too is a recovery. */
  private void attemptSucceeded() {
    if (providerFailuresInARow.getAndSet(0) < OUTAGE_FAILURES) {
      return;
    }
    long now = System.nanoTime();
    long last = lastSuccessFlushNanos;
    if (last != 0 && now - last < SUCCESS_FLUSH_SPACING.toNanos()) {
      return;
    }
    lastSuccessFlushNanos = now;
    flushRequested = true;
    wake();
  }

  /** Makes the provider waits due if a recovery asked for it; on the loop thread. */
  private void flushIfRecovered(Instant now) {
    if (!flushRequested) {
      return;
    }
    flushRequested = false;
    // Counted before the flush: a delivery rescheduled after this line sees the count move and asks
    // for another flush; one rescheduled before it is in the spool when the flush below runs.
    recoveryFlushes++;
    int flushed = spool.flush(now, EnumSet.of(WaitReason.PROVIDER));
    if (flushed > 0) {
      log.info("SparkPost answers again: {} spooled messages waiting out the outage are due now, oldest first",
          flushed);
    }
  }

  @Override
  public int flush() {
    int flushed = spool.flush(clock.instant(), EnumSet.allOf(WaitReason.class));
    log.info("Flushed the spool: {} pending messages are due now", flushed);
    wake();
    return flushed;
  }

  /** Claims and starts what is due; returns how long the loop may sleep (zero: loop again now). */
  Duration dispatchDue() {
    Instant now = clock.instant();
    flushIfRecovered(now);
    purgeIfDue(now);
    Duration untilRenewal = renewIfDue(now);
    completeForeignResults();
    Duration wait = dispatchClaims(now);
    return min(wait, untilRenewal);
  }

  /**
   * For a shared spool, completes the awaited results of entries another node delivered or
   * dead-lettered: this node's workers never see those. Checks at most a bounded number, at most once
   * a poll interval: the loop runs after every submit and delivery, and each check reads the spool.
   * The interval is measured on the monotonic clock, not the configured one: a wall clock set back (or
   * a test's stopped clock) must not stop these checks.
   */
  private void completeForeignResults() {
    long nowNanos = System.nanoTime();
    if (!spool.shared() || results.isEmpty()
        || lastForeignCheckNanos != 0 && nowNanos - lastForeignCheckNanos < config.pollInterval().toNanos()) {
      return;
    }
    lastForeignCheckNanos = nowNanos;
    int checked = 0;
    // The map's own iterator tolerates the removals below; no copy of every awaited id per check.
    for (Long id : results.keySet()) {
      if (checked++ >= 100) {
        return;
      }
      if (inFlight.containsKey(id)) {
        continue;
      }
      try {
        spool.inspect(id).flatMap(Dispatcher::finalResult).ifPresent(result -> {
          CompletableFuture<DeliveryResult> future = results.remove(id);
          if (future != null) {
            future.complete(result);
          }
        });
      } catch (RuntimeException e) {
        log.debug("Could not check spool entry {} for its result; checking again on the next loop", id, e);
        return;
      }
    }
  }

  private Duration dispatchClaims(Instant now) {
    Optional<Duration> probeIn = allOpenProbeIn.get();
    if (probeIn.isPresent() && (!probeIn.get().isZero() || probing.get())) {
      // Waiting for the probe's turn or its verdict; a circuit's change of state wakes the loop.
      return probeIn.get().isZero() ? config.pollInterval() : min(probeIn.get(), config.pollInterval());
    }
    int free = slots.availablePermits();
    if (free == 0) {
      return config.pollInterval();
    }
    if (probeIn.isPresent() && spool.shared() && somethingDue(now) && !spool.claimProbe(now, probeSpacing.get())) {
      // Another node of the fleet has just probed SparkPost: its answer, not a second probe, tells us.
      return config.pollInterval();
    }
    // Every circuit open but a probe is due: send one message as the probe, not a burst.
    int max = probeIn.isPresent() ? 1 : free;
    List<Spool.Claimed> claimed = spool.claim(max, now, config.lease());
    boolean probe = probeIn.isPresent();
    for (Spool.Claimed claim : claimed) {
      slots.acquireUninterruptibly();
      inFlight.put(claim.entry().id(), new Running(claim, recoveryFlushes, probe));
      if (probe) {
        probing.set(true);
      }
      try {
        workers.execute(() -> deliver(claim));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // Closing: no attempt was started, so the entry goes straight back to the queue. Left in flight,
        // the next start would take it for a lost answer and wait the settle delay to look it up.
        inFlight.remove(claim.entry().id());
        if (probe) {
          probing.set(false);
        }
        slots.release();
        spool.reschedule(claim, now, "not attempted: the dispatcher was closing");
      }
    }
    if (!claimed.isEmpty() && claimed.size() == max && probeIn.isEmpty()) {
      return Duration.ZERO;
    }
    if (!claimed.isEmpty()) {
      return config.pollInterval();
    }
    Optional<Instant> next = spool.nextDueAt();
    if (next.isEmpty()) {
      return config.pollInterval();
    }
    Duration untilDue = Duration.between(now, next.get());
    return untilDue.isNegative() || untilDue.isZero() ? Duration.ofMillis(1) : min(untilDue, config.pollInterval());
  }

  /** Whether a pending entry is due: a probe slot is only worth reserving with a message to probe with. */
  private boolean somethingDue(Instant now) {
    return spool.nextDueAt().filter(due -> !due.isAfter(now)).isPresent();
  }

  private void deliver(Spool.Claimed claim) {
    SpoolEntry entry = claim.entry();
    try {
      Message message = claim.message();
      if (message == null) {
        deadLetter(claim, DeliveryResult.Reason.UNREADABLE, "the stored message could not be read: "
            + claim.unreadableReason());
        return;
      }
      Instant now = clock.instant();
      if (now.isAfter(entry.deliverBy())) {
        deadLetter(claim, DeliveryResult.Reason.EXPIRED, "not delivered by its deadline " + entry.deliverBy()
            + "; last error: " + entry.lastError());
        return;
      }
      log.debug("Delivering spooled message {} (attempt {})", entry.idempotencyKey(), entry.attempts());
      SendReceipt receipt;
      try {
        receipt = sender.send(message, new SendOptions(entry.idempotencyKey(), config.attemptTimeout()));
      } catch (RejectedByProviderException | InvalidMessageException | IdempotencyConflictException e) {
        deadLetter(claim, DeliveryResult.Reason.REJECTED, e.getMessage());
        return;
      } catch (DeliveryUnknownException e) {
        awaitEvents(claim, e.getMessage(), e.route().orElse(null));
        return;
      } catch (RateLimitedException e) {
        reschedule(claim, e.getMessage(), e.route().orElse(null),
            schedule.afterRateLimit(e.retryAfter().orElse(null)), WaitReason.RATE_LIMITED);
        return;
      } catch (SendingLimitExceededException e) {
        retry(claim, e.getMessage(), e.route().orElse(null), e.retryAfter().orElse(null), WaitReason.SENDING_LIMIT);
        return;
      } catch (RetryableException e) {
        retry(claim, e.getMessage(), e.route().orElse(null), e.retryAfter().orElse(null), WaitReason.PROVIDER);
        return;
      } catch (SteadfastException e) {
        // An authentication failure is about the account, not the message: keep it until fixed.
        retry(claim, e.getMessage(), e.route().orElse(null), null, WaitReason.ACCOUNT);
        return;
      } catch (RuntimeException e) {
        // A transport that breaks its contract may have sent the message before it failed: settle it
        // from the events like a lost answer rather than re-send it blind.
        log.warn("Spooled message {}: the transport failed unexpectedly ({}); looking the key up before any re-send",
            entry.idempotencyKey(), e.toString(), e);
        awaitEvents(claim, "unexpected failure: " + e, null);
        return;
      }
      boolean recorded;
      try {
        recorded = recordDelivered(claim, receipt);
      } catch (RuntimeException e) {
        acceptedButNotRecorded(claim, receipt, e);
        return;
      }
      if (!recorded) {
        log.warn("Spooled message {} was accepted but its lease had passed to another node, which sends it again "
            + "with the same idempotency key", entry.idempotencyKey());
      }
    } catch (RuntimeException e) {
      // The entry stays in flight; once its lease expires it is looked up in SparkPost's events before
      // any re-send, because this attempt may have reached SparkPost.
      log.error("Could not record the outcome of spooled message {}; it is looked up in SparkPost's events after "
          + "its lease expires", entry.idempotencyKey(), e);
    } finally {
      Running done = inFlight.remove(entry.id());
      if (done != null && done.probe()) {
        probing.set(false);
      }
      slots.release();
      wake();
      signalRoom();
    }
  }

  /**
   * An attempt's answer was lost: SparkPost may hold the message, and it does not deduplicate. Unless the
   * policy is to re-send blind, the entry waits as RECONCILING for the events to settle it.
   */
  private void awaitEvents(Spool.Claimed claim, String error, @Nullable String route) {
    if (reconcilePolicy.mode() == ReconcilePolicy.Mode.RESEND) {
      retry(claim, error, route, null, WaitReason.PROVIDER);
      return;
    }
    SpoolEntry entry = claim.entry();
    Instant now = clock.instant();
    Instant checkAt = now.plus(reconcilePolicy.settleDelay());
    log.debug("Spooled message {}: no answer to attempt {}; looking its key up in SparkPost's events at {}",
        entry.idempotencyKey(), entry.attempts(), checkAt);
    if (spool.markReconciling(claim, now, checkAt, error)) {
      listener.reconciling(entry.idempotencyKey(), route);
      reconciler.wake();
    }
  }

  /**
   * SparkPost accepted the message but the spool could not record it (disk full, storage failure). A
   * blind re-send would double it, so the entry is moved to RECONCILING, whose lookup finds the
   * injection; if even that write fails the entry stays in flight, and the reconciler claims it when
   * its lease expires (or the next start recovers it), which ends the same way.
   */
  private void acceptedButNotRecorded(Spool.Claimed claim, SendReceipt receipt, RuntimeException failure) {
    SpoolEntry entry = claim.entry();
    Instant now = clock.instant();
    String note = "accepted by SparkPost (transmission " + receipt.transmissionId()
        + ") but the spool could not record it: " + failure.getMessage();
    try {
      if (spool.markReconciling(claim, now, now.plus(reconcilePolicy.settleDelay()), note)) {
        log.error("Spooled message {} was accepted by SparkPost but the spool could not record it ({}); it is "
            + "settled from SparkPost's events, never re-sent blind", entry.idempotencyKey(), failure.getMessage());
        reconciler.wake();
      } else {
        // The write may have landed after all, or another node holds the entry now: either way its state
        // is no longer this claim's to change.
        log.warn("Spooled message {} was accepted by SparkPost; recording it failed ({}) and the entry is no longer "
            + "this attempt's (already recorded, or claimed again after its lease)", entry.idempotencyKey(),
            failure.getMessage());
      }
      return;
    } catch (RuntimeException again) {
      failure.addSuppressed(again);
    }
    log.error("Spooled message {} was accepted by SparkPost but the spool could not record it; it stays in flight "
        + "and is settled from SparkPost's events once its lease expires, never re-sent blind",
        entry.idempotencyKey(), failure);
  }

  /** Records SparkPost's acceptance and completes the entry's result; false if the claim no longer held it. */
  boolean recordDelivered(Spool.Claimed claim, SendReceipt receipt) {
    SpoolEntry entry = claim.entry();
    if (spool.markDelivered(claim, receipt, clock.instant())) {
      attemptSucceeded();
      finish(entry.id(), new DeliveryResult.Delivered(entry.id(), receipt, entry.createdAt()));
      return true;
    }
    return false;
  }

  /** Returns why lost answers cannot be settled from SparkPost's events right now, if they cannot. */
  public Optional<String> reconcileProblem() {
    return reconciler.problem();
  }

  private void retry(Spool.Claimed claim, String error, @Nullable String route, @Nullable Duration retryAfter,
      WaitReason reason) {
    SpoolEntry entry = claim.entry();
    reschedule(claim, error, route,
        schedule.delay(entry.createdAt(), clock.instant(), entry.attempts(), retryAfter), reason);
  }

  /** Returns the entry to the queue, due after {@code delay}; the listener hears of it as a retry. */
  private void reschedule(Spool.Claimed claim, String error, @Nullable String route, Duration delay,
      WaitReason reason) {
    SpoolEntry entry = claim.entry();
    Instant now = clock.instant();
    Instant next = now.plus(delay);
    if (next.isAfter(entry.deliverBy())) {
      deadLetter(claim, DeliveryResult.Reason.EXPIRED, "not delivered by its deadline " + entry.deliverBy()
          + "; last error: " + error);
      return;
    }
    log.debug("Spooled message {} not delivered (attempt {}); next attempt in {}", entry.idempotencyKey(),
        entry.attempts(), delay);
    if (reason == WaitReason.PROVIDER) {
      providerFailuresInARow.incrementAndGet();
    }
    if (spool.reschedule(claim, next, error, reason) && route != null) {
      listener.retryScheduled(entry.idempotencyKey(), route, entry.attempts(), delay);
    }
    Running running = inFlight.get(entry.id());
    if (reason == WaitReason.PROVIDER && running != null && running.recoveryFlushesBefore() != recoveryFlushes) {
      // SparkPost recovered while this attempt was out: the flush it missed is repeated, so it is due now.
      flushRequested = true;
      wake();
    }
  }

  /** Moves the entry to the dead letters and completes its result; false if the claim no longer held it. */
  boolean deadLetter(Spool.Claimed claim, DeliveryResult.Reason reason, @Nullable String detail) {
    SpoolEntry entry = claim.entry();
    String text = detail == null ? "" : detail;
    if (spool.deadLetter(claim, reason.name() + ": " + text, clock.instant())) {
      log.error("Spooled message {} moved to the dead letters ({}) after {} attempts", entry.idempotencyKey(), reason,
          entry.attempts());
      finish(entry.id(), new DeliveryResult.DeadLettered(entry.id(), entry.idempotencyKey(), reason, text,
          entry.createdAt()));
      return true;
    }
    return false;
  }

  private void finish(long id, DeliveryResult result) {
    // The client hands us its SafeListener, so a listener that throws cannot stop this.
    if (result instanceof DeliveryResult.Delivered delivered) {
      listener.delivered(delivered);
    } else {
      listener.deadLettered((DeliveryResult.DeadLettered) result);
    }
    CompletableFuture<DeliveryResult> future = results.remove(id);
    if (future != null) {
      future.complete(result);
    }
  }

  private static Optional<DeliveryResult> finalResult(SpoolEntry entry) {
    if (entry.state() == SpoolState.DELIVERED && entry.receipt() != null) {
      return Optional.of(new DeliveryResult.Delivered(entry.id(), entry.receipt(), entry.createdAt()));
    }
    if (entry.state() == SpoolState.DEAD) {
      String error = entry.lastError() == null ? "" : entry.lastError();
      DeliveryResult.Reason reason = DeliveryResult.Reason.REJECTED;
      String detail = error;
      int colon = error.indexOf(": ");
      if (colon > 0) {
        try {
          reason = DeliveryResult.Reason.valueOf(error.substring(0, colon));
          detail = error.substring(colon + 2);
        } catch (IllegalArgumentException e) {
          // Written by another tool; keep the whole text as the detail.
        }
      }
      return Optional.of(new DeliveryResult.DeadLettered(entry.id(), entry.idempotencyKey(), reason, detail,
          entry.createdAt()));
    }
    return Optional.empty();
  }

  /** Renews the leases of running deliveries every third of a lease; returns the time until the next renewal. */
  private Duration renewIfDue(Instant now) {
    if (lastRenewal != null && now.isBefore(lastRenewal.plus(renewEvery))) {
      return Duration.between(now, lastRenewal.plus(renewEvery));
    }
    lastRenewal = now;
    List<Spool.Claimed> running = inFlight.values().stream().map(Running::claim).toList();
    if (!running.isEmpty()) {
      try {
        Set<Long> lost = spool.renewLeases(running, now, config.lease());
        if (!lost.isEmpty()) {
          log.warn("Lost the lease of {} spooled messages still being delivered (another node claimed them after "
              + "their lease expired); their outcome is recorded by that node", lost.size());
        }
      } catch (RuntimeException e) {
        log.warn("Could not renew the leases of {} spooled messages being delivered; retrying in {}",
            running.size(), config.pollInterval(), e);
        lastRenewal = now.minus(renewEvery).plus(config.pollInterval());
      }
    }
    return renewEvery;
  }

  private void purgeIfDue(Instant now) {
    if (lastPurge == null || !now.isBefore(lastPurge.plus(PURGE_EVERY))) {
      lastPurge = now;
      int purged = spool.purgeDelivered(now.minus(config.retention()));
      if (purged > 0) {
        log.info("Purged {} delivered spool entries older than {}", purged, config.retention());
      }
    }
  }

  private void awaitSignal(Duration wait) {
    if (!signal.await(wait, () -> running)) {
      running = false;
    }
  }

  private void awaitRoom(long nanos) {
    lock.lock();
    try {
      room.awaitNanos(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for room in the spool", e);
    } finally {
      lock.unlock();
    }
  }

  private void signalRoom() {
    lock.lock();
    try {
      room.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public SpoolStats stats() {
    return spool.stats(clock.instant());
  }

  @Override
  public List<SpoolEntry> list(SpoolState state, int limit) {
    Objects.requireNonNull(state, "state");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1 but was " + limit);
    }
    return spool.list(state, limit);
  }

  @Override
  public Optional<SpoolEntry> inspect(long spoolId) {
    return spool.inspect(spoolId);
  }

  @Override
  public boolean requeue(long spoolId) {
    Instant now = clock.instant();
    boolean requeued = spool.requeue(spoolId, now, now.plus(config.deliverWithin()));
    if (requeued) {
      wake();
    }
    return requeued;
  }

  @Override
  public Optional<io.steadfast.spi.SpoolDamage> damage() {
    return spool.damage();
  }

  @Override
  public int purgeDelivered(Duration age) {
    Objects.requireNonNull(age, "age");
    if (age.isNegative()) {
      throw new IllegalArgumentException("age must not be negative but was " + age);
    }
    return spool.purgeDelivered(clock.instant().minus(age));
  }

  /**
   * Stops claiming, waits up to the close timeout for in-flight deliveries, moves those still running
   * to RECONCILING (their outcome is unknown), and closes the spool.
   */
  @Override
  public void close() {
    Thread thread;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = false;
      thread = loop;
    }
    wake();
    reconciler.close(config.closeTimeout());
    submitters.shutdown();
    workers.shutdown();
    try {
      if (thread != null) {
        thread.join(config.closeTimeout().toMillis() + 1);
      }
      if (!workers.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{} spooled deliveries still running after {}; releasing their leases", inFlight.size(),
            config.closeTimeout());
        workers.shutdownNow();
      }
      submitters.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Instant now = clock.instant();
    for (Spool.Claimed claim : inFlight.values().stream().map(Running::claim).toList()) {
      try {
        // The attempt was cut off mid-flight: SparkPost may have it, so it is looked up before any re-send.
        spool.markReconciling(claim, now, now.plus(reconcilePolicy.settleDelay()),
            "lease released at close; outcome of the attempt unknown");
      } catch (RuntimeException e) {
        log.warn("Could not release the lease of spool entry {}; it is looked up after a restart", claim.entry().id(),
            e);
      }
    }
    for (CompletableFuture<DeliveryResult> future : results.values()) {
      future.completeExceptionally(new IllegalStateException("EmailClient closed before the message was delivered; "
          + "it stays spooled and is delivered by the next client on this spool"));
    }
    results.clear();
    spool.close();
    log.info("Steadfast dispatcher stopped");
  }

  /**
   * A claim being delivered: how many recovery flushes had begun when it was claimed, and whether it is
   * the probe of an all-open dispatcher.
   */
  private record Running(Spool.Claimed claim, long recoveryFlushesBefore, boolean probe) {}
}
