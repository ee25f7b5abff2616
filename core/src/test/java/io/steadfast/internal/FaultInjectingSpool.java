package io.steadfast.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A real spool (usually {@link Spool#inMemory()}) behind a view whose writes a test makes fail, as a
 * full disk or a failed commit would, and which records the calls a dispatcher makes. Closing the view
 * closes only the view, like a real spool's close (later calls throw {@link IllegalStateException}); the
 * spool behind it stays readable through {@link #behind()}, so a test can look inside after the client
 * closed. A call after close is recorded as "{@code method} after close".
 */
final class FaultInjectingSpool implements Spool {
  private final Spool delegate;
  /** Guarded by {@code this}. */
  private final List<String> calls = new ArrayList<>();
  private final AtomicInteger claims = new AtomicInteger();
  private final AtomicInteger reconcileClaims = new AtomicInteger();
  private final AtomicInteger recoveries = new AtomicInteger();
  /** Guarded by {@code this}. */
  private @Nullable UncheckedIOException appendFailure;
  /** Guarded by {@code this}. */
  private int markDeliveredFailures;
  /** Guarded by {@code this}. */
  private int markReconcilingFailures;
  /** Guarded by {@code this}. */
  private @Nullable RuntimeException writeFailure;
  private volatile boolean closed;

  FaultInjectingSpool(Spool delegate) {
    this.delegate = delegate;
  }

  /** Returns the spool behind this view; it stays open when the view is closed. */
  Spool behind() {
    return delegate;
  }

  /** Makes every append throw {@code failure}, storing nothing, until {@link #appendsWork()}. */
  synchronized FaultInjectingSpool failAppends(UncheckedIOException failure) {
    appendFailure = failure;
    return this;
  }

  /** Makes appends store again: the disk has room once more. */
  synchronized FaultInjectingSpool appendsWork() {
    appendFailure = null;
    return this;
  }

  /** Makes the next {@code times} calls of markDelivered throw {@code failure}, recording nothing. */
  synchronized FaultInjectingSpool failMarkDelivered(int times, RuntimeException failure) {
    markDeliveredFailures = times;
    writeFailure = failure;
    return this;
  }

  /** Makes the next {@code times} calls of markReconciling throw the failure of {@link #failMarkDelivered}. */
  synchronized FaultInjectingSpool failMarkReconciling(int times) {
    markReconcilingFailures = times;
    return this;
  }

  /**
   * Returns the writes so far, each as its method name, with " failed" if the view made it fail; and any
   * call after close, as "{@code method} after close".
   */
  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** Waits up to {@code timeout} for the call {@code call} (e.g. "markReconciling failed"); returns whether it came. */
  synchronized boolean awaitCall(String call, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!calls.contains(call)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Returns how often pending entries were claimed for an attempt (each poll of a dispatcher counts). */
  int claims() {
    return claims.get();
  }

  /** Returns how often entries were claimed to be looked up in SparkPost's events. */
  int reconcileClaims() {
    return reconcileClaims.get();
  }

  /** Returns how often in-flight entries were recovered, as a dispatcher does when it starts. */
  int recoveries() {
    return recoveries.get();
  }

  private synchronized void record(String call) {
    calls.add(call);
    notifyAll();
  }

  /** Throws as a closed spool does, recording "{@code call} after close" first. */
  private void checkOpen(String call) {
    if (closed) {
      record(call + " after close");
      throw new IllegalStateException("spool is closed");
    }
  }

  /** Throws the injected write failure while failures of this call remain, counting one down. */
  private synchronized void maybeFail(String call, boolean markDelivered) {
    int remaining = markDelivered ? markDeliveredFailures : markReconcilingFailures;
    if (remaining > 0 && writeFailure != null) {
      if (markDelivered) {
        markDeliveredFailures--;
      } else {
        markReconcilingFailures--;
      }
      record(call + " failed");
      throw writeFailure;
    }
  }

  @Override
  public List<SpoolEntry> append(List<NewEntry> entries, Limits limits) {
    checkOpen("append");
    UncheckedIOException failure;
    synchronized (this) {
      failure = appendFailure;
    }
    if (failure != null) {
      record("append failed");
      throw failure;
    }
    List<SpoolEntry> stored = delegate.append(entries, limits);
    record("append");
    return stored;
  }

  @Override
  public Optional<SpoolEntry> find(IdempotencyKey key) {
    checkOpen("find");
    return delegate.find(key);
  }

  @Override
  public List<Claimed> claim(int max, Instant now, Duration lease) {
    checkOpen("claim");
    claims.incrementAndGet();
    return delegate.claim(max, now, lease);
  }

  @Override
  public boolean markReconciling(Claimed claim, Instant now, Instant checkAt, String lastError) {
    checkOpen("markReconciling");
    maybeFail("markReconciling", false);
    boolean moved = delegate.markReconciling(claim, now, checkAt, lastError);
    record("markReconciling");
    return moved;
  }

  @Override
  public List<Claimed> claimReconciling(int max, Instant now, Duration lease) {
    checkOpen("claimReconciling");
    reconcileClaims.incrementAndGet();
    return delegate.claimReconciling(max, now, lease);
  }

  @Override
  public boolean deferReconciling(Claimed claim, Instant nextCheckAt, boolean foundNothing, String note) {
    checkOpen("deferReconciling");
    boolean moved = delegate.deferReconciling(claim, nextCheckAt, foundNothing, note);
    record("deferReconciling");
    return moved;
  }

  @Override
  public Optional<Instant> nextReconcileAt() {
    checkOpen("nextReconcileAt");
    return delegate.nextReconcileAt();
  }

  @Override
  public Optional<Instant> nextDueAt() {
    checkOpen("nextDueAt");
    return delegate.nextDueAt();
  }

  @Override
  public boolean markDelivered(long id, SendReceipt receipt, Instant now) {
    checkOpen("markDelivered");
    maybeFail("markDelivered", true);
    boolean moved = delegate.markDelivered(id, receipt, now);
    record("markDelivered");
    return moved;
  }

  @Override
  public boolean markDelivered(Claimed claim, SendReceipt receipt, Instant now) {
    checkOpen("markDelivered");
    maybeFail("markDelivered", true);
    boolean moved = delegate.markDelivered(claim, receipt, now);
    record("markDelivered");
    return moved;
  }

  @Override
  public boolean reschedule(long id, Instant nextAttemptAt, String lastError) {
    checkOpen("reschedule");
    boolean moved = delegate.reschedule(id, nextAttemptAt, lastError);
    record("reschedule");
    return moved;
  }

  @Override
  public boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError) {
    checkOpen("reschedule");
    boolean moved = delegate.reschedule(claim, nextAttemptAt, lastError);
    record("reschedule");
    return moved;
  }

  @Override
  public boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError, WaitReason reason) {
    checkOpen("reschedule");
    boolean moved = delegate.reschedule(claim, nextAttemptAt, lastError, reason);
    record("reschedule");
    return moved;
  }

  @Override
  public int flush(Instant now, Set<WaitReason> reasons) {
    checkOpen("flush");
    return delegate.flush(now, reasons);
  }

  @Override
  public boolean deadLetter(long id, String reason, Instant now) {
    checkOpen("deadLetter");
    boolean moved = delegate.deadLetter(id, reason, now);
    record("deadLetter");
    return moved;
  }

  @Override
  public boolean deadLetter(Claimed claim, String reason, Instant now) {
    checkOpen("deadLetter");
    boolean moved = delegate.deadLetter(claim, reason, now);
    record("deadLetter");
    return moved;
  }

  @Override
  public boolean requeue(long id, Instant now, Instant deliverBy) {
    checkOpen("requeue");
    return delegate.requeue(id, now, deliverBy);
  }

  @Override
  public int recoverInFlight(Instant now, Instant checkAt) {
    checkOpen("recoverInFlight");
    recoveries.incrementAndGet();
    return delegate.recoverInFlight(now, checkAt);
  }

  @Override
  public Set<Long> renewLeases(Collection<Claimed> claims, Instant now, Duration lease) {
    checkOpen("renewLeases");
    return delegate.renewLeases(claims, now, lease);
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  @Override
  public void onAppend(Runnable wakeUp) {
    delegate.onAppend(wakeUp);
  }

  @Override
  public SpoolStats stats(Instant now) {
    checkOpen("stats");
    return delegate.stats(now);
  }

  @Override
  public Optional<SpoolDamage> damage() {
    checkOpen("damage");
    return delegate.damage();
  }

  @Override
  public List<SpoolEntry> list(SpoolState state, int limit) {
    checkOpen("list");
    return delegate.list(state, limit);
  }

  @Override
  public Optional<SpoolEntry> inspect(long id) {
    checkOpen("inspect");
    return delegate.inspect(id);
  }

  @Override
  public int purgeDelivered(Instant deliveredBefore) {
    checkOpen("purgeDelivered");
    return delegate.purgeDelivered(deliveredBefore);
  }

  @Override
  public void close() {
    closed = true;
    record("close");
  }
}
