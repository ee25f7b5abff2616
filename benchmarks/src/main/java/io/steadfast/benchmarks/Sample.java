package io.steadfast.benchmarks;

import java.util.Arrays;

/**
 * What one timed run of one variant measured: completed operations, their latencies, and the bytes the
 * sending threads allocated for them.
 */
record Sample(String variant, int threads, double seconds, long operations, long p50Nanos, long p99Nanos,
    long allocatedBytes, long sendingThreadCpuNanos) {

  double throughput() {
    return operations / seconds;
  }

  /**
   * Returns the bytes the sending threads allocated per operation (the client's own threads, such as
   * OkHttp's connection pool, not counted). Unlike times, this hardly moves with the machine's load.
   */
  double bytesPerOperation() {
    return operations == 0 ? Double.NaN : allocatedBytes / (double) operations;
  }

  /**
   * Returns the CPU time the sending threads used per operation, in nanoseconds: the client's own work
   * and its system calls, not the server's or the client's other threads'.
   */
  double sendingThreadCpuNanosPerOperation() {
    return operations == 0 ? Double.NaN : sendingThreadCpuNanos / (double) operations;
  }

  static Sample of(String variant, int threads, double seconds, long[] latencies, int count, long allocatedBytes,
      long sendingThreadCpuNanos) {
    long[] sorted = Arrays.copyOf(latencies, count);
    Arrays.sort(sorted);
    return new Sample(variant, threads, seconds, count, percentile(sorted, 0.50), percentile(sorted, 0.99),
        allocatedBytes, sendingThreadCpuNanos);
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
