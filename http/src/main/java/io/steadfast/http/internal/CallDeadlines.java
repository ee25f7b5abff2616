package io.steadfast.http.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import okhttp3.Call;
import org.jspecify.annotations.Nullable;

/**
 * The call timeout of one transport's calls: a call still running when its timeout has passed is
 * cancelled, by one thread that looks over the calls in flight a few times per timeout. Thread-safe.
 *
 * <p>Why not OkHttp's {@code callTimeout}: it is an Okio {@code AsyncTimeout}, which puts every call
 * into a queue shared by the whole JVM and wakes Okio's watchdog thread whenever the call lands at the
 * queue's head, which on a lone sender is every call: a thread switch per send, several percent of a
 * loopback send on two cores. Here a call costs one insertion into a set and one removal, and the
 * sweeping thread wakes on its own schedule. The price is precision: a call ends between its timeout
 * and one sweep ({@link #sweepNanos}) later, at most a second; the call timeout is a safety net of
 * minutes (SparkPost's advice is 300 s), not a deadline anyone waits on to the millisecond.
 *
 * <p>The thread starts with the first call and ends once no call has been in flight for {@link
 * #IDLE_NANOS}, or at {@link #close()} once the calls in flight have ended, so an idle transport holds
 * no thread.
 */
final class CallDeadlines implements AutoCloseable {

  /** How long the sweeping thread stays without calls to watch before it ends. */
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** The longest time between sweeps: a call ends at most this long after its timeout. */
  private static final long MAX_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Sweeps per timeout, so that a short timeout (a test's 300 ms) is kept to within a few percent. */
  private static final int SWEEPS_PER_TIMEOUT = 20;

  private final long timeoutNanos;
  private final long sweepNanos;
  private final String threadName;
  /** {@code System.nanoTime}, or a test's clock. */
  private final LongSupplier nanoClock;
  private final Set<Watch> inFlight = ConcurrentHashMap.newKeySet();
  /** The sweeping thread while there is one; set by whoever starts it, cleared by the thread as it ends. */
  private final AtomicReference<@Nullable Thread> sweeper = new AtomicReference<>();
  private volatile boolean closed;

  /**
   * Creates the deadlines for calls that may run at most {@code timeout}.
   *
   * @param threadName the sweeping thread's name
   */
  CallDeadlines(Duration timeout, String threadName) {
    this(timeout, threadName, System::nanoTime);
  }

  /** Creates the deadlines with {@code nanoClock} in place of {@code System.nanoTime} (tests drive it). */
  CallDeadlines(Duration timeout, String threadName, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.timeoutNanos = timeout.toNanos();
    this.sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
        Math.min(MAX_SWEEP_NANOS, timeoutNanos / SWEEPS_PER_TIMEOUT));
    this.threadName = threadName;
  }

  /**
   * Starts the timeout of {@code call}, which is about to run; the returned watch must be closed when
   * the call has ended (its response closed, or its failure seen).
   */
  Watch watch(Call call) {
    long now = nanoClock.getAsLong();
    Watch watch = new Watch(call, now + timeoutNanos);
    inFlight.add(watch);
    // After the add: a sweeper that is ending checks for watches after it has let go of the field.
    if (sweeper.get() == null) {
      startSweeper(now);
    }
    return watch;
  }

  private void startSweeper(long now) {
    // The time of the watch that starts it, not of the thread's start: that may come much later.
    Thread thread = new Thread(() -> sweep(now), threadName);
    // Daemon, as a library's threads should be: it must not keep an application alive.
    thread.setDaemon(true);
    if (sweeper.compareAndSet(null, thread)) {
      thread.start();
    }
  }

  private void sweep(long startedAt) {
    Thread self = Thread.currentThread();
    long idleSince = startedAt;
    while (true) {
      LockSupport.parkNanos(this, sweepNanos);
      long now = nanoClock.getAsLong();
      if (cancelOverdue(now)) {
        idleSince = now;
        continue;
      }
      if (closed || now - idleSince >= IDLE_NANOS) {
        sweeper.set(null);
        // A call watched since the check above found no sweeper, or finds this one gone: either it
        // starts a new one, or this one carries on.
        if (inFlight.isEmpty() || !sweeper.compareAndSet(null, self)) {
          return;
        }
      }
    }
  }

  /**
   * Cancels every call whose timeout has passed at {@code now} (a {@code nanoClock} reading); returns
   * whether calls are still in flight. The sweeping thread's pass, which tests also call.
   */
  boolean cancelOverdue(long now) {
    for (Watch watch : inFlight) {
      if (now - watch.deadline >= 0) {
        watch.timeOut();
      }
    }
    return !inFlight.isEmpty();
  }

  /** Lets the sweeping thread end as soon as no call is in flight; calls still running keep their timeout. */
  @Override
  public void close() {
    closed = true;
    Thread thread = sweeper.get();
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }

  /** Returns the sweeping thread, or null while there is none (for tests). */
  @Nullable Thread sweeper() {
    return sweeper.get();
  }

  /** One call's timeout. */
  final class Watch implements AutoCloseable {
    private final Call call;
    private final long deadline;
    private volatile boolean timedOut;

    private Watch(Call call, long deadline) {
      this.call = call;
      this.deadline = deadline;
    }

    private void timeOut() {
      // Before the cancel: the call's thread reads the flag once the cancel has made its call fail.
      timedOut = true;
      inFlight.remove(this);
      call.cancel();
    }

    /** Returns whether the call was cancelled because its timeout passed. */
    boolean timedOut() {
      return timedOut;
    }

    /** Ends the watch: the call has ended. */
    @Override
    public void close() {
      inFlight.remove(this);
    }
  }
}
