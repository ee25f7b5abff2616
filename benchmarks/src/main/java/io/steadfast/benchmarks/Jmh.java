package io.steadfast.benchmarks;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH benchmarks of this module in a forked JVM and returns their scores. */
final class Jmh {

  private Jmh() {}

  /** Returns µs per {@code send} and its 99.9% error, by configuration ({@code tuned}, {@code defaults}). */
  static Map<String, double[]> clientOverhead() throws RunnerException {
    Options options = new OptionsBuilder()
        .include(ClientOverheadBenchmark.class.getName())
        .forks(1)
        .threads(1)
        .warmupIterations(5)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(5)
        .measurementTime(TimeValue.seconds(1))
        .timeUnit(TimeUnit.MICROSECONDS)
        .jvmArgs("-Xms512m", "-Xmx512m")
        .build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, double[]> scores = new TreeMap<>();
    for (RunResult result : results) {
      scores.put(result.getParams().getParam("config"),
          new double[] {result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreError()});
    }
    return scores;
  }
}
