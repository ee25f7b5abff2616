package io.steadfast.benchmarks;

import java.util.Arrays;

/** What one timed run of one variant measured: completed operations and their latencies. */
record Sample(String variant, int threads, double seconds, long operations, long p50Nanos, long p99Nanos) {

  double throughput() {
    return operations / seconds;
  }

  static Sample of(String variant, int threads, double seconds, long[] latencies, int count) {
    long[] sorted = Arrays.copyOf(latencies, count);
    Arrays.sort(sorted);
    return new Sample(variant, threads, seconds, count, percentile(sorted, 0.50), percentile(sorted, 0.99));
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
