package io.steadfast.benchmarks;

import io.steadfast.testing.smtp.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs every benchmark in one JVM against the same local servers and writes {@code benchmarks.md} and
 * {@code benchmarks.png}.
 *
 * <p>Arguments: the output directory and a file describing the machine. System properties:
 * {@code bench.rounds} (default 7), {@code bench.seconds} per timed run (default 2),
 * {@code bench.warmup} seconds per variant and thread count (default 3), {@code bench.smtpThreads}
 * (default 4). {@code -Dbench.parts=reconcile} runs {@link ReconcileBenchmark} instead (its own
 * {@code bench.reconcile*} properties) and writes {@code benchmarks-reconcile.md}.
 */
public final class BenchmarkMain {

  static final String RAW = "okhttp-raw";
  static final String TUNED = "steadfast-tuned";
  static final String DEFAULTS = "steadfast-defaults";
  static final String PEER = "sparkpost-lib";
  static final String POOLED = "smtp-pooled";
  static final String PER_CONNECTION = "smtp-1-per-connection";
  static final int[] REST_THREADS = {1, 16};

  private BenchmarkMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: BenchmarkMain OUTPUT_DIR MACHINE_FILE");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    String machine = Files.readString(Path.of(args[1]));
    Settings settings = new Settings(Integer.getInteger("bench.rounds", 7),
        Double.parseDouble(System.getProperty("bench.seconds", "2")),
        Double.parseDouble(System.getProperty("bench.warmup", "3")),
        Integer.getInteger("bench.smtpThreads", 4));
    long started = System.nanoTime();
    Results results = new Results();
    // For investigations only (e.g. -Dbench.parts=smtp); the report is written from a full run.
    List<String> parts = List.of(System.getProperty("bench.parts", "jmh,rest,smtp").split(","));
    // Not in the default parts: -Dbench.parts=reconcile writes docs/benchmarks-reconcile.md on its own.
    if (parts.contains("reconcile")) {
      ReconcileBenchmark.run(out, machine);
      if (parts.size() == 1) {
        return;
      }
    }
    Map<String, double[]> overhead = parts.contains("jmh") ? Jmh.clientOverhead() : Map.of();

    if (parts.contains("rest")) {
      rest(settings, results);
    }
    if (parts.contains("smtp")) {
      smtp(settings, results);
    }

    double minutes = (System.nanoTime() - started) / 60e9;
    Files.createDirectories(out);
    Files.writeString(out.resolve("benchmarks.md"), Report.markdown(results, overhead, settings, machine, minutes));
    Chart.write(results, settings, out.resolve("benchmarks.png"));
    log("wrote %s and %s in %.1f minutes", out.resolve("benchmarks.md"), out.resolve("benchmarks.png"), minutes);
  }

  private static void rest(Settings settings, Results results) throws Exception {
    try (StubServer stub = StubServer.start(8)) {
      String base = stub.baseUrl();
      List<Variant> variants = new ArrayList<>();
      try {
        Variant tuned = RestVariants.steadfast(TUNED, base, true);
        variants.add(tuned);
        tuned.operation().run(); // the stub keeps this body for the raw OkHttp baseline
        byte[] body = stub.firstBody();
        if (body == null) {
          throw new IllegalStateException("the stub saw no request");
        }
        variants.add(0, RestVariants.rawOkHttp(RAW, base, body));
        variants.add(RestVariants.steadfast(DEFAULTS, base, false));
        variants.add(RestVariants.sparkPostLib(PEER, base));
        for (int threads : REST_THREADS) {
          measure(variants, threads, settings, results);
        }
      } finally {
        for (Variant variant : variants) {
          variant.close();
        }
      }
      log("REST done, %d requests served by the stub", stub.requests());
    }
  }

  private static void smtp(Settings settings, Results results) throws Exception {
    try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
      List<Variant> variants = new ArrayList<>();
      try {
        variants.add(SmtpVariants.transport(POOLED, smtp.host(), smtp.port(), 100));
        variants.add(SmtpVariants.transport(PER_CONNECTION, smtp.host(), smtp.port(), 1));
        measure(variants, settings.smtpThreads(), settings, results);
      } finally {
        for (Variant variant : variants) {
          variant.close();
        }
      }
      log("SMTP done, %d connections, %d messages", smtp.connectionCount(), smtp.messages().size());
    }
  }

  /** Warms every variant up, then runs interleaved rounds, rotating which variant goes first. */
  private static void measure(List<Variant> variants, int threads, Settings settings, Results results)
      throws Exception {
    for (Variant variant : variants) {
      Sample warm = LoadRunner.run(variant, threads, settings.warmupSeconds());
      log("warm-up %-22s %2d threads: %,9.0f ops/s", variant.name(), threads, warm.throughput());
    }
    for (int round = 0; round < settings.rounds(); round++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant variant = variants.get((i + round) % variants.size());
        Sample sample = LoadRunner.run(variant, threads, settings.seconds());
        results.add(sample);
        log("round %d %-22s %2d threads: %,9.0f ops/s p50 %,7.1f us p99 %,8.1f us", round + 1, variant.name(),
            threads, sample.throughput(), sample.p50Nanos() / 1e3, sample.p99Nanos() / 1e3);
      }
    }
  }

  static void log(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  /** How long and how often each variant runs. */
  record Settings(int rounds, double seconds, double warmupSeconds, int smtpThreads) {}
}
