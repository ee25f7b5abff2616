package io.steadfast.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Runs an operation in a closed loop from N threads for a fixed time and records every latency. The
 * threads start together at a barrier; an operation still running at the deadline is counted. Each
 * thread also counts the bytes it allocated and the CPU time it used in its loop.
 */
final class LoadRunner {

  /** The JDK's thread bean with allocation counters (HotSpot and its relatives have it). */
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private LoadRunner() {}

  static Sample run(Variant variant, int threads, double seconds) throws Exception {
    Operation operation = variant.operation();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    long[][] latencies = new long[threads][];
    int[] counts = new int[threads];
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    long durationNanos = (long) (seconds * 1e9);
    long[] startedAt = new long[1];
    AtomicLong allocated = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker = new Thread(() -> {
        long[] own = new long[1 << 14];
        int count = 0;
        long allocatedBefore = 0;
        long cpuBefore = 0;
        long grown = 0;
        try {
          start.await();
          allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
          cpuBefore = THREADS.getCurrentThreadCpuTime();
          long end = startedAt[0] + durationNanos;
          long now = System.nanoTime();
          while (now < end && failure.get() == null) {
            operation.run();
            long after = System.nanoTime();
            if (count == own.length) {
              own = Arrays.copyOf(own, own.length * 2);
              grown += 8L * own.length;
            }
            own[count++] = after - now;
            now = after;
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
        // Not the operation's: the latency array that grew.
        allocated.addAndGet(THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore - grown);
        cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuBefore);
        latencies[index] = own;
        counts[index] = count;
      }, "bench-" + variant.name() + "-" + t);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
    startedAt[0] = System.nanoTime();
    start.await();
    for (Thread worker : workers) {
      worker.join();
    }
    double elapsed = (System.nanoTime() - startedAt[0]) / 1e9;
    Throwable error = failure.get();
    if (error != null) {
      throw new IllegalStateException(variant.name() + " failed at " + threads + " threads: " + error, error);
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int offset = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(latencies[t], 0, all, offset, counts[t]);
      offset += counts[t];
    }
    return Sample.of(variant.name(), threads, elapsed, all, total, allocated.get(), cpu.get());
  }
}
