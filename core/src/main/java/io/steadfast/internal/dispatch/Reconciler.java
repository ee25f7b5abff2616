package io.steadfast.internal.dispatch;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.internal.Backoff;
import io.steadfast.internal.Reconciliation;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles the spooled messages whose answer was lost ({@link io.steadfast.spi.SpoolState#RECONCILING})
 * from SparkPost's message events before any re-send, on a thread of its own so that a slow or failing
 * Events API never holds up delivery.
 *
 * <p>Each pass claims every due reconciling entry (up to a batch) and searches for all their keys at
 * once: after an outage hundreds of entries are due together, and one search batches their recipients
 * into few requests. Per entry: an {@code injection} event delivers it (confirmed from events, nothing
 * re-sent); a rejection event dead-letters it with SparkPost's reason; no event looks once more after
 * the recheck delay, then re-sends it with the same key. When the Events API cannot answer the entries
 * wait, with a jittered backoff shared by all of them, until the policy's timeout; a key without the
 * "Events Search: Read-only" grant, or no Events API client, applies the policy's fallback at once.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** The API key permission that events searches need (formerly "Message Events: Read-only"). */
  private static final String GRANT = "Events Search: Read-only";
  /** Entries settled per pass; one search covers them all. */
  static final int BATCH = 500;
  private static final Duration MIN_BACKOFF = Duration.ofSeconds(5);
  /**
   * The longest pause after failed searches: one search a minute at most while the Events API is down
   * is no storm, and the backlog is settled within a minute of its recovery.
   */
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  /** Searches stop this long before SparkPost's 10-day retention ends: a later miss would mean nothing. */
  private static final Duration RETENTION_MARGIN = Duration.ofHours(1);

  private final Dispatcher dispatcher;
  private final Spool spool;
  private final Clock clock;
  private final ReconcilePolicy policy;
  private final @Nullable MessageEvents events;
  private final DeliveryListener listener;
  private final Duration lease;
  private final Duration pollInterval;
  /** The pause after failed searches: 5 s up to a ceiling of 10 s doubling per failed search in a row. */
  private final Backoff searchBackoff;
  /** The claims of the pass in progress, by entry id; released at close if the pass is cut short. */
  private final Map<Long, Spool.Claimed> claimed = new ConcurrentHashMap<>();
  private final WakeSignal signal = new WakeSignal();
  private volatile boolean running;
  private @Nullable Thread thread;
  /** Searches in a row that could not answer; sets the backoff. Only the reconcile thread touches it. */
  private int failedSearches;
  /**
   * After a failed search, no search until this moment: entries that fall due meanwhile wait and go
   * into the first search after it, so an outage of the Events API costs one search per pause, not one
   * per batch. Null while searches answer. Only the reconcile thread touches it.
   */
  private @Nullable Instant pausedUntil;
  /** Why the events cannot settle lost answers (a missing grant, no client), or null while they can. */
  private volatile @Nullable String problem;
  private volatile boolean warnedForbidden;

  Reconciler(Dispatcher dispatcher, Spool spool, Clock clock, ReconcilePolicy policy, @Nullable MessageEvents events,
      DeliveryListener listener, Duration lease, Duration pollInterval, DoubleSupplier random) {
    this.dispatcher = dispatcher;
    this.spool = spool;
    this.clock = clock;
    this.policy = policy;
    this.events = events;
    this.listener = listener;
    this.lease = lease;
    this.pollInterval = pollInterval;
    this.searchBackoff = new Backoff(MIN_BACKOFF, MIN_BACKOFF.multipliedBy(2), 2, MAX_BACKOFF, random);
    if (events == null && policy.mode() != ReconcilePolicy.Mode.RESEND) {
      problem = Reconciliation.NO_EVENTS_CLIENT;
    }
  }

  /** Returns why lost answers cannot be settled from events right now, if they cannot. */
  Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    Thread loop = new Thread(this::loop, "steadfast-reconciler");
    loop.setDaemon(true);
    thread = loop;
    loop.start();
  }

  void wake() {
    signal.wake();
  }

  /** Stops the thread, waiting up to {@code timeout} for a search in progress, and releases its claims. */
  void close(Duration timeout) {
    Thread loop;
    synchronized (this) {
      running = false;
      loop = thread;
    }
    wake();
    if (loop != null) {
      try {
        loop.join(timeout.toMillis() + 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Instant now = clock.instant();
    for (Spool.Claimed claim : List.copyOf(claimed.values())) {
      try {
        spool.deferReconciling(claim, now, false, "reconcile interrupted by close; looked up again after a restart");
      } catch (RuntimeException e) {
        log.warn("Could not release reconciling spool entry {}; it is looked up after its lease", claim.entry().id(), e);
      }
    }
    claimed.clear();
  }

  private void loop() {
    while (running) {
      try {
        Duration wait = reconcileDue();
        if (!wait.isZero()) {
          await(wait);
        }
      } catch (RuntimeException e) {
        log.error("Reconciler could not read the spool; retrying in {}", pollInterval, e);
        await(pollInterval);
      }
    }
  }

  /** Settles what is due; returns how long the thread may wait (zero: a full batch, go again now). */
  Duration reconcileDue() {
    Instant now = clock.instant();
    if (pausedUntil != null && now.isBefore(pausedUntil)) {
      return min(Duration.between(now, pausedUntil), pollInterval);
    }
    List<Spool.Claimed> due = spool.claimReconciling(BATCH, now, lease);
    if (due.isEmpty()) {
      Optional<Instant> next = spool.nextReconcileAt();
      if (next.isEmpty()) {
        return pollInterval;
      }
      Duration until = Duration.between(now, next.get());
      return until.isNegative() || until.isZero() ? Duration.ofMillis(1) : min(until, pollInterval);
    }
    due.forEach(claim -> claimed.put(claim.entry().id(), claim));
    try {
      settle(due, now);
    } finally {
      due.forEach(claim -> claimed.remove(claim.entry().id()));
    }
    return due.size() == BATCH ? Duration.ZERO : Duration.ofMillis(1);
  }

  private void settle(List<Spool.Claimed> due, Instant now) {
    List<Spool.Claimed> toSearch = new ArrayList<>();
    for (Spool.Claimed claim : due) {
      SpoolEntry entry = claim.entry();
      if (claim.message() == null) {
        dispatcher.deadLetter(claim, DeliveryResult.Reason.UNREADABLE, "the stored message could not be read: "
            + claim.unreadableReason());
      } else if (policy.mode() == ReconcilePolicy.Mode.RESEND) {
        resend(claim, "outcome of the last attempt unknown; re-sent with the same key (ReconcilePolicy RESEND)");
      } else if (problem != null && events == null) {
        giveUp(claim, problem);
      } else if (!now.isBefore(entry.createdAt().plus(ReconcilePolicy.EVENT_RETENTION).minus(RETENTION_MARGIN))) {
        giveUp(claim, "SparkPost keeps events for 10 days and this message is older");
      } else {
        toSearch.add(claim);
      }
    }
    if (toSearch.isEmpty()) {
      return;
    }
    MessageEvents search = Objects.requireNonNull(events, "events");
    List<MessageEvents.Lookup> lookups = toSearch.stream()
        .map(claim -> MessageEvents.Lookup.of(Objects.requireNonNull(claim.message()), claim.entry().idempotencyKey(),
            claim.entry().createdAt()))
        .toList();
    MessageEvents.Result result = search.search(lookups, now);
    DeliveryListener.EventsSearchOutcome outcome = record(toSearch, result);
    // Told after the entries are recorded, so whoever hears it sees the spool as the search left it.
    listener.eventsSearched(lookups.size(), result.requests(), outcome);
  }

  private DeliveryListener.EventsSearchOutcome record(List<Spool.Claimed> toSearch, MessageEvents.Result result) {
    if (result instanceof MessageEvents.Found found) {
      failedSearches = 0;
      pausedUntil = null;
      if (problem != null) {
        log.info("SparkPost's Events API answers again; lost answers are settled from events");
        problem = null;
        warnedForbidden = false;
      }
      Instant after = clock.instant();
      for (Spool.Claimed claim : toSearch) {
        apply(claim, Reconciliation.resultFor(found, claim.entry().idempotencyKey()), after);
      }
      return DeliveryListener.EventsSearchOutcome.ANSWERED;
    }
    if (result instanceof MessageEvents.Forbidden forbidden) {
      String summary = forbidden.failure().summary();
      String problem = summary.contains(GRANT) ? summary
          : summary + ": the API key lacks the \"" + GRANT + "\" grant";
      if (!warnedForbidden) {
        warnedForbidden = true;
        log.warn("SparkPost refused the events search ({}). Lost answers cannot be checked, so ReconcilePolicy {}'s "
            + "fallback applies to them. Give the API key the \"{}\" grant in SparkPost's API key settings", problem,
            policy.mode(), GRANT);
      }
      this.problem = problem;
      toSearch.forEach(claim -> giveUp(claim, problem));
      return DeliveryListener.EventsSearchOutcome.FORBIDDEN;
    }
    MessageEvents.Unavailable unavailable = (MessageEvents.Unavailable) result;
    Duration wait = backoff(unavailable.retryAfter());
    log.warn("SparkPost's Events API could not answer a search for {} lost answers ({}); searching again in {}",
        toSearch.size(), unavailable.failure().summary(), wait);
    Instant after = clock.instant();
    pausedUntil = after.plus(wait);
    for (Spool.Claimed claim : toSearch) {
      Instant since = claim.entry().unknownSince() != null ? claim.entry().unknownSince() : claim.entry().createdAt();
      if (!after.isBefore(since.plus(policy.timeout()))) {
        giveUp(claim, "the Events API could not answer within the reconcile timeout of " + policy.timeout()
            + " (last: " + unavailable.failure().summary() + ")");
      } else {
        spool.deferReconciling(claim, after.plus(wait), false, "events search failed: "
            + unavailable.failure().summary() + "; searching again at " + after.plus(wait));
      }
    }
    return DeliveryListener.EventsSearchOutcome.UNAVAILABLE;
  }

  private void apply(Spool.Claimed claim, ReconcileResult result, Instant now) {
    SpoolEntry entry = claim.entry();
    if (result instanceof ReconcileResult.Accepted accepted) {
      log.info("Spooled message {}: SparkPost's events show it was accepted (transmission {}); not re-sent",
          entry.idempotencyKey(), accepted.transmissionId());
      if (dispatcher.recordDelivered(claim, Reconciliation.receipt(accepted, entry.idempotencyKey(), entry.attempts()))) {
        listener.reconciled(entry.idempotencyKey(), result);
      }
    } else if (result instanceof ReconcileResult.Rejected rejected) {
      if (dispatcher.deadLetter(claim, DeliveryResult.Reason.REJECTED, Reconciliation.rejectionText(rejected))) {
        listener.reconciled(entry.idempotencyKey(), result);
      }
    } else if (entry.reconcileLooks() + 1 >= 2) {
      if (resend(claim, "no event carries the key after two searches of SparkPost's events; re-sent with the same key")) {
        listener.reconciled(entry.idempotencyKey(), result);
      }
    } else {
      Instant next = now.plus(policy.recheckDelay());
      log.debug("Spooled message {}: no event carries its key yet; looking again at {}", entry.idempotencyKey(), next);
      spool.deferReconciling(claim, next, true, "no event carries the key yet (search 1 of 2); looking again at " + next);
    }
  }

  private boolean resend(Spool.Claimed claim, String note) {
    // Due at its creation time (already past, unless clocks disagree), so that it keeps its place among
    // older mail instead of queueing behind everything submitted since the answer was lost.
    Instant now = clock.instant();
    Instant created = claim.entry().createdAt();
    boolean moved = spool.reschedule(claim, created.isBefore(now) ? created : now, note);
    if (moved) {
      dispatcher.wake();
    }
    return moved;
  }

  private void giveUp(Spool.Claimed claim, String reason) {
    SpoolEntry entry = claim.entry();
    boolean moved;
    if (policy.mode() == ReconcilePolicy.Mode.DEAD_LETTER) {
      moved = dispatcher.deadLetter(claim, DeliveryResult.Reason.OUTCOME_UNKNOWN, "SparkPost may or may not have "
          + "accepted it, and its events could not tell: " + reason + ". Check the key in SparkPost's events, then "
          + "requeue it or leave it");
    } else {
      log.warn("Spooled message {}: its lost answer could not be settled from events ({}); re-sending with the same "
          + "key, which is a duplicate if SparkPost had accepted it", entry.idempotencyKey(), reason);
      moved = resend(claim, "not settled from events (" + reason + "); re-sent with the same key");
    }
    if (moved) {
      listener.reconcileGaveUp(entry.idempotencyKey(), policy.mode(), reason);
    }
  }

  /** Full-jitter exponential backoff over failed searches, never shorter than Retry-After. */
  private Duration backoff(@Nullable Duration retryAfter) {
    failedSearches = Math.min(failedSearches + 1, 16);
    return searchBackoff.delay(failedSearches, retryAfter);
  }

  private void await(Duration wait) {
    if (!signal.await(wait, () -> running)) {
      running = false;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
