package io.steadfast.internal.spool;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolFullException;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Spool} held in memory: for tests and for applications that accept losing spooled mail
 * when the process dies. Every method is atomic ({@code synchronized}).
 */
public final class InMemorySpool implements Spool {

  /** Guarded by {@code this}. */
  private final Map<Long, SpoolEntry> entries = new LinkedHashMap<>();
  /** Guarded by {@code this}. */
  private final Map<Long, Message> messages = new HashMap<>();
  /** Guarded by {@code this}. */
  private final Map<IdempotencyKey, Long> byKey = new HashMap<>();
  /** Guarded by {@code this}. */
  private long nextId = 1;
  /**
   * Lease tokens of reconciling claims, which do not count as attempts; kept far above any attempt
   * count so they never equal the attempt-count tokens of delivery claims. Guarded by {@code this}.
   */
  private long nextLeaseToken = 1L << 40;
  /**
   * The lease token of the claim that last took each entry, so that a claim that lost its entry (its
   * lease expired and another claim took it) cannot move it. Guarded by {@code this}.
   */
  private final Map<Long, Long> leaseTokens = new HashMap<>();
  /** Why each rescheduled pending entry waits; absent if no reason was recorded. */
  private final Map<Long, WaitReason> waits = new HashMap<>();
  /** Guarded by {@code this}. */
  private boolean closed;

  /** Creates an empty spool. */
  public InMemorySpool() {}

  @Override
  public synchronized List<SpoolEntry> append(List<NewEntry> newEntries, Limits limits) {
    Objects.requireNonNull(newEntries, "newEntries");
    Objects.requireNonNull(limits, "limits");
    checkOpen();
    long count = 0;
    long bytes = 0;
    for (SpoolEntry entry : entries.values()) {
      if (undelivered(entry.state())) {
        count++;
        bytes += entry.sizeBytes();
      }
    }
    List<SpoolEntry> result = new ArrayList<>();
    List<NewEntry> fresh = new ArrayList<>();
    Map<IdempotencyKey, Integer> seen = new HashMap<>();
    for (NewEntry entry : newEntries) {
      if (!byKey.containsKey(entry.idempotencyKey()) && seen.putIfAbsent(entry.idempotencyKey(), 0) == null) {
        fresh.add(entry);
        count++;
        bytes += entry.sizeBytes();
      }
    }
    if (!fresh.isEmpty() && (count > limits.maxEntries() || bytes > limits.maxBytes())) {
      throw new SpoolFullException(count + " undelivered entries of " + bytes + " bytes with this batch, limits "
          + limits.maxEntries() + " entries and " + limits.maxBytes() + " bytes");
    }
    for (NewEntry entry : newEntries) {
      Long existing = byKey.get(entry.idempotencyKey());
      if (existing != null) {
        result.add(entries.get(existing));
        continue;
      }
      long id = nextId++;
      SpoolEntry stored = new SpoolEntry(id, entry.idempotencyKey(), entry.fingerprint(), SpoolState.PENDING, 0,
          entry.createdAt(), entry.createdAt(), entry.deliverBy(), null, null, entry.sizeBytes(), null);
      entries.put(id, stored);
      messages.put(id, entry.message());
      byKey.put(entry.idempotencyKey(), id);
      result.add(stored);
    }
    return List.copyOf(result);
  }

  @Override
  public synchronized Optional<SpoolEntry> find(IdempotencyKey key) {
    checkOpen();
    Long id = byKey.get(Objects.requireNonNull(key, "key"));
    return id == null ? Optional.empty() : Optional.of(entries.get(id));
  }

  @Override
  public synchronized List<Claimed> claim(int max, Instant now, Duration lease) {
    checkOpen();
    List<SpoolEntry> due = entries.values().stream()
        .filter(e -> e.state() == SpoolState.PENDING && !e.nextAttemptAt().isAfter(now))
        .sorted(Comparator.comparing(SpoolEntry::nextAttemptAt).thenComparing(SpoolEntry::id))
        .limit(max)
        .toList();
    List<Claimed> claimed = new ArrayList<>();
    for (SpoolEntry e : due) {
      SpoolEntry updated = with(e, SpoolState.IN_FLIGHT, e.attempts() + 1, e.nextAttemptAt(), e.deliverBy(),
          now.plus(lease), e.lastError(), null);
      entries.put(e.id(), updated);
      leaseTokens.put(e.id(), (long) updated.attempts());
      claimed.add(new Claimed(updated, messages.get(e.id()), null));
    }
    return List.copyOf(claimed);
  }

  @Override
  public synchronized boolean markReconciling(Claimed claim, Instant now, Instant checkAt, String lastError) {
    checkOpen();
    SpoolEntry e = entries.get(claim.entry().id());
    if (e == null || e.state() != SpoolState.IN_FLIGHT || !holds(claim)) {
      return false;
    }
    entries.put(e.id(), reconciling(e, checkAt, null, 0, now, lastError));
    return true;
  }

  @Override
  public synchronized List<Claimed> claimReconciling(int max, Instant now, Duration lease) {
    checkOpen();
    List<SpoolEntry> due = entries.values().stream()
        .filter(e -> e.state() == SpoolState.RECONCILING && !e.nextAttemptAt().isAfter(now)
            && (e.leaseUntil() == null || !e.leaseUntil().isAfter(now))
            || e.state() == SpoolState.IN_FLIGHT && e.leaseUntil() != null && !e.leaseUntil().isAfter(now))
        .sorted(Comparator.comparing(SpoolEntry::nextAttemptAt).thenComparing(SpoolEntry::id))
        .limit(max)
        .toList();
    List<Claimed> claimed = new ArrayList<>();
    for (SpoolEntry e : due) {
      SpoolEntry updated = e.state() == SpoolState.IN_FLIGHT
          ? reconciling(e, now, now.plus(lease), 0, now, "lease expired mid-attempt; outcome unknown")
          : reconciling(e, e.nextAttemptAt(), now.plus(lease), e.reconcileLooks(), e.unknownSince(), e.lastError());
      entries.put(e.id(), updated);
      long token = nextLeaseToken++;
      leaseTokens.put(e.id(), token);
      claimed.add(new Claimed(updated, messages.get(e.id()), null, token));
    }
    return List.copyOf(claimed);
  }

  @Override
  public synchronized boolean deferReconciling(Claimed claim, Instant nextCheckAt, boolean foundNothing, String note) {
    checkOpen();
    SpoolEntry e = entries.get(claim.entry().id());
    if (e == null || e.state() != SpoolState.RECONCILING || !holds(claim)) {
      return false;
    }
    entries.put(e.id(), reconciling(e, nextCheckAt, null, e.reconcileLooks() + (foundNothing ? 1 : 0),
        e.unknownSince(), note));
    return true;
  }

  @Override
  public synchronized Optional<Instant> nextReconcileAt() {
    checkOpen();
    return entries.values().stream()
        .filter(e -> e.state() == SpoolState.RECONCILING)
        .map(SpoolEntry::nextAttemptAt)
        .min(Comparator.naturalOrder());
  }

  /** Whether {@code claim} is the last claim of its entry. Guarded by {@code this}. */
  private boolean holds(Claimed claim) {
    Long token = leaseTokens.get(claim.entry().id());
    return token != null && token == claim.leaseToken();
  }

  private static SpoolEntry reconciling(SpoolEntry e, Instant nextCheckAt, @Nullable Instant leaseUntil, int looks,
      @Nullable Instant unknownSince, @Nullable String lastError) {
    return new SpoolEntry(e.id(), e.idempotencyKey(), e.fingerprint(), SpoolState.RECONCILING, e.attempts(),
        e.createdAt(), nextCheckAt, e.deliverBy(), leaseUntil, lastError, e.sizeBytes(), null, looks,
        unknownSince == null ? nextCheckAt : unknownSince);
  }

  @Override
  public synchronized Optional<Instant> nextDueAt() {
    checkOpen();
    return entries.values().stream()
        .filter(e -> e.state() == SpoolState.PENDING)
        .map(SpoolEntry::nextAttemptAt)
        .min(Comparator.naturalOrder());
  }

  @Override
  public synchronized boolean markDelivered(long id, SendReceipt receipt, Instant now) {
    checkOpen();
    Objects.requireNonNull(receipt, "receipt");
    SpoolEntry e = entries.get(id);
    if (e == null || !outForDelivery(e.state())) {
      return false;
    }
    entries.put(id, with(e, SpoolState.DELIVERED, e.attempts(), now, e.deliverBy(), null, e.lastError(), receipt));
    messages.remove(id);
    return true;
  }

  @Override
  public synchronized boolean reschedule(long id, Instant nextAttemptAt, String lastError) {
    checkOpen();
    SpoolEntry e = entries.get(id);
    if (e == null || !outForDelivery(e.state())) {
      return false;
    }
    waits.remove(id);
    entries.put(id, with(e, SpoolState.PENDING, e.attempts(), nextAttemptAt, e.deliverBy(), null, lastError, null));
    return true;
  }

  @Override
  public synchronized boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError, WaitReason reason) {
    Objects.requireNonNull(reason, "reason");
    if (!reschedule(claim, nextAttemptAt, lastError)) {
      return false;
    }
    waits.put(claim.entry().id(), reason);
    return true;
  }

  @Override
  public synchronized int flush(Instant now, Set<WaitReason> reasons) {
    checkOpen();
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(reasons, "reasons");
    int flushed = 0;
    for (SpoolEntry e : List.copyOf(entries.values())) {
      Instant due = e.createdAt().isAfter(now) ? now : e.createdAt();
      if (e.state() == SpoolState.PENDING && e.nextAttemptAt().isAfter(due)
          && reasons.contains(waits.getOrDefault(e.id(), WaitReason.PROVIDER))) {
        if (e.nextAttemptAt().isAfter(now)) {
          flushed++;
        }
        entries.put(e.id(), with(e, SpoolState.PENDING, e.attempts(), due, e.deliverBy(), null, e.lastError(), null));
        waits.remove(e.id());
      }
    }
    return flushed;
  }

  @Override
  public synchronized boolean deadLetter(long id, String reason, Instant now) {
    checkOpen();
    SpoolEntry e = entries.get(id);
    if (e == null || !undelivered(e.state())) {
      return false;
    }
    entries.put(id, with(e, SpoolState.DEAD, e.attempts(), now, e.deliverBy(), null, reason, null));
    return true;
  }

  @Override
  public synchronized boolean requeue(long id, Instant now, Instant deliverBy) {
    checkOpen();
    SpoolEntry e = entries.get(id);
    if (e == null || e.state() != SpoolState.DEAD || !messages.containsKey(id)) {
      return false;
    }
    entries.put(id, with(e, SpoolState.PENDING, e.attempts(), now, deliverBy, null, e.lastError(), null));
    return true;
  }

  @Override
  public synchronized int recoverInFlight(Instant now, Instant checkAt) {
    checkOpen();
    int recovered = 0;
    for (SpoolEntry e : List.copyOf(entries.values())) {
      if (e.state() == SpoolState.IN_FLIGHT) {
        entries.put(e.id(), reconciling(e, checkAt, null, 0, now,
            "recovered after a restart; outcome of the last attempt unknown"));
        recovered++;
      } else if (e.state() == SpoolState.RECONCILING && e.leaseUntil() != null) {
        entries.put(e.id(), reconciling(e, e.nextAttemptAt(), null, e.reconcileLooks(), e.unknownSince(),
            e.lastError()));
      }
    }
    return recovered;
  }

  @Override
  public synchronized SpoolStats stats(Instant now) {
    checkOpen();
    Map<SpoolState, Long> counts = new EnumMap<>(SpoolState.class);
    for (SpoolState state : SpoolState.values()) {
      counts.put(state, 0L);
    }
    long bytes = 0;
    Instant oldest = null;
    for (SpoolEntry e : entries.values()) {
      counts.merge(e.state(), 1L, Long::sum);
      if (messages.containsKey(e.id())) {
        bytes += e.sizeBytes();
      }
      if (undelivered(e.state()) && (oldest == null || e.createdAt().isBefore(oldest))) {
        oldest = e.createdAt();
      }
    }
    Duration age = oldest == null || oldest.isAfter(now) ? Duration.ZERO : Duration.between(oldest, now);
    return new SpoolStats(counts, bytes, age);
  }

  @Override
  public synchronized List<SpoolEntry> list(SpoolState state, int limit) {
    checkOpen();
    return entries.values().stream().filter(e -> e.state() == state).limit(limit).toList();
  }

  @Override
  public synchronized Optional<SpoolEntry> inspect(long id) {
    checkOpen();
    return Optional.ofNullable(entries.get(id));
  }

  @Override
  public synchronized int purgeDelivered(Instant deliveredBefore) {
    checkOpen();
    int purged = 0;
    for (SpoolEntry e : List.copyOf(entries.values())) {
      if (e.state() == SpoolState.DELIVERED && e.nextAttemptAt().isBefore(deliveredBefore)) {
        entries.remove(e.id());
        messages.remove(e.id());
        leaseTokens.remove(e.id());
        byKey.remove(e.idempotencyKey());
        purged++;
      }
    }
    return purged;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("spool is closed");
    }
  }

  private static boolean undelivered(SpoolState state) {
    return state == SpoolState.PENDING || outForDelivery(state);
  }

  /** In flight, or reconciling: an attempt went out and its outcome is not yet recorded. */
  private static boolean outForDelivery(SpoolState state) {
    return state == SpoolState.IN_FLIGHT || state == SpoolState.RECONCILING;
  }

  private static SpoolEntry with(SpoolEntry e, SpoolState state, int attempts, Instant nextAttemptAt,
      Instant deliverBy, @Nullable Instant leaseUntil, @Nullable String lastError, @Nullable SendReceipt receipt) {
    return new SpoolEntry(e.id(), e.idempotencyKey(), e.fingerprint(), state, attempts, e.createdAt(), nextAttemptAt,
        deliverBy, leaseUntil, lastError, e.sizeBytes(), receipt);
  }
}
