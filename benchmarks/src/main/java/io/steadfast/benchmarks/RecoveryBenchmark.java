package io.steadfast.benchmarks;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.internal.dispatch.RetrySchedule;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.Transport;
import io.steadfast.spi.WaitReason;
import io.steadfast.spool.SqliteSpool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * How fast a spooled backlog goes out once SparkPost heals after a long outage, and how soon the
 * recovery is noticed. Writes {@code docs/benchmarks-recovery.md}.
 *
 * <p>Per seed: a backlog of N messages built up during a 2-hour outage is written into a real
 * {@link SqliteSpool} as the dispatcher would have left it (simulated time, see {@link History}); a
 * real {@link EmailClient} (REST route, default circuit breaker, retry policy and spool schedule) opens
 * the spool against {@link RecoveryStub}, which still answers 503, so its circuit opens and its probes
 * back off to their ceiling in real time; then the stub heals behind a rate limit of R messages a
 * second, and the clock (real time from here on) runs until the last message is recorded as
 * delivered. Measured: recovery detection (heal to the first accepted request, the probe) and
 * recovery to drained, against the ideal N / R of the same run.
 *
 * <p>System properties: {@code bench.recoveryMessages} (N, default 10,000), {@code bench.recoveryRate}
 * (R, default 500), {@code bench.recoverySeeds} (default 5), {@code bench.recoveryOutageMinutes}
 * (simulated, default 120), {@code bench.recoveryTailSeconds} (the outage's last stretch in real time,
 * before the heal, default 20), {@code bench.recoveryWorkers} (dispatcher workers, default
 * {@value SpoolConfig#DEFAULT_WORKERS}), {@code bench.recoveryCapacityMessages} (the unlimited drain
 * that shows whether R is below what this machine can do, default 5,000; 0 skips it).
 */
public final class RecoveryBenchmark {
  private static final String API_KEY = "bench-key";
  /** The spool's Postfix-style schedule, as a client with the default SpoolConfig uses it. */
  private static final Duration MIN_RETRY_DELAY = SpoolConfig.DEFAULT_MIN_RETRY_DELAY;
  private static final Duration MAX_RETRY_DELAY = SpoolConfig.DEFAULT_MAX_RETRY_DELAY;
  /** The ceiling of the default probe interval: after hours of outage every probe waits 2.5 to 5 s. */
  private static final Duration PROBE_CEILING = CircuitBreakerPolicy.DEFAULT.waitInOpenState();
  private static final double TARGET_RATIO = 1.1;
  private static final Duration TARGET_SLACK = Duration.ofSeconds(5);
  private static final Duration DETECTION_TARGET = Duration.ofSeconds(5);
  /** The seconds after the first 429 over which the accepted rate shows the pace the route chose. */
  private static final int RATE_WINDOW_SECONDS = 10;

  private final Path temp;
  private final int messages;
  private final int rate;
  private final int workers;
  private final Duration outage;
  private final Duration tail;
  private final String body = SpoolBenchmark.body(1024);

  private RecoveryBenchmark(Path temp) {
    this.temp = temp;
    this.messages = Integer.getInteger("bench.recoveryMessages", 10_000);
    this.rate = Integer.getInteger("bench.recoveryRate", 500);
    this.workers = Integer.getInteger("bench.recoveryWorkers", SpoolConfig.DEFAULT_WORKERS);
    this.outage = Duration.ofMinutes(Long.getLong("bench.recoveryOutageMinutes", 120));
    this.tail = Duration.ofSeconds(Long.getLong("bench.recoveryTailSeconds", 20));
  }

  /** Runs the benchmark: {@code args[0]} is the output directory, {@code args[1]} the machine description. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: RecoveryBenchmark OUTPUT_DIR MACHINE_FILE");
      System.exit(2);
    }
    Path docs = Path.of(args[0]);
    String machine = Files.readString(Path.of(args[1]));
    int seeds = Integer.getInteger("bench.recoverySeeds", 5);
    int capacityMessages = Integer.getInteger("bench.recoveryCapacityMessages", 5_000);
    long started = System.nanoTime();
    try (ScratchDirectory temp = ScratchDirectory.create("recovery-bench")) {
      RecoveryBenchmark bench = new RecoveryBenchmark(temp.path());
      @Nullable Capacity capacity = capacityMessages > 0 ? bench.capacity(capacityMessages) : null;
      List<Run> runs = new ArrayList<>();
      for (int seed = 1; seed <= seeds; seed++) {
        runs.add(bench.run(seed));
      }
      double minutes = (System.nanoTime() - started) / 60e9;
      Files.createDirectories(docs);
      Files.writeString(docs.resolve("benchmarks-recovery.md"), bench.markdown(runs, capacity, machine, minutes));
    }
    log("wrote %s", docs.resolve("benchmarks-recovery.md"));
    System.exit(0);
  }

  // ---------------------------------------------------------------------------------------------
  // The outage, in simulated time

  /**
   * The spool at the end of an outage, from the dispatcher's own rules, simulated event by event: the
   * messages are submitted evenly over the outage; the first {@code minimumNumberOfCalls} are tried
   * as they arrive and fail, which opens the circuit; from then on a message is tried only as the
   * circuit's probe, one per probe interval ({@link CircuitBreakerPolicy#waitBeforeProbe}: 500 ms,
   * doubling with jitter up to 5 s), the earliest due first, as the dispatcher claims; each failed try
   * is rescheduled by the spool's {@link RetrySchedule} (full jitter between 5 s and a ceiling that
   * grows with the attempts and with the message's age, up to an hour). Every other message stays
   * due, untried, while the circuit is open.
   *
   * @param createdBefore how long before the heal each message was submitted
   * @param nextIn when each message is next due, relative to the heal (negative: already due)
   * @param attempts how many times each was tried
   */
  record History(long[] createdBefore, long[] nextIn, int[] attempts, int probes) {
    static History simulate(int n, Duration outage, long seed) {
      Random random = new Random(seed);
      RetrySchedule schedule = new RetrySchedule(MIN_RETRY_DELAY, MAX_RETRY_DELAY, random::nextDouble);
      CircuitBreakerPolicy circuit = CircuitBreakerPolicy.DEFAULT;
      long end = outage.toMillis();
      long[] created = new long[n];
      long[] next = new long[n];
      int[] attempts = new int[n];
      for (int i = 0; i < n; i++) {
        created[i] = end * i / n;
        next[i] = created[i];
      }
      PriorityQueue<Integer> due = new PriorityQueue<>((a, b) -> next[a] != next[b]
          ? Long.compare(next[a], next[b]) : Integer.compare(a, b));
      int arrived = 0;
      // Closed circuit: each message is tried as it arrives, until enough failures open it.
      while (arrived < n && arrived < circuit.minimumNumberOfCalls()) {
        int i = arrived++;
        long at = created[i];
        attempts[i] = 1;
        next[i] = at + schedule.delay(Instant.ofEpochMilli(created[i]), Instant.ofEpochMilli(at), 1, null).toMillis();
        due.add(i);
      }
      long at = arrived == 0 ? 0 : created[arrived - 1];
      int probes = 0;
      at += circuit.waitBeforeProbe(1, random.nextDouble()).toMillis();
      while (at < end) {
        while (arrived < n && created[arrived] <= at) {
          due.add(arrived++);
        }
        Integer head = due.peek();
        if (head == null || next[head] > at) {
          // Nothing to probe with: the probe goes out with the next message that falls due.
          long soonest = Math.min(head == null ? Long.MAX_VALUE : next[head],
              arrived < n ? created[arrived] : Long.MAX_VALUE);
          if (soonest >= end) {
            break;
          }
          at = soonest;
          continue;
        }
        int i = due.poll();
        attempts[i]++;
        next[i] = at + schedule.delay(Instant.ofEpochMilli(created[i]), Instant.ofEpochMilli(at), attempts[i], null)
            .toMillis();
        due.add(i);
        probes++;
        at += circuit.waitBeforeProbe(probes + 1, random.nextDouble()).toMillis();
      }
      long[] createdBefore = new long[n];
      long[] nextIn = new long[n];
      for (int i = 0; i < n; i++) {
        createdBefore[i] = end - created[i];
        nextIn[i] = next[i] - end;
      }
      return new History(createdBefore, nextIn, attempts, probes);
    }

    /** How many distinct messages were tried at least once. */
    int tried() {
      return (int) Arrays.stream(attempts).filter(a -> a > 0).count();
    }

    /** How many messages wait past the heal for a backoff: what a recovery flush makes due. */
    int waiting() {
      return (int) Arrays.stream(nextIn).filter(in -> in > 0).count();
    }

    /** How long after the heal the last waiting message would fall due without a flush. */
    Duration lastDueIn() {
      return Duration.ofMillis(Math.max(0, Arrays.stream(nextIn).max().orElse(0)));
    }
  }

  /**
   * Writes {@code history} into a fresh spool at {@code dir}, with the heal at {@code heal}: each message
   * back-dated to its submission, and each one tried rescheduled to its next attempt with its wait
   * recorded as a provider failure, as the dispatcher records it. (Writing a schedule takes one claim
   * per entry, so an untried message shows one attempt in the spool; only its due time matters here.)
   */
  private void write(Path dir, History history, int seed, Instant heal) {
    int n = history.createdBefore().length;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      Map<String, Integer> index = new HashMap<>();
      List<Spool.NewEntry> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String key = key(seed, i);
        index.put(key, i);
        Message message = SpoolBenchmark.message("recovery " + i, body);
        Instant createdAt = heal.minusMillis(history.createdBefore()[i]);
        batch.add(new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, createdAt,
            createdAt.plus(SpoolConfig.DEFAULT_DELIVER_WITHIN), message.estimatedSizeBytes()));
        if (batch.size() == 1000 || i == n - 1) {
          spool.append(batch, Spool.Limits.NONE);
          batch.clear();
        }
      }
      int written = 0;
      while (written < n) {
        List<Spool.Claimed> claimed = spool.claim(1000, heal, Duration.ofMinutes(5));
        if (claimed.isEmpty()) {
          throw new IllegalStateException("wrote " + written + " of " + n + " schedules; nothing left to claim");
        }
        for (Spool.Claimed claim : claimed) {
          int i = index.get(claim.entry().idempotencyKey().value());
          boolean tried = history.attempts()[i] > 0;
          Instant next = tried ? heal.plusMillis(history.nextIn()[i]) : claim.entry().createdAt();
          spool.reschedule(claim, next, tried ? "SparkPost is unavailable: HTTP 503 (simulated outage)"
              : "not tried: the circuit was open (simulated outage)", WaitReason.PROVIDER);
          written++;
        }
      }
    }
  }

  private static String key(int seed, int i) {
    return "recovery-" + seed + "-" + i;
  }

  // ---------------------------------------------------------------------------------------------
  // Measuring, in real time

  /** What one seed measured; times in seconds from the heal. */
  record Run(int seed, int messages, int rate, int simulatedProbes, int simulatedTried, double lastDueWithoutFlush,
      int waitingInSpoolAtHeal, double meanProbeIntervalBeforeHeal, double detection, double lastAccepted,
      double drained, double firstRefused, double rateAfterFirstRefusal, long requestsDuringTail, long refused,
      long accepted, long duplicates, int lost, long dead, boolean finished) {
    double ideal() {
      return messages / (double) rate;
    }

    double ratio() {
      return drained / ideal();
    }

    double target() {
      return TARGET_RATIO * ideal() + TARGET_SLACK.toMillis() / 1000.0;
    }

    boolean met() {
      return finished && drained <= target();
    }

    /** The rate the stub accepted at, from the first acceptance to the last. */
    double acceptedRate() {
      double span = lastAccepted - detection;
      return span <= 0 ? Double.NaN : (accepted - 1) / span;
    }
  }

  /** The unlimited drain: what this machine's client delivers a second. */
  record Capacity(int messages, double seconds) {
    double perSecond() {
      return messages / seconds;
    }
  }

  /** Counts deliveries and remembers when the circuit went half-open (each probe). */
  private static final class Recorder extends DeliveryListener {
    final CountDownLatch allDelivered;
    final AtomicLong lastDeliveredAt = new AtomicLong();
    final AtomicLong dead = new AtomicLong();
    final List<Long> probesAt = Collections.synchronizedList(new ArrayList<>());

    Recorder(int n) {
      allDelivered = new CountDownLatch(n);
    }

    @Override
    public void delivered(DeliveryResult.Delivered result) {
      lastDeliveredAt.accumulateAndGet(System.nanoTime(), Math::max);
      allDelivered.countDown();
    }

    @Override
    public void deadLettered(DeliveryResult.DeadLettered result) {
      dead.incrementAndGet();
    }

    @Override
    public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
      if (to == CircuitState.HALF_OPEN) {
        probesAt.add(System.nanoTime());
      }
    }

    /** The mean of the last three intervals between probes before {@code before}, in seconds. */
    double meanProbeIntervalBefore(long before) {
      List<Long> times;
      synchronized (probesAt) {
        times = probesAt.stream().filter(t -> t < before).toList();
      }
      int k = Math.min(3, times.size() - 1);
      if (k < 1) {
        return Double.NaN;
      }
      return (times.get(times.size() - 1) - times.get(times.size() - 1 - k)) / 1e9 / k;
    }
  }

  private Run run(int seed) throws Exception {
    History history = History.simulate(messages, outage, seed);
    Path dir = Files.createTempDirectory(temp, "seed-" + seed + "-");
    Instant simulatedEnd = Instant.now();
    write(dir, history, seed, simulatedEnd);
    log("seed %d: %d messages over a %d-minute outage, %d probes; at its end %d wait for a backoff (the last %.0f "
        + "min after the heal), the rest are due", seed, messages, outage.toMinutes(), history.probes(),
        history.waiting(), history.lastDueIn().toSeconds() / 60.0);
    Random random = new Random(seed);
    Recorder recorder = new Recorder(messages);
    try (RecoveryStub stub = RecoveryStub.start(4);
        Client opened = client(stub, dir, recorder)) {
      EmailClient client = opened.client();
      // The outage's last stretch in real time: the circuit opens and its probes back off to the ceiling.
      // The heal falls at a random point of a probe interval, as it would in a real outage.
      long tailMillis = tail.toMillis() + (long) (random.nextDouble() * PROBE_CEILING.toMillis());
      TimeUnit.MILLISECONDS.sleep(tailMillis); // the scenario's timing, not synchronisation
      long requestsDuringTail = stub.requests();
      Instant now = Instant.now();
      int waitingInSpool = (int) client.spoolOperations().list(SpoolState.PENDING, messages + 1).stream()
          .map(SpoolEntry::nextAttemptAt).filter(next -> next.isAfter(now)).count();
      long healedAt = stub.heal(rate);
      double probeInterval = recorder.meanProbeIntervalBefore(healedAt);
      log("seed %d: healed after %.1f s of real-time outage (%d requests, probe interval %.2f s); %d entries "
          + "waiting for a backoff", seed, tailMillis / 1000.0, requestsDuringTail, probeInterval, waitingInSpool);
      double ideal = messages / (double) rate;
      long timeoutSeconds = (long) (10 * ideal) + 120;
      boolean finished = recorder.allDelivered.await(timeoutSeconds, TimeUnit.SECONDS);
      long first = stub.firstAcceptedAt();
      double detection = first == 0 ? Double.NaN : (first - healedAt) / 1e9;
      double lastAccepted = (stub.lastAcceptedAt() - healedAt) / 1e9;
      double drained = finished ? (recorder.lastDeliveredAt.get() - healedAt) / 1e9 : Double.NaN;
      long refusedAt = stub.firstRefusedAt();
      double firstRefused = refusedAt == 0 ? Double.NaN : (refusedAt - healedAt) / 1e9;
      // The whole seconds after the first refusal: the pace the route set itself once SparkPost pushed back.
      double rateAfterFirstRefusal = refusedAt == 0 ? Double.NaN
          : stub.acceptedRate((int) Math.ceil(firstRefused), RATE_WINDOW_SECONDS);
      int lost = 0;
      for (int i = 0; i < messages; i++) {
        if (stub.acceptedCount(key(seed, i)) == 0) {
          lost++;
        }
      }
      Run run = new Run(seed, messages, rate, history.probes(), history.tried(),
          history.lastDueIn().toMillis() / 1000.0, waitingInSpool, probeInterval, detection, lastAccepted, drained,
          firstRefused, rateAfterFirstRefusal, requestsDuringTail, stub.refused(), stub.accepted(), stub.duplicates(), lost, recorder.dead.get(), finished);
      log("seed %d: first accepted %.2f s after the heal, drained %.2f s (ideal %.2f s, %.3fx, target %.2f s: %s); "
          + "first 429 at %.2f s, then %.0f accepted/s for %d s; %d refused 429, %d duplicates, %d lost, %d dead",
          seed, detection, drained, ideal, run.ratio(), run.target(), run.met() ? "met" : "MISSED", firstRefused,
          rateAfterFirstRefusal, RATE_WINDOW_SECONDS, stub.refused(), stub.duplicates(), lost, recorder.dead.get());
      return run;
    }
  }

  /** Drains {@code n} due messages with no outage and no limit: the ceiling R has to stay under. */
  private Capacity capacity(int n) throws Exception {
    Path dir = Files.createTempDirectory(temp, "capacity-");
    History none = new History(new long[n], new long[n], new int[n], 0);
    Instant now = Instant.now();
    for (int i = 0; i < n; i++) {
      none.createdBefore()[i] = n - i; // a millisecond apart, oldest first
      none.nextIn()[i] = -(n - i);
    }
    write(dir, none, 0, now);
    Recorder recorder = new Recorder(n);
    try (RecoveryStub stub = RecoveryStub.start(4)) {
      stub.heal(0);
      try (Client client = client(stub, dir, recorder)) {
        if (!recorder.allDelivered.await(600, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the capacity drain did not finish in 10 minutes");
        }
        // From the first acceptance: the client's start-up is not delivery.
        double seconds = (recorder.lastDeliveredAt.get() - stub.firstAcceptedAt()) / 1e9;
        log("capacity: %d in %.2f s (%.0f/s), no limit; spool after: %s", n, seconds, n / seconds,
            client.client().spoolOperations().stats());
        return new Capacity(n, seconds);
      }
    }
  }

  /** A client and the REST transport it was given, which it does not close itself. */
  private record Client(EmailClient client, Transport rest) implements AutoCloseable {
    @Override
    public void close() {
      try {
        client.close();
      } finally {
        rest.close();
      }
    }
  }

  /**
   * Opens a client with the REST route only: left to discover its transports, it would also find
   * steadfast-smtp on this class path and add an SMTP route to the stub's host, whose circuit would
   * open and probe beside the REST one.
   */
  private Client client(RecoveryStub stub, Path dir, DeliveryListener listener) {
    SteadfastConfig connection = SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(stub.baseUrl()))
        .build();
    Transport rest = RestTransport.create(connection);
    SqliteSpool spool = SqliteSpool.open(dir);
    try {
      return new Client(EmailClient.create(connection.toBuilder()
          .transports(List.of(rest))
          .listener(listener)
          .spool(SpoolConfig.builder(spool)
              .workers(workers)
              .maxEntries(10_000_000)
              .maxBytes(64L << 30)
              .build())
          .build()), rest);
    } catch (RuntimeException e) {
      spool.close();
      rest.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The report

  private String markdown(List<Run> runs, @Nullable Capacity capacity, String machine, double minutes) {
    StringBuilder md = new StringBuilder();
    md.append("# Recovery benchmark: the backlog after a long outage\n\n");
    md.append("Generated by `benchmarks/run.sh recovery` (`io.steadfast.benchmarks.RecoveryBenchmark`) in ")
        .append(fmt("%.1f", minutes)).append(" minutes. Numbers from one run; the ratios are taken within each "
            + "seed's run, so a busy machine shifts both sides, but rerun on an idle machine before quoting "
            + "absolute figures.\n\n");
    md.append("```\n./mvnw -B -q -o -Dmaven.test.skip=true install -pl benchmarks\n")
        .append(fmt("BENCH_SKIP_BUILD=1 BENCH_RECOVERY_MESSAGES=%d BENCH_RECOVERY_RATE=%d BENCH_RECOVERY_SEEDS=%d "
            + "benchmarks/run.sh recovery%n", messages, rate, runs.size()))
        .append("```\n\n");

    md.append("## Method\n\n");
    md.append(fmt("- **Backlog, simulated time.** %,d messages submitted evenly over a %d-minute outage. What "
        + "the dispatcher does meanwhile is simulated event by event from its own rules: the first %d messages "
        + "are tried as they arrive and fail, which opens the circuit; after that a message is tried only as the "
        + "circuit's probe, one per probe interval (`CircuitBreakerPolicy.waitBeforeProbe`: 500 ms, doubling "
        + "with jitter up to 5 s), the earliest due first, as the dispatcher claims; each failed try is "
        + "rescheduled by the spool's own `RetrySchedule` (full jitter from 5 s to a ceiling that grows with "
        + "the attempts and the message's age, at most 1 h). The result is written into a real `SqliteSpool`: "
        + "every entry back-dated to its submission, every tried one rescheduled to its next attempt with its "
        + "wait recorded as a provider failure (`WaitReason.PROVIDER`). Simulated, because two hours of real "
        + "outage per seed would measure nothing more: the spool's state at the heal is what matters.%n",
        messages, outage.toMinutes(), CircuitBreakerPolicy.DEFAULT.minimumNumberOfCalls()));
    md.append(fmt("- **The outage's last stretch, real time.** A real `EmailClient` (the REST route only, over OkHttp, "
        + "default `CircuitBreakerPolicy`, `RetryPolicy` and spool schedule, %d dispatcher workers) opens the "
        + "spool against `RecoveryStub` (a loopback JDK `HttpServer`), which still answers every transmission "
        + "503. Its circuit opens and its probes back off to the ceiling, as they would be after two hours. "
        + "After %d s plus a random part of a probe interval (so the heal falls anywhere in one), the stub "
        + "heals.%n", workers, tail.toSeconds()));
    md.append(fmt("- **Drain, real time.** From the heal the stub accepts at most R = %d messages a second (a "
        + "token bucket with a burst of R/10) and answers the excess `429` with `Retry-After: 1`, as "
        + "SparkPost's rate limit does. Measured on `System.nanoTime()`: the heal to the first accepted request "
        + "(the probe that closes the circuit: **recovery detection**), and the heal to the listener's last "
        + "`delivered` (the spool has recorded every message: **recovery to drained**), against the ideal "
        + "N / R of the same run. Targets: drained ≤ %.1f× ideal + %d s; detection p95 ≤ %d s over the seeds "
        + "(with %d seeds the nearest-rank p95 is the slowest seed).%n", rate, TARGET_RATIO,
        TARGET_SLACK.toSeconds(), DETECTION_TARGET.toSeconds(), runs.size()));
    md.append("- **Checks**: every key accepted by the stub exactly once (no duplicate, none lost), none "
        + "dead-lettered.\n");
    if (capacity != null) {
      md.append(fmt("- **Capacity**: the same client drains %,d due messages from the same kind of spool with no "
          + "outage and no limit: %.0f messages/s on this machine. The rate-limited drain can reach its ideal "
          + "only while R is well below this.%n", capacity.messages(), capacity.perSecond()));
    }

    md.append("\n## Results\n\n");
    md.append("| seed | simulated outage: tries (distinct messages) | waiting for a backoff at the heal (last due without a flush) "
        + "| probe interval before the heal | **detection** | first 429 | accepted/s in the " + RATE_WINDOW_SECONDS
        + " s after it | last accepted | **drained** | ideal N/R | **ratio** | target | 429s | duplicates / lost / dead |\n");
    md.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
    for (Run r : runs) {
      md.append(fmt("| %d | %,d (%,d) | %,d (%.0f min) | %.2f s | **%.2f s** | %.2f s | %.0f | %.2f s | **%s** | %.1f s "
          + "| **%s** | %.1f s: %s | %,d | %d / %d / %d |%n", r.seed(), r.simulatedProbes(), r.simulatedTried(),
          r.waitingInSpoolAtHeal(), r.lastDueWithoutFlush() / 60, r.meanProbeIntervalBeforeHeal(), r.detection(),
          r.firstRefused(), r.rateAfterFirstRefusal(), r.lastAccepted(),
          r.finished() ? fmt("%.2f s", r.drained()) : "not drained", r.ideal(),
          r.finished() ? fmt("%.3f×", r.ratio()) : "-", r.target(), r.met() ? "met" : "**missed**", r.refused(),
          r.duplicates(), r.lost(), r.dead()));
    }
    double[] detections = runs.stream().mapToDouble(Run::detection).sorted().toArray();
    double p50 = nearestRank(detections, 0.5);
    double p95 = nearestRank(detections, 0.95);
    double[] ratios = runs.stream().filter(Run::finished).mapToDouble(Run::ratio).sorted().toArray();
    boolean allMet = runs.stream().allMatch(Run::met);
    md.append(fmt("%n| summary over %d seeds | result | target |%n|---|---:|---|%n", runs.size()));
    md.append(fmt("| recovery detection p50 / p95 (nearest rank) | %.2f s / **%.2f s** | p95 ≤ %d s: %s |%n", p50, p95,
        DETECTION_TARGET.toSeconds(), p95 <= DETECTION_TARGET.toSeconds() ? "met" : "**missed**"));
    md.append(fmt("| recovery to drained / ideal, best / worst | %s | ≤ %.1f× + %d s on every seed: %s |%n",
        ratios.length == 0 ? "-" : fmt("%.3f× / **%.3f×**", ratios[0], ratios[ratios.length - 1]), TARGET_RATIO,
        TARGET_SLACK.toSeconds(), allMet ? "met" : "**missed**"));
    long duplicates = runs.stream().mapToLong(Run::duplicates).sum();
    long lost = runs.stream().mapToLong(Run::lost).sum();
    long dead = runs.stream().mapToLong(Run::dead).sum();
    md.append(fmt("| duplicates / lost / dead, all seeds | %d / %d / %d | 0 / 0 / 0 |%n", duplicates, lost, dead));

    md.append(observations(runs, capacity));
    md.append("\n## Machine\n\n```\n").append(machine.strip()).append("\n```\n");
    return md.toString();
  }

  private String observations(List<Run> runs, @Nullable Capacity capacity) {
    Run last = runs.get(runs.size() - 1);
    StringBuilder md = new StringBuilder("\n## Observations\n\n");
    md.append(fmt("- **Why a flush is needed.** With one probe per interval, a 2-hour outage makes %,d tries "
        + "(seed %d), of %,d distinct messages of the %,d; each failed try waits up to an hour (the schedule "
        + "grows with a message's age), and the rest sit due, untried. At the heal %,d entries waited for such a "
        + "backoff, the last due %.0f minutes later: without the recovery flush they would trickle out over that "
        + "hour, whatever the rate SparkPost allows. The flush (when the probe closes the circuit) makes them due "
        + "at their submission time, so the whole backlog goes out oldest first at the pace SparkPost allows.%n",
        last.simulatedProbes(), last.seed(), last.simulatedTried(), last.messages(), last.waitingInSpoolAtHeal(),
        last.lastDueWithoutFlush() / 60));
    md.append(fmt("- **Detection is the probe interval.** After a long outage the probes wait 2.5 to 5 s "
        + "(the ceiling, `waitInOpenState`, jittered down to half), and the heal falls at a random point of one, "
        + "so the first accepted request comes 0 to 5 s after it plus one round trip; measured before the heal, "
        + "the probes were %.2f s apart on average (seed %d).%n", last.meanProbeIntervalBeforeHeal(), last.seed()));
    double paced = runs.stream().mapToDouble(Run::rateAfterFirstRefusal).filter(r -> !Double.isNaN(r)).average()
        .orElse(Double.NaN);
    if (paced < 0.8 * last.rate()) {
      md.append(fmt("- **The drain does not run at the limit: the route paces itself far below it.** In the %d s "
          + "after the first 429 the stub accepted %.0f messages/s on average over the seeds, against R = %d, so the "
          + "backlog went out at a fraction of what SparkPost allowed (the stub accepted %.0f messages/s from its "
          + "first acceptance to its last, seed %d). At a refusal `AdaptiveRateLimiter` takes what was accepted in "
          + "the second just past for SparkPost's rate and paces the route 7%% below it. After a flush the first "
          + "429 comes within milliseconds of the burst, so that second holds the probe and the first burst, not a "
          + "second of sending at the limit: the pace starts at a fraction of R, then grows by only 1%% a second, "
          + "and after a minute without a refusal pacing stops, the next burst is refused within milliseconds and "
          + "the pace is cut short the same way again. `DrainBenchmark` does not show this because its drain starts "
          + "with the client, and the limiter scales its first second to the time since the first send.%n",
          RATE_WINDOW_SECONDS, paced, last.rate(), last.acceptedRate(), last.seed()));
    } else {
      md.append(fmt("- **The drain runs at the limit.** The route paces itself below the rate SparkPost accepted "
          + "once it is refused (`AdaptiveRateLimiter`), and a refused message goes back to the spool for its "
          + "Retry-After; in the %d s after the first 429 the stub accepted %.0f messages/s on average (R = %d), and "
          + "%.0f messages/s from its first acceptance to its last (seed %d).%n", RATE_WINDOW_SECONDS, paced,
          last.rate(), last.acceptedRate(), last.seed()));
    }
    if (capacity != null && capacity.perSecond() < 2 * last.rate()) {
      md.append(fmt("- **This machine was close to the limit**: the unlimited drain reached %.0f messages/s, under "
          + "twice R = %d, so part of any gap to the ideal is the machine, not the client's pacing.%n",
          capacity.perSecond(), last.rate()));
    }
    md.append("- **Real time for the drain**: the drain and the detection are what the targets are about, and "
        + "both depend on the client's real waits (probe timers, pacing, Retry-After); only the two hours "
        + "before them are simulated.\n");
    return md.toString();
  }

  private static double nearestRank(double[] sorted, double quantile) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static String fmt(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  private static void log(String pattern, Object... args) {
    System.err.println("[recovery-bench] " + fmt(pattern, args));
  }
}
