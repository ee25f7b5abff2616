package io.steadfast.cli;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolFullException;
import io.steadfast.SteadfastConfig;
import io.steadfast.cli.internal.DemoOutage;
import io.steadfast.cli.internal.DemoSparkPost;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.Transport;
import io.steadfast.spool.SqliteSpool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Replays SparkPost's outage of 23 May 2019 against an embedded DemoSparkPost on a compressed clock,
 * through a real SQLite spool: producer threads {@code submit()} messages while the outage plays and
 * the spool's dispatcher delivers them. Mid-outage (from 22:18), during a delivery attempt, the
 * dispatcher is killed: its transport sends nothing more and its spool file is closed under it, so
 * nothing it was doing is recorded. A new one is started on the same spool directory; it returns the
 * entries left in flight to the queue and sends them with their original keys. Producers whose
 * submit failed in the crash submit again with the same key. At the end every acknowledged submit
 * is looked up by key in what the fake accepted.
 *
 * <p>The kill comes mid-outage, when SparkPost accepts nothing, because that is when a crash is
 * guaranteed to cost nothing: a crash just after SparkPost accepted a message but before the spool
 * recorded it makes the restarted dispatcher send that message again (SparkPost does not deduplicate),
 * the one duplicate a spool cannot rule out; the spool's crash test measures those.
 *
 * <p>The story, in outage time: 21:00 healthy; 21:14 intermittent 5xx and 429s; 21:22 full outage
 * (503s and connection resets); 23:14 recovery; the story ends at 24:00. Messages are submitted
 * evenly from 21:00 to 23:45. Every wait the client and the dispatcher make (backoffs, retry
 * delays, the circuit's open state, the message deadline) is divided by the same speed-up as the
 * outage, so the run behaves as the real three hours would; network and attempt timeouts are not, so
 * a slow machine does not turn answers into unknown outcomes.
 */
final class OutageDemo {
  private static final String KEY = "sk-demo-outage";
  private static final int PRODUCERS = 4;
  /** Where the story starts on the outage clock. */
  static final Instant STORY_START = Instant.parse("2019-05-23T21:00:00Z");
  private static final Duration HEALTHY = Duration.ofMinutes(14);
  private static final Duration INTERMITTENT = Duration.ofMinutes(8);
  private static final Duration OUTAGE = Duration.ofMinutes(112);
  /**
   * In these phases this share of the transmissions SparkPost accepts lose their reply (the connection
   * drops after acceptance), so the dispatcher sees an unknown outcome and must look the key up in
   * SparkPost's events instead of sending it again.
   */
  private static final int DROPPED_REPLY_PERCENT = 4;
  /** How long after acceptance a message's events appear: well inside the settle delay, as SparkPost's usually do. */
  private static final Duration EVENT_LAG = Duration.ofSeconds(30);
  /** The whole story: 21:00 to 24:00. {@code --duration} is how long it takes in real time. */
  static final Duration STORY = Duration.ofHours(3);
  /** The phases of {@link DemoOutage#of2019}, in order. */
  private static final List<String> PHASES = List.of("healthy", "intermittent", "outage", "recovery");
  /** The dispatcher is killed during the first delivery attempt in this window, mid-outage. */
  private static final Instant KILL_FROM = Instant.parse("2019-05-23T22:18:00Z");
  /** If nothing was attempted by then (nothing pending), the idle dispatcher is killed at this time. */
  private static final Instant KILL_FALLBACK = Instant.parse("2019-05-23T22:30:00Z");
  /**
   * No kill after this: the outage ends at 23:14, and a request the dead dispatcher had already
   * written must be answered before SparkPost accepts again.
   */
  private static final Instant KILL_UNTIL = Instant.parse("2019-05-23T23:00:00Z");
  /** Messages are submitted evenly over this much of the story (to 23:45). */
  private static final Duration SUBMITTING = Duration.ofMinutes(165);
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

  private OutageDemo() {}

  /** What to run: how many messages, how long the three-hour story takes, the seed of the faults. */
  record Settings(int messages, Duration duration, long seed) {
    /** How many times faster than real time the story plays. */
    double speed() {
      return (double) STORY.toNanos() / duration.toNanos();
    }
  }

  /**
   * How the lost answers were settled from SparkPost's events: accepted (not sent again), re-sent with
   * the same key after two searches found nothing, or rejected; and what the searches cost.
   */
  record Reconciled(int confirmedSent, int resent, int rejected, int searches, int requests) {
    @Override
    public String toString() {
      return confirmedSent + " confirmed sent, " + resent + " re-sent, " + rejected + " rejected";
    }
  }

  /**
   * How fast the backlog went out once SparkPost healed (23:14), in simulated time, from what the fake
   * accepted: the backlog is every message acknowledged before the heal and not accepted before it.
   * The target is the backlog divided by the rate SparkPost accepted mail at meanwhile, plus one
   * minute for noticing the recovery and for the few messages that may go out ahead of the last
   * backlog ones: a backlog that waits out backoffs scheduled during the outage, while new mail goes
   * out past it, misses it by far.
   *
   * @param backlog the messages acknowledged before the heal and not yet accepted
   * @param firstAccepted from the heal to the first message SparkPost accepted after it (recovery
   *     noticed), or {@code null} if it accepted none
   * @param lastDelivery from the heal to the last backlog message's acceptance, or {@code null} if
   *     the backlog was empty or a backlog message was never accepted
   * @param acceptedPerMinute the messages SparkPost accepted per simulated minute while the backlog
   *     drained, from the first acceptance after the heal to the last backlog message, new mail
   *     included; 0 if too few messages for a rate
   */
  record Recovery(int backlog, @Nullable Duration firstAccepted, @Nullable Duration lastDelivery,
      double acceptedPerMinute) {
    /** Simulated time from healing the target allows for noticing the recovery and for the last messages. */
    static final Duration SLACK = Duration.ofMinutes(1);

    /**
     * Computes the figures from the story times at which each message was acknowledged by the spool
     * and first accepted by SparkPost (keys never accepted have no acceptance).
     */
    static Recovery of(Map<String, Instant> acknowledgedAt, Map<String, Instant> acceptedAt, Instant healedAt) {
      List<Instant> backlogAccepted = new ArrayList<>();
      int backlog = 0;
      boolean allAccepted = true;
      for (Map.Entry<String, Instant> acknowledged : acknowledgedAt.entrySet()) {
        Instant accepted = acceptedAt.get(acknowledged.getKey());
        if (!acknowledged.getValue().isBefore(healedAt) || accepted != null && accepted.isBefore(healedAt)) {
          continue;
        }
        backlog++;
        if (accepted == null) {
          allAccepted = false;
        } else {
          backlogAccepted.add(accepted);
        }
      }
      List<Instant> afterHeal = acceptedAt.values().stream().filter(at -> !at.isBefore(healedAt)).sorted().toList();
      Duration firstAccepted = afterHeal.isEmpty() ? null : Duration.between(healedAt, afterHeal.get(0));
      if (backlog == 0 || backlogAccepted.isEmpty()) {
        return new Recovery(backlog, firstAccepted, null, 0);
      }
      backlogAccepted.sort(Comparator.naturalOrder());
      Duration last = allAccepted ? Duration.between(healedAt, backlogAccepted.get(backlogAccepted.size() - 1)) : null;
      // Everything SparkPost accepted while the backlog drained, new mail too: what it took, whatever the
      // machine's pace. Mail that went out ahead of backlog messages, or time those waited on backoffs
      // while others went out, is what the slack has to cover.
      Instant from = afterHeal.get(0);
      Instant until = backlogAccepted.get(backlogAccepted.size() - 1);
      long accepted = afterHeal.stream().filter(at -> !at.isAfter(until)).count();
      double minutes = Duration.between(from, until).toNanos() / (double) Duration.ofMinutes(1).toNanos();
      // Intervals between acceptances, not acceptances: the first one starts the window.
      double rate = accepted < 2 || minutes <= 0 ? 0 : (accepted - 1) / minutes;
      return new Recovery(backlog, firstAccepted, last, rate);
    }

    /** Returns the backlog divided by the accepted rate: how long it takes at the pace SparkPost took it. */
    Duration idealDrain() {
      return acceptedPerMinute <= 0 ? Duration.ZERO
          : Duration.ofMillis(Math.round(backlog / acceptedPerMinute * 60_000));
    }

    /** Returns the latest the last backlog message may be accepted, from the heal. */
    Duration target() {
      return idealDrain().plus(SLACK);
    }

    /** Returns whether the last backlog message was accepted within the target (an empty backlog meets it). */
    boolean met() {
      return backlog == 0 || lastDelivery != null && lastDelivery.compareTo(target()) <= 0;
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("backlog", backlog);
      json.put("first_accepted_seconds", firstAccepted == null ? null : seconds(firstAccepted));
      json.put("last_delivery_seconds", lastDelivery == null ? null : seconds(lastDelivery));
      json.put("accepted_per_minute", Math.round(acceptedPerMinute * 10) / 10.0);
      json.put("ideal_drain_seconds", seconds(idealDrain()));
      json.put("target_seconds", seconds(target()));
      json.put("target_met", met());
      return json;
    }

    private static double seconds(Duration duration) {
      return Math.round(duration.toMillis() / 100.0) / 10.0;
    }
  }

  /** What the demo observed; {@link #ok()} when every message was accepted exactly once. */
  record Summary(int messages, int submitted, int delivered, int duplicates, int lost, long dead, int requests,
      int retries, long redeliveries, int circuitOpenings, int restarts, long carriedOver, long recoveredInFlight,
      Duration wallTime, boolean timedOut, Reconciled reconciled, Recovery recovery) {
    boolean ok() {
      return submitted == messages && delivered == submitted && duplicates == 0 && lost == 0;
    }

    Map<String, Object> toJson(Settings settings) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("status", ok() ? "ok" : "failed");
      json.put("messages", messages);
      json.put("submitted", submitted);
      json.put("delivered", delivered);
      json.put("duplicates", duplicates);
      json.put("lost", lost);
      json.put("dead", dead);
      json.put("requests", requests);
      json.put("retries", retries);
      json.put("redeliveries", redeliveries);
      json.put("circuit_openings", circuitOpenings);
      json.put("restarts", restarts);
      json.put("carried_over", carriedOver);
      json.put("recovered_in_flight", recoveredInFlight);
      json.put("timed_out", timedOut);
      Map<String, Object> reconciledJson = new LinkedHashMap<>();
      reconciledJson.put("confirmed_sent", reconciled.confirmedSent());
      reconciledJson.put("resent", reconciled.resent());
      reconciledJson.put("rejected", reconciled.rejected());
      reconciledJson.put("event_searches", reconciled.searches());
      reconciledJson.put("event_requests", reconciled.requests());
      json.put("reconciled", reconciledJson);
      json.put("recovery", recovery.toJson());
      json.put("wall_seconds", wallTime.toMillis() / 1000.0);
      json.put("speed", Math.round(settings.speed()));
      json.put("seed", settings.seed());
      return json;
    }
  }

  /**
   * Runs the demo and returns what it observed; progress goes to {@code out}, redrawn in place when
   * {@code terminal}, as periodic lines otherwise, and not at all when {@code quiet}.
   */
  static Summary run(Settings settings, PrintWriter out, boolean terminal, boolean quiet) throws Exception {
    Path directory = Files.createTempDirectory("steadfast-demo-");
    try {
      return new Run(settings, new Progress(out, terminal, quiet), directory).play();
    } finally {
      deleteRecursively(directory);
    }
  }

  /** Prints the final table. */
  static void printTable(Summary s, double speed, PrintWriter out) {
    out.println();
    row(out, "submitted (acknowledged by the spool)", s.submitted() + " of " + s.messages());
    row(out, "delivered (accepted by SparkPost, by key)", s.delivered());
    row(out, "duplicates (a key accepted twice)", s.duplicates());
    row(out, "lost (acknowledged, never accepted)", s.lost());
    row(out, "dead letters", s.dead());
    row(out, "requests SparkPost saw", s.requests());
    row(out, "retries scheduled", s.retries());
    row(out, "redeliveries from the spool", s.redeliveries());
    row(out, "circuit openings", s.circuitOpenings());
    row(out, "reconciled (lost replies, from events)", s.reconciled() + " (" + s.reconciled().searches()
        + " event searches, " + s.reconciled().requests() + " requests)");
    Recovery r = s.recovery();
    row(out, "backlog when SparkPost healed (" + HH_MM.format(healedAt()) + ")", r.backlog() + " messages");
    row(out, "recovery noticed (first acceptance)", r.firstAccepted() == null ? "never"
        : "after " + storyTime(r.firstAccepted()));
    if (r.acceptedPerMinute() > 0) {
      // The story compresses the clock, not the machine: a backlog drains at the rate this machine
      // delivers in real time, which the story shows that many times slower.
      row(out, "accepted while the backlog drained", String.format(Locale.ROOT,
          "%.0f messages per simulated minute (%.0f/s of real time at x%d)", r.acceptedPerMinute(),
          r.acceptedPerMinute() * speed / 60, Math.round(speed)));
    }
    row(out, "recovery to last delivery", r.backlog() == 0 ? "nothing was waiting"
        : r.lastDelivery() == null ? "never: a backlog message was not accepted"
        : storyTime(r.lastDelivery()) + ", target " + storyTime(r.target()) + " (backlog / accepted rate + "
            + Recovery.SLACK.toMinutes() + " min): " + (r.met() ? "met" : "MISSED"));
    row(out, "dispatcher kills and restarts", s.restarts() == 0
        ? "0 (no kill: the run ended, or was too slow to kill, between 22:18 and 23:00)"
        : s.restarts() + " (" + s.carriedOver() + " messages carried over, " + s.recoveredInFlight()
            + " of them left in flight)");
    row(out, "wall time", String.format(Locale.ROOT, "%.1f s", s.wallTime().toMillis() / 1000.0));
    if (s.timedOut()) {
      out.println("The spool was not empty when the demo gave up waiting; the machine may be overloaded.");
    }
    out.println(s.ok() ? "RESULT: nothing lost, nothing sent twice"
        : "RESULT: FAILED: " + s.lost() + " lost, " + s.duplicates() + " duplicates, "
            + (s.messages() - s.submitted()) + " not submitted");
    out.flush();
  }

  /** When SparkPost heals in the story: the start of the recovery phase. */
  static Instant healedAt() {
    return phaseStart("recovery", STORY_START);
  }

  /** Simulated time as minutes and seconds, e.g. "12 min 05 s", or seconds under a minute. */
  static String storyTime(Duration duration) {
    long seconds = Math.round(duration.toMillis() / 1000.0);
    return seconds < 60 ? seconds + " s" : String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
  }

  private static void row(PrintWriter out, String name, Object value) {
    out.printf("  %-42s %s%n", name, value);
  }

  /** One run: the fake, the spool directory, the client (replaced once) and the counters. */
  private static final class Run {
    private final Settings settings;
    private final Progress progress;
    private final Path directory;
    private final double speed;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    /** When the spool acknowledged each message, in story time. */
    private final Map<String, Instant> acknowledgedAt = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicInteger circuitOpenings = new AtomicInteger();
    private final AtomicInteger confirmedSent = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private final AtomicInteger searches = new AtomicInteger();
    private final AtomicInteger searchRequests = new AtomicInteger();
    private final Map<String, CircuitState> circuits = new ConcurrentHashMap<>();
    private final AtomicReference<@Nullable String> firstError = new AtomicReference<>();
    private final AtomicBoolean killed = new AtomicBoolean();
    /** Guards {@link #generation}; producers wait on it for the restarted dispatcher. */
    private final Object restarts = new Object();
    /** 0 until the restart, then 1. Guarded by {@link #restarts}. */
    private int generation;
    private volatile @Nullable EmailClient client;
    private volatile @Nullable KillableTransport transport;
    private volatile @Nullable SqliteSpool spool;
    private volatile @Nullable DemoSparkPost sparkPost;
    private volatile @Nullable CompressedClock clock;
    /** When the dispatcher was killed, in story time, or {@code null} before. */
    private volatile @Nullable Instant killedAt;
    /** Whether the kill came during a delivery attempt rather than while the dispatcher was idle. */
    private volatile boolean killedDuringDelivery;

    Run(Settings settings, Progress progress, Path directory) {
      this.settings = settings;
      this.progress = progress;
      this.directory = directory;
      this.speed = settings.speed();
    }

    Summary play() throws Exception {
      long wallStart = System.nanoTime();
      try (DemoSparkPost fake = DemoSparkPost.start(KEY)) {
        sparkPost = fake;
        progress.line(String.format(Locale.ROOT,
            "Steadfast outage demo: SparkPost's outage of 23 May 2019, 3 hours played in %s (x%d).",
            format(settings.duration()), Math.round(speed)));
        progress.line("  " + settings.messages() + (settings.messages() == 1 ? " message" : " messages") + " from " + PRODUCERS + " threads through a SQLite spool in "
            + directory + ", to a fake SparkPost at " + fake.baseUrl() + " (seed " + settings.seed() + ").");
        // Open the spool and the client first (loading SQLite's native library takes a moment), so the
        // story starts when the first message can be submitted.
        SqliteSpool first = SqliteSpool.open(directory);
        spool = first;
        EmailClient opened = open(fake, first);
        client = opened;
        // One message outside the count warms the path (class loading, the first commit, the first
        // request), so the story starts at full speed; the fake then forgets it.
        opened.result(opened.submit(message("outage-" + settings.seed() + "-warm-up", 0))).get(2, TimeUnit.MINUTES);
        fake.reset();
        long startNanos = System.nanoTime();
        CompressedClock story = new CompressedClock(STORY_START, speed, startNanos);
        clock = story;
        fake.eventLag(scaled(EVENT_LAG));
        fake.play(DemoOutage.of2019(settings.seed(), story, HEALTHY, INTERMITTENT, OUTAGE, DROPPED_REPLY_PERCENT));
        List<Thread> producers = startProducers(story);
        long carriedOver = 0;
        long recovered = 0;
        boolean restarted = false;
        String phase = "";
        // Generous: an overloaded machine can take several times the story's length to drain the spool, and
        // a short story (the tests play it in 4 s) on a busy 2-core build machine more than a minute.
        long deadline = startNanos + settings.duration().toNanos() + Math.max(TimeUnit.MINUTES.toNanos(3),
            2 * settings.duration().toNanos());
        boolean timedOut;
        while (true) {
          String now = fake.currentPhase().orElse("");
          if (!now.equals(phase)) {
            // A short phase may begin and end between two looks; name it anyway, in order.
            int from = PHASES.indexOf(phase) + 1;
            int to = PHASES.indexOf(now);
            for (String passed : to >= from ? PHASES.subList(from, to + 1) : List.of(now)) {
              progress.event(HH_MM.format(phaseStart(passed, story.instant())) + " " + describe(passed));
            }
            phase = now;
          }
          if (!killed.get() && !story.instant().isBefore(KILL_FALLBACK)) {
            // No delivery started in the window (little or nothing pending): kill the idle dispatcher.
            tryKill(false);
          }
          if (killed.get() && !restarted) {
            SpoolStats found = restart(fake);
            carriedOver = found.undeliveredCount();
            recovered = found.count(SpoolState.IN_FLIGHT);
            restarted = true;
          }
          SpoolStats stats;
          try {
            stats = current().spoolOperations().stats();
          } catch (IllegalStateException e) {
            // Killed between the check above and this read; the next round restarts it.
            Thread.sleep(progress.tickMillis());
            continue;
          }
          boolean producing = producers.stream().anyMatch(Thread::isAlive);
          progress.status(status(story, stats, fake));
          if (!producing && stats.undeliveredCount() == 0) {
            timedOut = false;
            break;
          }
          if (System.nanoTime() > deadline) {
            timedOut = true;
            break;
          }
          Thread.sleep(progress.tickMillis());
        }
        for (Thread producer : producers) {
          producer.join(TimeUnit.SECONDS.toMillis(30));
        }
        EmailClient last = current();
        SpoolStats end = last.spoolOperations().stats();
        long redeliveries = 0;
        for (SpoolState state : SpoolState.values()) {
          // Every message, plus the warm-up.
          for (SpoolEntry entry : last.spoolOperations().list(state, settings.messages() + 1)) {
            redeliveries += Math.max(0, entry.attempts() - 1);
          }
        }
        last.close();
        Objects.requireNonNull(transport, "transport").close();
        progress.event(time() + " done; the spool is closed and its directory deleted.");
        progress.finish();
        int delivered = 0;
        int lost = 0;
        for (String key : acknowledged) {
          if (fake.transmissionCountFor(key) > 0) {
            delivered++;
          } else {
            lost++;
          }
        }
        // When SparkPost first accepted each key, in story time (the fake records arrival on the system clock).
        Map<String, Instant> acceptedAt = new LinkedHashMap<>();
        for (var transmission : fake.transmissions()) {
          if (transmission.idempotencyKey() != null) {
            acceptedAt.putIfAbsent(transmission.idempotencyKey(), story.storyTimeOf(transmission.receivedAt()));
          }
        }
        Recovery recovery = Recovery.of(acknowledgedAt, acceptedAt, healedAt());
        String error = firstError.get();
        if (error != null) {
          progress.line(refused.get() + " submits were refused; the first: " + error);
        }
        return new Summary(settings.messages(), acknowledged.size(), delivered, fake.duplicateCount(), lost,
            end.deadCount(), fake.requestCount(), retries.get(), redeliveries, circuitOpenings.get(),
            restarted ? 1 : 0, carriedOver, recovered, Duration.ofNanos(System.nanoTime() - wallStart), timedOut,
            new Reconciled(confirmedSent.get(), resent.get(), rejected.get(), searches.get(), searchRequests.get()),
            recovery);
      } finally {
        EmailClient open = client;
        if (open != null) {
          open.close();
        }
        KillableTransport rest = transport;
        if (rest != null) {
          rest.close();
        }
        SqliteSpool file = spool;
        if (file != null) {
          file.close();
        }
      }
    }

    private EmailClient current() {
      return Objects.requireNonNull(client, "client");
    }

    private String time() {
      CompressedClock story = clock;
      return story == null ? "" : HH_MM.format(story.instant());
    }

    /**
     * Whether killing the dispatcher now is safe to show: mid-outage, when SparkPost accepts nothing,
     * so no delivery the dead process was making can have succeeded unrecorded. (A kill while SparkPost
     * accepts can resend a message it took just before the kill; that is the one way a crash causes a
     * duplicate, and the spool's CrashRecoveryTest counts those.)
     */
    private boolean inKillWindow() {
      CompressedClock story = clock;
      DemoSparkPost fake = sparkPost;
      if (story == null || fake == null) {
        return false;
      }
      Instant now = story.instant();
      return !now.isBefore(KILL_FROM) && now.isBefore(KILL_UNTIL) && "outage".equals(fake.currentPhase().orElse(""));
    }

    /**
     * Kills the first dispatcher as a crash would, if the story is in the kill window: its spool file
     * is closed under it, so whatever it was doing (a claimed entry, an attempt in flight) is never
     * recorded and the entry stays in flight in the file.
     *
     * <p>The story clock is held from the kill until the dead process's last requests are answered.
     * SparkPost would answer a request written before the crash at once; holding the clock keeps a
     * slow machine, answering late, from moving such a request into the recovery.
     */
    private synchronized void tryKill(boolean duringDelivery) {
      CompressedClock story = clock;
      // No story yet: the warm-up message is being delivered.
      if (story == null || killed.get() || !inKillWindow()) {
        return;
      }
      // Held, the clock cannot leave the window between this check and the kill.
      story.pause();
      if (!inKillWindow()) {
        story.resume();
        return;
      }
      killed.set(true);
      killedDuringDelivery = duringDelivery;
      SqliteSpool dying = Objects.requireNonNull(spool, "spool");
      killedAt = story.instant();
      // A dead process sends nothing more: its transport refuses every attempt from now on.
      Objects.requireNonNull(transport, "transport").kill();
      dying.close();
    }

    /**
     * Starts a new dispatcher on the spool file the killed one left: entries it left in flight go
     * back to the queue and out again with their original keys.
     *
     * @return what the new dispatcher found in the spool file
     */
    private SpoolStats restart(DemoSparkPost fake) {
      Instant at = killedAt;
      progress.event((at == null ? time() : HH_MM.format(at)) + " KILL: the dispatcher's process dies mid-outage"
          + (killedDuringDelivery ? ", during a delivery" : "") + ": it sends nothing more, and its spool file is closed under it, so what it was"
          + " doing is never recorded");
      // What is left of the dead process (its threads and connections) goes away; the file is untouched.
      Objects.requireNonNull(client, "client").close();
      Objects.requireNonNull(transport, "transport").close();
      Objects.requireNonNull(clock, "clock").resume();
      SqliteSpool reopened = SqliteSpool.open(directory);
      SpoolStats found = reopened.stats(Instant.now());
      EmailClient fresh = open(fake, reopened);
      circuits.replaceAll((route, state) -> CircuitState.CLOSED);
      spool = reopened;
      client = fresh;
      synchronized (restarts) {
        generation++;
        restarts.notifyAll();
      }
      progress.event(time() + " RESTART: a new dispatcher opened the same spool file and took over "
          + found.undeliveredCount() + " messages: " + found.count(SpoolState.PENDING) + " pending and "
          + found.count(SpoolState.IN_FLIGHT) + " the dead one left in flight, which are looked up in SparkPost's"
          + " events before any goes out again (with its original idempotency key)");
      return found;
    }

    /** Opens a client whose dispatcher delivers from {@code file}, every wait scaled to the story. */
    private EmailClient open(DemoSparkPost fake, SqliteSpool file) {
      Duration attemptTimeout = atLeast(scaled(SpoolConfig.DEFAULT_ATTEMPT_TIMEOUT), Duration.ofSeconds(2));
      try {
        SpoolConfig spoolConfig = SpoolConfig.builder(file)
            .minRetryDelay(scaled(SpoolConfig.DEFAULT_MIN_RETRY_DELAY))
            .maxRetryDelay(scaled(SpoolConfig.DEFAULT_MAX_RETRY_DELAY))
            .deliverWithin(scaled(SpoolConfig.DEFAULT_DELIVER_WITHIN))
            .pollInterval(atLeast(scaled(SpoolConfig.DEFAULT_POLL_INTERVAL), Duration.ofMillis(20)))
            .attemptTimeout(attemptTimeout)
            // Longer than an attempt plus its network timeouts, so a live delivery is never claimed twice.
            .lease(attemptTimeout.plusSeconds(15))
            // Closing at the end waits for every delivery in flight, so none ends with an unknown outcome.
            .closeTimeout(attemptTimeout.plusSeconds(12))
            .build();
        SteadfastConfig connection = SteadfastConfig.builder()
            .apiKey(KEY)
            .endpoint(Endpoint.custom(fake.baseUrl()))
            .connectTimeout(Duration.ofSeconds(2))
            .readTimeout(Duration.ofSeconds(5))
            .build();
        KillableTransport rest = new KillableTransport(RestTransport.create(connection));
        transport = rest;
        return EmailClient.create(connection.toBuilder()
            .transports(List.of(rest))
            .retryPolicy(RetryPolicy.builder()
                .minBackoff(scaled(RetryPolicy.DEFAULT_MIN_BACKOFF))
                .initialBackoff(scaled(RetryPolicy.DEFAULT_INITIAL_BACKOFF))
                .maxBackoff(scaled(RetryPolicy.DEFAULT_MAX_BACKOFF))
                .deadline(attemptTimeout)
                .build())
            .circuitBreakerPolicy(CircuitBreakerPolicy.builder()
                .waitInOpenState(atLeast(scaled(CircuitBreakerPolicy.DEFAULT_WAIT_IN_OPEN_STATE), Duration.ofMillis(10)))
                .build())
            .listener(new Counters())
            .reconcilePolicy(ReconcilePolicy.DEFAULT
                .withSettleDelay(scaled(ReconcilePolicy.DEFAULT_SETTLE_DELAY))
                .withRecheckDelay(scaled(ReconcilePolicy.DEFAULT_RECHECK_DELAY))
                .withTimeout(scaled(ReconcilePolicy.DEFAULT_TIMEOUT)))
            .spool(spoolConfig)
            .build());
      } catch (RuntimeException e) {
        file.close();
        throw e;
      }
    }

    private List<Thread> startProducers(CompressedClock story) {
      List<Thread> producers = new ArrayList<>();
      for (int p = 0; p < PRODUCERS; p++) {
        int first = p;
        Thread thread = new Thread(() -> {
          for (int i = first; i < settings.messages(); i += PRODUCERS) {
            // Message i is due at an even share of the submitting window, on the story clock.
            Instant due = STORY_START.plusNanos((long) ((double) SUBMITTING.toNanos() * i / settings.messages()));
            try {
              for (Duration left = Duration.between(story.instant(), due); left.compareTo(Duration.ZERO) > 0;
                  left = Duration.between(story.instant(), due)) {
                TimeUnit.NANOSECONDS.sleep(Math.max(1, (long) (left.toNanos() / speed)));
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
            submit(i);
          }
        }, "demo-producer-" + p);
        thread.setDaemon(true);
        thread.start();
        producers.add(thread);
      }
      return producers;
    }

    private void submit(int i) {
      String key = "outage-" + settings.seed() + "-" + i;
      Message message = message(key, i);
      for (int tries = 0; tries < 5; tries++) {
        int seen;
        synchronized (restarts) {
          seen = generation;
        }
        try {
          current().submit(message);
          // Acknowledged: from here on, losing the message would be Steadfast's fault.
          acknowledgedAt.put(key, Objects.requireNonNull(clock, "clock").instant());
          acknowledged.add(key);
          return;
        } catch (SpoolFullException e) {
          firstError.compareAndSet(null, e.getMessage());
        } catch (IllegalStateException e) {
          // The dispatcher's process died under this submit, which was therefore not acknowledged; an
          // application retries it with the same key once it is back (a stored copy is not stored twice).
          awaitGenerationAfter(seen);
        } catch (RuntimeException e) {
          firstError.compareAndSet(null, e.toString());
          refused.incrementAndGet();
          return;
        }
      }
      firstError.compareAndSet(null, "gave up on message " + i + " after 5 tries");
      refused.incrementAndGet();
    }

    private static Message message(String key, int i) {
      return Message.builder().from("orders@shop.example").to("customer" + i + "@example.com")
          .subject("Order " + i).text("Thanks for your order " + i + ".").idempotencyKey(IdempotencyKey.of(key))
          .build();
    }

    private void awaitGenerationAfter(int seen) {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      synchronized (restarts) {
        while (generation == seen && System.nanoTime() < until) {
          try {
            restarts.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }

    private String status(CompressedClock story, SpoolStats stats, DemoSparkPost fake) {
      StringBuilder line = new StringBuilder();
      line.append(HH_MM.format(story.instant())).append(' ')
          .append(String.format(Locale.ROOT, "%-12s", fake.currentPhase().orElse("")))
          .append(" submitted ").append(acknowledged.size()).append('/').append(settings.messages())
          .append("  spooled ").append(stats.undeliveredCount())
          .append("  delivered ").append(fake.acceptedKeyCount())
          .append("  retries ").append(retries.get())
          .append("  reconciling ").append(stats.reconcilingCount())
          .append("  circuit");
      if (circuits.isEmpty()) {
        line.append(" -");
      }
      circuits.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
          .forEach(e -> line.append(' ').append(e.getKey()).append('=').append(e.getValue()));
      return line.toString();
    }

    private Duration scaled(Duration storyTime) {
      return atLeast(Duration.ofNanos((long) (storyTime.toNanos() / speed)), Duration.ofMillis(1));
    }

    /** Counts retries and circuit changes, and kills the first dispatcher during a delivery mid-outage. */
    private final class Counters extends DeliveryListener {
      @Override
      public void attemptStarted(IdempotencyKey key, String route, int attempt) {
        circuits.putIfAbsent(route, CircuitState.CLOSED);
        // The crash comes while this delivery is in flight, so at least one entry is left IN_FLIGHT.
        if (!killed.get()) {
          tryKill(true);
        }
      }

      @Override
      public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
        retries.incrementAndGet();
      }

      @Override
      public void reconciled(IdempotencyKey key, ReconcileResult result) {
        (result instanceof ReconcileResult.Accepted ? confirmedSent
            : result instanceof ReconcileResult.Rejected ? rejected : resent).incrementAndGet();
      }

      @Override
      public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
        resent.incrementAndGet();
      }

      @Override
      public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
        searches.incrementAndGet();
        searchRequests.addAndGet(requests);
      }

      @Override
      public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
        circuits.put(route, to);
        if (to == CircuitState.OPEN) {
          circuitOpenings.incrementAndGet();
        }
      }
    }
  }

  /** When {@code phase} began in the story (the fake notices a change at its next request, a little later). */
  private static Instant phaseStart(String phase, Instant now) {
    switch (phase) {
      case "healthy":
        return STORY_START;
      case "intermittent":
        return STORY_START.plus(HEALTHY);
      case "outage":
        return STORY_START.plus(HEALTHY).plus(INTERMITTENT);
      case "recovery":
        return STORY_START.plus(HEALTHY).plus(INTERMITTENT).plus(OUTAGE);
      default:
        return now;
    }
  }

  private static String describe(String phase) {
    switch (phase) {
      case "healthy":
        return "healthy: SparkPost accepts every message";
      case "intermittent":
        return "intermittent: " + DemoOutage.INTERMITTENT_FAILURE_PERCENT + "% of requests fail with 5xx or 429";
      case "outage":
        return "full outage: every request fails (503 or connection reset)";
      case "recovery":
        return "recovery: SparkPost answers again";
      default:
        return phase;
    }
  }

  private static Duration atLeast(Duration value, Duration floor) {
    return value.compareTo(floor) < 0 ? floor : value;
  }

  private static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the demo's spool directory " + directory, e);
    }
  }

  /**
   * The REST transport of one dispatcher's process. Killing it stands for the process dying: no
   * request goes out after the kill (each attempt ends as not sent), though one already written still
   * gets its answer, which the dead dispatcher can no longer record.
   */
  private static final class KillableTransport implements Transport {
    private final Transport delegate;
    private volatile boolean dead;

    KillableTransport(Transport delegate) {
      this.delegate = delegate;
    }

    void kill() {
      dead = true;
    }

    @Override
    public String route() {
      return delegate.route();
    }

    @Override
    public Outcome deliver(Delivery delivery) {
      return dead ? deadOutcome() : delegate.deliver(delivery);
    }

    @Override
    public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
      return dead ? CompletableFuture.completedFuture(deadOutcome()) : delegate.deliverAsync(delivery);
    }

    @Override
    public void close() {
      delegate.close();
    }

    private static Outcome deadOutcome() {
      return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
          Failure.of("the dispatcher's process was killed", null), null);
    }
  }

  /** Story time: starts at {@code origin} and runs {@code speed} times faster than the system clock. */
  static final class CompressedClock extends Clock {
    private final Instant origin;
    private final double speed;
    private final long startNanos;
    /** When the clock was held, or -1 while it runs. Guarded by {@code this}. */
    private long pausedAt = -1;
    /** How long it was held before. Guarded by {@code this}. */
    private long pausedNanos;
    /** The times it was held, as System.nanoTime() pairs {from, until}. Guarded by {@code this}. */
    private final List<long[]> pauses = new ArrayList<>();
    /** The system clock's reading at {@code startNanos}, to place the fake's arrival times in the story. */
    private final Instant systemStart;

    CompressedClock(Instant origin, double speed, long startNanos) {
      this.origin = origin;
      this.speed = speed;
      this.startNanos = startNanos;
      this.systemStart = Instant.now().minusNanos(System.nanoTime() - startNanos);
    }

    /**
     * Returns the story time when the system clock read {@code systemInstant}, e.g. a request's arrival
     * recorded by the fake; exact to the system clock's agreement with {@link System#nanoTime()}.
     */
    synchronized Instant storyTimeOf(Instant systemInstant) {
      long at = startNanos + Duration.between(systemStart, systemInstant).toNanos();
      long held = 0;
      List<long[]> all = new ArrayList<>(pauses);
      if (pausedAt >= 0) {
        all.add(new long[] {pausedAt, Long.MAX_VALUE});
      }
      for (long[] pause : all) {
        held += Math.max(0, Math.min(at, pause[1]) - pause[0]);
      }
      return origin.plusNanos((long) ((at - startNanos - held) * speed));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      long now = pausedAt >= 0 ? pausedAt : System.nanoTime();
      return origin.plusNanos((long) ((now - startNanos - pausedNanos) * speed));
    }

    /** Holds the clock where it is until {@link #resume()}. */
    synchronized void pause() {
      if (pausedAt < 0) {
        pausedAt = System.nanoTime();
      }
    }

    /** Lets the clock run again from where it was held. */
    synchronized void resume() {
      if (pausedAt >= 0) {
        long now = System.nanoTime();
        pausedNanos += now - pausedAt;
        pauses.add(new long[] {pausedAt, now});
        pausedAt = -1;
      }
    }
  }

  /** Writes the live progress: one redrawn line on a terminal, periodic lines otherwise. */
  private static final class Progress {
    private final PrintWriter out;
    private final boolean terminal;
    private final boolean quiet;
    private int width;
    private long lastLineNanos;

    Progress(PrintWriter out, boolean terminal, boolean quiet) {
      this.out = out;
      this.terminal = terminal;
      this.quiet = quiet;
    }

    long tickMillis() {
      return terminal ? 100 : 50;
    }

    /** A line of text, printed once. */
    void line(String text) {
      if (!quiet) {
        clear();
        out.println(text);
        out.flush();
      }
    }

    /** Something that happened (a phase change, the restart): its own line, then the status again. */
    void event(String text) {
      line(text);
      lastLineNanos = 0;
    }

    /** The current status: redrawn in place on a terminal, else printed every few seconds. */
    void status(String text) {
      if (quiet) {
        return;
      }
      if (terminal) {
        out.print('\r' + text + " ".repeat(Math.max(0, width - text.length())));
        width = text.length();
        out.flush();
      } else if (System.nanoTime() - lastLineNanos > TimeUnit.SECONDS.toNanos(2) || lastLineNanos == 0) {
        out.println("  " + text);
        out.flush();
        lastLineNanos = System.nanoTime();
      }
    }

    void finish() {
      clear();
    }

    private void clear() {
      if (terminal && width > 0) {
        out.print('\r' + " ".repeat(width) + '\r');
        width = 0;
      }
    }
  }
}
