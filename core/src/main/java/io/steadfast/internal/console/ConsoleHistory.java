package io.steadfast.internal.console;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last hour of the spool's queue depth and delivery count in memory, one sample per
 * interval, for the dashboard's chart. Nothing is persisted: after a restart the chart starts empty,
 * which is what an operator expects of a page that shows "the last hour of this process".
 *
 * <p>Deliveries are counted as the client reports them (a {@link DeliveryListener}), so the rate is
 * this process's; the depth is the spool's, shared by every process on it. {@link #start()} starts
 * sampling on a daemon thread of its own, {@link #stop()} ends it. Thread-safe.
 *
 * <p>Not final: the starter adds Spring's lifecycle to it, whose {@code start}, {@code stop} and
 * {@code isRunning} these methods already are.
 */
public class ConsoleHistory extends DeliveryListener {
  private static final Logger log = LoggerFactory.getLogger(ConsoleHistory.class);

  /** The span the chart covers. */
  public static final Duration SPAN = Duration.ofHours(1);

  /**
   * One point of the chart.
   *
   * @param at when the sample was taken
   * @param queued messages waiting for delivery then (pending, in flight or reconciling)
   * @param reconciling of those, how many waited for SparkPost's events
   * @param dead dead letters then
   * @param delivered messages this process delivered since the previous sample
   */
  public record Sample(Instant at, long queued, long reconciling, long dead, long delivered) {}

  private final ConsoleSource state;
  private final Duration interval;
  private final int capacity;
  private final AtomicLong delivered = new AtomicLong();
  /** Guarded by {@code this}. */
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  /** Guarded by {@code this}. */
  private long deliveredAtLastSample;
  /** Guarded by {@code this}. */
  private @Nullable ScheduledExecutorService sampler;

  /** Creates an empty history of {@code state}'s spool, to be sampled every {@code interval}. */
  public ConsoleHistory(ConsoleSource state, Duration interval) {
    this.state = state;
    this.interval = interval;
    this.capacity = (int) Math.max(1, Math.min(3600, SPAN.toMillis() / interval.toMillis()));
  }

  /** Returns how many samples are kept: an hour's worth. */
  public int capacity() {
    return capacity;
  }

  /** Returns how many messages this process delivered from the spool since it started. */
  public long deliveredTotal() {
    return delivered.get();
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delivered.incrementAndGet();
  }

  /**
   * Takes one sample now, unless no client with a spool is running; the sampler thread calls it every
   * interval.
   */
  public void sample() {
    Optional<SpoolStats> stats;
    try {
      stats = state.spoolStats();
    } catch (RuntimeException e) {
      // The health indicator reports a spool that cannot be read; the chart just has a gap.
      log.debug("Could not sample the spool for the dashboard", e);
      return;
    }
    if (stats.isEmpty()) {
      return;
    }
    SpoolStats s = stats.get();
    long total = delivered.get();
    synchronized (this) {
      samples.addLast(new Sample(state.now(), s.undeliveredCount(), s.reconcilingCount(), s.deadCount(),
          total - deliveredAtLastSample));
      deliveredAtLastSample = total;
      while (samples.size() > capacity) {
        samples.removeFirst();
      }
    }
  }

  /** Returns the samples of the last hour, oldest first. */
  public synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  /** Returns the interval between samples. */
  public Duration interval() {
    return interval;
  }

  /** Starts sampling every interval, the first sample now; does nothing if sampling already. */
  public synchronized void start() {
    if (sampler != null) {
      return;
    }
    ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "steadfast-dashboard-sampler");
      thread.setDaemon(true);
      return thread;
    });
    started.scheduleAtFixedRate(this::sample, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    sampler = started;
  }

  /** Stops sampling; the samples taken stay. */
  public synchronized void stop() {
    ScheduledExecutorService running = sampler;
    sampler = null;
    if (running != null) {
      running.shutdownNow();
    }
  }

  /** Returns whether it is sampling. */
  public synchronized boolean isRunning() {
    return sampler != null;
  }
}
