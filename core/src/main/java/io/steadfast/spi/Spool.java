package io.steadfast.spi;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolFullException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Durable storage for messages that {@link io.steadfast.EmailClient#submit} accepted, for people who
 * implement a spool. Applications configure one through {@link io.steadfast.SpoolConfig}.
 *
 * <p>The contract: {@link #append} returns only once the entries survive a crash of the process (and,
 * for a file-backed spool, of the host); a failure to make them durable is thrown, never swallowed.
 * Every state change of an entry is durable before the method returns. Keys are unique: an entry
 * stays findable by key until it is purged, which makes the spool the durable idempotency ledger.
 * Implementations are thread-safe. Entries are never evicted to make room.
 */
public interface Spool extends AutoCloseable {

  /**
   * A message to append.
   *
   * @param idempotencyKey the key it is sent with
   * @param fingerprint its content fingerprint
   * @param message the message
   * @param createdAt when it was accepted; also when its first attempt is due
   * @param deliverBy when it expires
   * @param sizeBytes its estimated size, counted against the spool's byte limit
   */
  record NewEntry(IdempotencyKey idempotencyKey, String fingerprint, Message message, Instant createdAt,
      Instant deliverBy, long sizeBytes) {
    /** Checks the parts are present. */
    public NewEntry {
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(deliverBy, "deliverBy");
    }
  }

  /**
   * How much undelivered mail (pending and in flight) a spool may hold.
   *
   * @param maxEntries the most undelivered entries
   * @param maxBytes the most bytes of undelivered messages
   */
  record Limits(long maxEntries, long maxBytes) {
    /** No limit. */
    public static final Limits NONE = new Limits(Long.MAX_VALUE, Long.MAX_VALUE);

    /** Checks both limits are positive. */
    public Limits {
      if (maxEntries < 1) {
        throw new IllegalArgumentException("maxEntries must be >= 1 but was " + maxEntries);
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be >= 1 but was " + maxBytes);
      }
    }
  }

  /**
   * An entry claimed for delivery: its state, its message if it could be read back, and the lease
   * token of this claim.
   *
   * @param entry the entry, now {@link SpoolState#IN_FLIGHT}
   * @param message the message, or {@code null} if it could not be read back
   * @param unreadableReason why the message could not be read back, or {@code null} if it could
   * @param leaseToken identifies this claim: a later claim of the same entry (after the lease expired)
   *     has another token, so completing with an outdated token changes nothing
   */
  record Claimed(SpoolEntry entry, @Nullable Message message, @Nullable String unreadableReason, long leaseToken) {
    /** Checks that exactly one of the message and the reason is present. */
    public Claimed {
      Objects.requireNonNull(entry, "entry");
      if ((message == null) == (unreadableReason == null)) {
        throw new IllegalArgumentException("exactly one of message and unreadableReason must be set");
      }
    }

    /**
     * Creates a claim whose lease token is the entry's attempt count, which every claim increases: enough
     * for a spool that only one process uses.
     */
    public Claimed(SpoolEntry entry, @Nullable Message message, @Nullable String unreadableReason) {
      this(entry, message, unreadableReason, entry.attempts());
    }
  }

  /**
   * Appends {@code entries} durably, in one commit, and returns one entry for each, in order.
   *
   * <p>An entry whose key is already in the spool is not stored again: the existing entry is
   * returned instead, and the caller compares fingerprints.
   *
   * @throws SpoolFullException if storing the new entries would exceed {@code limits}; nothing is
   *     stored then
   * @throws IllegalStateException if the spool is closed
   * @throws java.io.UncheckedIOException if the entries could not be made durable; nothing was
   *     acknowledged
   */
  List<SpoolEntry> append(List<NewEntry> entries, Limits limits);

  /** Returns the entry with {@code key}, in any state, if the spool still holds one. */
  Optional<SpoolEntry> find(IdempotencyKey key);

  /**
   * Claims up to {@code max} pending entries whose next attempt is due at {@code now}, oldest due first.
   * Each becomes in flight until {@code now + lease}, with its attempt count increased.
   *
   * <p>In-flight entries whose lease expired are not claimed here: their attempt's outcome is unknown,
   * so {@link #claimReconciling} takes them to be looked up before any re-send.
   */
  List<Claimed> claim(int max, Instant now, Duration lease);

  /**
   * Moves the in-flight entry of {@code claim}, whose attempt's answer was lost, to
   * {@link SpoolState#RECONCILING}, due for its first event search at {@code checkAt}, with
   * {@code unknownSince = now}, no looks yet and {@code lastError}; if this claim still holds it.
   *
   * @return whether the entry is now reconciling
   */
  boolean markReconciling(Claimed claim, Instant now, Instant checkAt, String lastError);

  /**
   * Claims up to {@code max} entries to look up in SparkPost's events, due first first: reconciling
   * entries whose check is due at {@code now} (and not leased by a live claim), and in-flight entries
   * whose lease expired (their dispatcher died mid-attempt), which become reconciling with
   * {@code unknownSince = now} and no looks. Each stays {@link SpoolState#RECONCILING}, leased until
   * {@code now + lease} with a fresh lease token; its attempt count is unchanged (a search is not an
   * attempt). The claim carries the message, whose recipients the search needs.
   */
  List<Claimed> claimReconciling(int max, Instant now, Duration lease);

  /**
   * Returns the reconciling entry of {@code claim} to waiting, due for its next search at
   * {@code nextCheckAt}, with {@code note} as its last error and its looks increased by one when
   * {@code foundNothing} (a search that failed is not a look); if this claim still holds it.
   *
   * @return whether the entry was reconciling under this claim and now waits
   */
  boolean deferReconciling(Claimed claim, Instant nextCheckAt, boolean foundNothing, String note);

  /** Returns when the earliest reconciling entry's next search is due, if there is one. */
  Optional<Instant> nextReconcileAt();

  /** Returns when the earliest pending entry is due, if there is one. */
  Optional<Instant> nextDueAt();

  /**
   * Marks an in-flight or reconciling entry delivered with SparkPost's receipt.
   *
   * @return whether the entry was in flight or reconciling and is now delivered
   */
  boolean markDelivered(long id, SendReceipt receipt, Instant now);

  /**
   * Returns an in-flight or reconciling entry to pending, due at {@code nextAttemptAt}, with
   * {@code lastError}; a reconciling entry leaves with its looks reset and {@code unknownSince} cleared.
   *
   * @return whether the entry was in flight or reconciling and is now pending
   */
  boolean reschedule(long id, Instant nextAttemptAt, String lastError);

  /**
   * Moves a pending, in-flight or reconciling entry to the dead letters with {@code reason}.
   *
   * @return whether the entry was moved
   */
  boolean deadLetter(long id, String reason, Instant now);

  /**
   * Returns a dead letter to pending, due at {@code now}, with its deadline extended to
   * {@code deliverBy}.
   *
   * @return whether the entry was dead and is now pending
   */
  boolean requeue(long id, Instant now, Instant deliverBy);

  /**
   * Moves every in-flight entry to {@link SpoolState#RECONCILING}, due for its first event search at
   * {@code checkAt}, with {@code unknownSince = now}; and releases the leases of reconciling entries.
   * Called at start-up, when no dispatcher of this spool can still be running: the previous one may
   * have died after SparkPost accepted a message and before the spool recorded it, so each is looked up
   * in SparkPost's events before any re-send.
   *
   * <p>A {@linkplain #shared() shared} spool recovers only the entries this process claimed (its node),
   * never the live leases of other processes; theirs come back when their leases expire.
   *
   * @return how many in-flight entries were recovered
   */
  int recoverInFlight(Instant now, Instant checkAt);

  /**
   * Marks the entry of {@code claim} delivered, if this claim still holds it: for a shared spool, where
   * another process may have claimed the entry again after this claim's lease expired.
   *
   * <p>The default ignores the lease token and calls {@link #markDelivered(long, SendReceipt, Instant)}.
   *
   * @return whether the entry was marked delivered
   */
  default boolean markDelivered(Claimed claim, SendReceipt receipt, Instant now) {
    return markDelivered(claim.entry().id(), receipt, now);
  }

  /**
   * Returns the entry of {@code claim} to pending, if this claim still holds it; see
   * {@link #markDelivered(Claimed, SendReceipt, Instant)}.
   *
   * <p>The default ignores the lease token and calls {@link #reschedule(long, Instant, String)}.
   *
   * @return whether the entry is now pending
   */
  default boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError) {
    return reschedule(claim.entry().id(), nextAttemptAt, lastError);
  }

  /**
   * Returns the entry of {@code claim} to pending like {@link #reschedule(Claimed, Instant, String)},
   * recording {@code reason}, why it waits, so that {@link #flush} knows which waits to cut short.
   *
   * <p>The default forgets the reason: such a spool's {@link #flush} treats every wait alike.
   *
   * @return whether the entry is now pending
   */
  default boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError, WaitReason reason) {
    return reschedule(claim, nextAttemptAt, lastError);
  }

  /**
   * Makes due at once every pending entry that waits past {@code now} for one of {@code reasons}
   * (Postfix's {@code postqueue -f}, limited to the waits whose cause went away). Each becomes due at
   * its creation time, which has passed, so the dispatcher claims them oldest first and new
   * submissions queue behind older mail in creation order; the claim rate, not this call, sets the
   * pace. Entries of those reasons already due, but at a time later than their creation (a backoff
   * that ended just before), get their creation time too, so they do not queue behind the flushed
   * backlog; they are not counted. Entries waiting without a recorded reason (rescheduled by a release before reasons were
   * kept) count as {@link WaitReason#PROVIDER}. In-flight, reconciling, delivered and dead entries are
   * left alone. A {@linkplain #shared() shared} spool flushes the entries of every node.
   *
   * <p>The default flushes nothing and returns 0: entries keep their schedule.
   *
   * @return how many entries became due
   */
  default int flush(Instant now, Set<WaitReason> reasons) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(reasons, "reasons");
    return 0;
  }

  /**
   * Asks for the right to probe SparkPost now, while every route's circuit is open, so that the
   * processes sharing this spool probe once per {@code spacing} between them rather than once each:
   * an outage is not made worse by a fleet's probes. Returns whether this process may send its probe;
   * if not, another process has probed within {@code spacing} and its answer (a recovery flush, seen
   * through the spool) will do.
   *
   * <p>The default always grants it: a spool one process uses has no one to share probes with.
   */
  default boolean claimProbe(Instant now, Duration spacing) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(spacing, "spacing");
    return true;
  }

  /**
   * Moves the entry of {@code claim} to the dead letters, if this claim still holds it; see
   * {@link #markDelivered(Claimed, SendReceipt, Instant)}.
   *
   * <p>The default ignores the lease token and calls {@link #deadLetter(long, String, Instant)}.
   *
   * @return whether the entry was moved
   */
  default boolean deadLetter(Claimed claim, String reason, Instant now) {
    return deadLetter(claim.entry().id(), reason, now);
  }

  /**
   * Extends the leases of {@code claims}, still being delivered, to {@code now + lease}; a dispatcher
   * calls this well before its leases end, so a delivery slower than one lease is not claimed twice.
   *
   * <p>The default renews nothing and reports nothing lost: a spool only one process uses.
   *
   * @return the ids of the entries whose lease this process no longer holds (another process claimed
   *     them after the lease expired); their outcome will be recorded by that process
   */
  default Set<Long> renewLeases(Collection<Claimed> claims, Instant now, Duration lease) {
    return Set.of();
  }

  /**
   * Returns whether several processes may use this spool at once (a database shared by a fleet), so
   * in-flight entries may belong to live dispatchers elsewhere. The default is {@code false}.
   */
  default boolean shared() {
    return false;
  }

  /**
   * Asks the spool to run {@code wakeUp} when another process may have appended entries, so a
   * dispatcher claims them without waiting for its next poll. A hint only: a dispatcher still polls,
   * and polling alone is correct. The default never calls it. {@code wakeUp} must return quickly.
   */
  default void onAppend(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
  }

  /** Returns counts by state, stored bytes and the age of the oldest undelivered entry at {@code now}. */
  SpoolStats stats(Instant now);

  /**
   * Returns the damage found in this spool's storage whose unreadable entries an operator has not yet
   * cleared, if any. The default reports none: a spool that cannot be damaged, or does not salvage.
   */
  default Optional<SpoolDamage> damage() {
    return Optional.empty();
  }

  /** Returns up to {@code limit} entries in {@code state}, oldest first. */
  List<SpoolEntry> list(SpoolState state, int limit);

  /** Returns the entry with {@code id}, if there is one. */
  Optional<SpoolEntry> inspect(long id);

  /**
   * Deletes delivered entries delivered before {@code deliveredBefore}; their keys are forgotten.
   *
   * @return how many entries were deleted
   */
  int purgeDelivered(Instant deliveredBefore);

  /**
   * Returns a spool held in memory: fast, but everything in it is lost when the process ends. For
   * tests, and for applications that prefer losing spooled mail to keeping a file.
   */
  static Spool inMemory() {
    return new io.steadfast.internal.spool.InMemorySpool();
  }

  /** Releases the spool's files and locks; later calls throw {@link IllegalStateException}. */
  @Override
  void close();
}
