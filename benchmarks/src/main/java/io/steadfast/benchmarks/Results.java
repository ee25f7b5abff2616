package io.steadfast.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Samples by variant and thread count, in round order, with medians and per-round ratios. */
final class Results {

  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();

  void add(Sample sample) {
    samples.computeIfAbsent(key(sample.variant(), sample.threads()), k -> new ArrayList<>()).add(sample);
  }

  List<Sample> of(String variant, int threads) {
    return samples.getOrDefault(key(variant, threads), List.of());
  }

  double median(String variant, int threads, ToDoubleFunction<Sample> metric) {
    return median(of(variant, threads).stream().mapToDouble(metric).toArray());
  }

  /** The ratio of {@code variant} to {@code baseline} in each round, same round against same round. */
  double[] roundRatios(String variant, String baseline, int threads, ToDoubleFunction<Sample> metric) {
    List<Sample> a = of(variant, threads);
    List<Sample> b = of(baseline, threads);
    int n = Math.min(a.size(), b.size());
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = metric.applyAsDouble(a.get(i)) / metric.applyAsDouble(b.get(i));
    }
    return ratios;
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String key(String variant, int threads) {
    return variant + "@" + threads;
  }
}
