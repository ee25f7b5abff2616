package io.steadfast.benchmarks;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.MessageEventsFactory;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedEventsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * How many Events API requests it takes to settle lost answers, and how soon they are settled after the
 * Events API recovers. Writes {@code docs/benchmarks-reconcile.md}.
 *
 * <p>A real {@link EmailClient} (REST route, SQLite spool in a scratch directory, the Events API client
 * found through {@link ServiceLoader}) sends to {@link FakeSparkPost} on loopback, which accepts every
 * transmission, records its events and drops the reply: every entry's outcome is UNKNOWN and it is
 * reconciled from the events. Three parts per message count N: the batched reconciler with the events
 * answering; the same with the events endpoint down until every entry is reconciling (then recovered);
 * and a naive baseline that searches one lookup at a time on the same Events API client.
 *
 * <p>System properties: {@code bench.reconcileMessages} (comma-separated counts, default 1000),
 * {@code bench.reconcileSettleMs} and {@code bench.reconcileRecheckMs} (default 200),
 * {@code bench.reconcileEventLagMs} (the fake's event lag, default 0), {@code bench.reconcileWorkers}
 * (dispatcher workers, default {@value SpoolConfig#DEFAULT_WORKERS}) and
 * {@code bench.reconcileDeadlineSeconds} (the most any wait of a part may take, default 300). Every wait is
 * bounded by that deadline and fails the run when it passes.
 */
public final class ReconcileBenchmark {
  private static final String API_KEY = "bench-key";
  /** Polling a counter in a benchmark harness, always with a deadline. */
  private static final long POLL_MILLIS = 10;
  /** The reconciler's shortest backoff after a failed search (Reconciler.MIN_BACKOFF). */
  private static final Duration MIN_BACKOFF = Duration.ofSeconds(5);

  private final Path temp;
  private final Duration settle;
  private final Duration recheck;
  private final Duration eventLag;
  private final int workers;
  private final Duration deadline;

  private ReconcileBenchmark(Path temp) {
    this.temp = temp;
    this.settle = Duration.ofMillis(Long.getLong("bench.reconcileSettleMs", 200));
    this.recheck = Duration.ofMillis(Long.getLong("bench.reconcileRecheckMs", 200));
    this.eventLag = Duration.ofMillis(Long.getLong("bench.reconcileEventLagMs", 0));
    this.workers = Integer.getInteger("bench.reconcileWorkers", SpoolConfig.DEFAULT_WORKERS);
    this.deadline = Duration.ofSeconds(Long.getLong("bench.reconcileDeadlineSeconds", 300));
  }

  /** Runs the benchmark: {@code args[0]} is the output directory, {@code args[1]} the machine description. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ReconcileBenchmark OUTPUT_DIR MACHINE_FILE");
      System.exit(2);
    }
    run(Path.of(args[0]), Files.readString(Path.of(args[1])));
    System.exit(0);
  }

  /** Runs every part and writes {@code benchmarks-reconcile.md} into {@code docs}; BenchmarkMain's "reconcile" part. */
  static void run(Path docs, String machine) throws Exception {
    List<Integer> counts = new ArrayList<>();
    for (String count : System.getProperty("bench.reconcileMessages", "1000").split(",")) {
      counts.add(Integer.parseInt(count.strip()));
    }
    long started = System.nanoTime();
    List<Measured> results = new ArrayList<>();
    try (ScratchDirectory temp = ScratchDirectory.create("reconcile-bench")) {
      ReconcileBenchmark bench = new ReconcileBenchmark(temp.path());
      for (int n : counts) {
        results.add(bench.measure(n));
      }
      double minutes = (System.nanoTime() - started) / 60e9;
      Files.createDirectories(docs);
      Files.writeString(docs.resolve("benchmarks-reconcile.md"), bench.markdown(results, machine, minutes));
    }
    log("wrote %s", docs.resolve("benchmarks-reconcile.md"));
  }

  // ---------------------------------------------------------------------------------------------
  // Measuring

  /** One search of the events, as the listener heard of it. */
  private record Search(Instant endedAt, int lookups, int requests, DeliveryListener.EventsSearchOutcome outcome) {}

  /** What the listener heard during one part. */
  private static final class Recorder extends DeliveryListener {
    final Set<IdempotencyKey> reconciling = ConcurrentHashMap.newKeySet();
    final Set<IdempotencyKey> delivered = ConcurrentHashMap.newKeySet();
    final AtomicInteger confirmedFromEvents = new AtomicInteger();
    final AtomicInteger deadLettered = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger notFound = new AtomicInteger();
    final AtomicInteger gaveUp = new AtomicInteger();
    final List<Search> searches = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch allDelivered;

    Recorder(int n) {
      allDelivered = new CountDownLatch(n);
    }

    @Override
    public void reconciling(IdempotencyKey key, String route) {
      reconciling.add(key);
    }

    @Override
    public void delivered(DeliveryResult.Delivered result) {
      if (result.receipt().confirmedFromEvents()) {
        confirmedFromEvents.incrementAndGet();
      }
      if (delivered.add(result.idempotencyKey())) {
        allDelivered.countDown();
      }
    }

    @Override
    public void deadLettered(DeliveryResult.DeadLettered result) {
      deadLettered.incrementAndGet();
    }

    @Override
    public void reconciled(IdempotencyKey key, ReconcileResult result) {
      if (result instanceof ReconcileResult.Accepted) {
        accepted.incrementAndGet();
      } else if (result instanceof ReconcileResult.NotFound) {
        notFound.incrementAndGet();
      }
    }

    @Override
    public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
      gaveUp.incrementAndGet();
    }

    @Override
    public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
      searches.add(new Search(Instant.now(), lookups, requests, outcome));
    }

    List<Search> searches() {
      synchronized (searches) {
        return List.copyOf(searches);
      }
    }

    long count(EventsSearchOutcome outcome) {
      return searches().stream().filter(s -> s.outcome() == outcome).count();
    }
  }

  /** The submitted messages of a part, for the checks and the naive baseline. */
  private record Sent(Message message, SubmitReceipt receipt) {}

  /** The batched part with the events answering. */
  private record Batched(int n, double seconds, int searches, long listenerRequests, int fakeRequests,
      double meanLookups, int maxLookups, int maxRequestsPerSearch, int maxRecipientsPerRequest, int maxUriChars,
      int pageRequests, double searchingSeconds, Checks checks) {}

  /** The part with the events down until every entry is reconciling. */
  private record Outage(int n, double untilAllReconcilingSeconds, long failedSearches, int requestsDuringOutage,
      double recoveryToFirstAnswerSeconds, double recoveryToFirstDueSeconds, double recoveryToLastDueSeconds,
      double recoveryToAllSeconds, int searchesAfterRecovery, int requestsAfterRecovery, int maxLookupsAfterRecovery,
      int maxRequestsPerSearchAfterRecovery, int maxRecipientsPerRequest, int maxUriChars,
      double searchingSeconds, double lastBackoffCeilingSeconds, Checks checks) {
    /** From the moment the last entry was due again to the last delivery: the searching, not the backoff. */
    double lastDueToAllSeconds() {
      return recoveryToAllSeconds - recoveryToLastDueSeconds;
    }
  }

  /** The naive baseline: one lookup per search. */
  private record Naive(int n, double seconds, long requests, int fakeRequests, int found) {}

  /** No duplicate, nothing lost, every entry confirmed from the events. */
  private record Checks(int delivered, int confirmedFromEvents, int accepted, int notFoundResent, int gaveUp,
      int deadLettered, int duplicates, int keysNotSentOnce) {
    boolean clean(int n) {
      return delivered == n && confirmedFromEvents == n && duplicates == 0 && keysNotSentOnce == 0 && deadLettered == 0;
    }

    String summary(int n) {
      return fmt("%d of %d delivered (%d confirmed from events), %d duplicates, %d keys not sent exactly once, "
          + "%d dead-lettered, %d re-sent after not found, %d gave up", delivered, n, confirmedFromEvents, duplicates,
          keysNotSentOnce, deadLettered, notFoundResent, gaveUp);
    }
  }

  private record Measured(Batched batched, Naive naive, Outage outage) {}

  private Measured measure(int n) throws Exception {
    Batched batched;
    Naive naive;
    try (FakeSparkPost fake = FakeSparkPost.start(API_KEY)) {
      fake.alwaysRespond(FakeResponse.acceptedThenDropped());
      fake.eventLag(eventLag);
      Recorder recorder = new Recorder(n);
      SteadfastConfig config = config(fake, Files.createTempDirectory(temp, "batched-" + n + "-"), recorder);
      List<Sent> sent;
      long t0 = System.nanoTime();
      try (EmailClient client = EmailClient.create(config)) {
        sent = submit(client, n, "batched");
        await(recorder.allDelivered, "batched: every entry delivered", () -> describe(recorder, n));
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      batched = batched(n, seconds, recorder, fake, checks(recorder, fake, sent));
      log("batched N=%d: %.2f s, %d searches, %d requests (fake %d); %s", n, seconds, batched.searches(),
          batched.listenerRequests(), batched.fakeRequests(), batched.checks().summary(n));
      // The baseline searches the same events, which the fake still holds, with the same configuration.
      naive = naive(config, sent, fake);
      log("naive N=%d: %.2f s, %d requests (fake %d), %d of %d found", n, naive.seconds(), naive.requests(),
          naive.fakeRequests(), naive.found(), n);
    }
    Outage outage = outage(n);
    log("outage N=%d: %d failed searches, last entry due %.2f s after recovery, then %.2f s to all (%.2f s in all); %s",
        n, outage.failedSearches(), outage.recoveryToLastDueSeconds(), outage.lastDueToAllSeconds(),
        outage.recoveryToAllSeconds(), outage.checks().summary(n));
    return new Measured(batched, naive, outage);
  }

  private SteadfastConfig config(FakeSparkPost fake, Path dir, DeliveryListener listener) {
    return SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(fake.baseUrl()))
        .listener(listener)
        // Every answer is lost on purpose; the breaker would open and delay the sends, which is not measured here.
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(settle).withRecheckDelay(recheck))
        .spool(SpoolConfig.builder(SqliteSpool.open(dir)).workers(workers).build())
        .build();
  }

  private static List<Sent> submit(EmailClient client, int n, String label) {
    List<Sent> sent = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Message message = Message.builder()
          .from("sender@example.com")
          .to(fmt("rcpt-%06d@example.com", i))
          .subject(label + " " + i)
          .text("Your order " + i + " has shipped.")
          .build();
      sent.add(new Sent(message, client.submit(message)));
    }
    return sent;
  }

  private static Checks checks(Recorder recorder, FakeSparkPost fake, List<Sent> sent) {
    int notOnce = 0;
    for (Sent s : sent) {
      if (fake.transmissionCountFor(s.receipt().idempotencyKey().value()) != 1) {
        notOnce++;
      }
    }
    return new Checks(recorder.delivered.size(), recorder.confirmedFromEvents.get(), recorder.accepted.get(),
        recorder.notFound.get(), recorder.gaveUp.get(), recorder.deadLettered.get(), fake.duplicateCount(), notOnce);
  }

  private static Batched batched(int n, double seconds, Recorder recorder, FakeSparkPost fake, Checks checks) {
    List<Search> searches = recorder.searches();
    List<RecordedEventsRequest> requests = fake.eventsRequests();
    return new Batched(n, seconds, searches.size(), searches.stream().mapToLong(Search::requests).sum(),
        requests.size(), searches.stream().mapToInt(Search::lookups).average().orElse(0),
        searches.stream().mapToInt(Search::lookups).max().orElse(0),
        searches.stream().mapToInt(Search::requests).max().orElse(0),
        requests.stream().mapToInt(r -> r.list("recipients").size()).max().orElse(0),
        requests.stream().mapToInt(RecordedEventsRequest::uriLength).max().orElse(0),
        (int) requests.stream().filter(r -> !"initial".equals(r.parameter("cursor"))).count(),
        searchingSeconds(searches, requests, 0, Instant.MIN), checks);
  }

  /** One lookup per search, in order, on an Events API client found as the EmailClient finds its own. */
  private Naive naive(SteadfastConfig config, List<Sent> sent, FakeSparkPost fake) {
    MessageEvents events = null;
    for (MessageEventsFactory factory : ServiceLoader.load(MessageEventsFactory.class)) {
      Optional<MessageEvents> found = factory.create(config);
      if (found.isPresent()) {
        events = found.get();
        break;
      }
    }
    if (events == null) {
      throw new IllegalStateException("no MessageEventsFactory on the class path (steadfast-http is missing)");
    }
    int fakeBefore = fake.eventsRequests().size();
    long requests = 0;
    int foundCount = 0;
    long stopAt = System.nanoTime() + deadline.toNanos();
    long t0 = System.nanoTime();
    try (MessageEvents search = events) {
      for (Sent s : sent) {
        IdempotencyKey key = s.receipt().idempotencyKey();
        MessageEvents.Result result = search.search(
            List.of(MessageEvents.Lookup.of(s.message(), key, s.receipt().acceptedAt())), Instant.now());
        requests += result.requests();
        if (result instanceof MessageEvents.Found found && found.events().get(key) != null
            && found.events().get(key).type() == MessageEvents.EventType.INJECTION) {
          foundCount++;
        }
        if (System.nanoTime() > stopAt) {
          throw new IllegalStateException("naive baseline did not finish within " + deadline);
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Naive(sent.size(), seconds, requests, fake.eventsRequests().size() - fakeBefore, foundCount);
  }

  private Outage outage(int n) throws Exception {
    try (FakeSparkPost fake = FakeSparkPost.start(API_KEY)) {
      fake.alwaysRespond(FakeResponse.acceptedThenDropped());
      fake.eventLag(eventLag);
      fake.alwaysRespondToEvents(FakeResponse.serverError(503));
      Recorder recorder = new Recorder(n);
      SteadfastConfig config = config(fake, Files.createTempDirectory(temp, "outage-" + n + "-"), recorder);
      try (EmailClient client = EmailClient.create(config)) {
        long t0 = System.nanoTime();
        List<Sent> sent = submit(client, n, "outage");
        // Every entry reconciling, and every one deferred by a failed search (its next look at least the
        // minimum backoff after its lost answer), so that none is mid-search when the events recover.
        waitFor(() -> recorder.reconciling.size() == n
                && recorder.count(DeliveryListener.EventsSearchOutcome.UNAVAILABLE) >= 1
                && lookupsIn(recorder, DeliveryListener.EventsSearchOutcome.UNAVAILABLE) >= n
                && allBackedOff(client, n),
            "outage: every entry reconciling and deferred by a failed search", () -> describe(recorder, n));
        double untilAllReconciling = (System.nanoTime() - t0) / 1e9;
        long failed = recorder.count(DeliveryListener.EventsSearchOutcome.UNAVAILABLE);
        int searchesBefore = recorder.searches().size();
        int requestsBefore = fake.eventsRequests().size();
        List<SpoolEntry> waiting = client.spoolOperations().list(SpoolState.RECONCILING, n + 1);
        Instant recoveredAt = Instant.now();
        long recovered = System.nanoTime();
        fake.resumeEvents();
        Instant lastDue = waiting.stream().map(SpoolEntry::nextAttemptAt).max(Instant::compareTo).orElse(recoveredAt);
        Instant firstDue = waiting.stream().map(SpoolEntry::nextAttemptAt).min(Instant::compareTo).orElse(recoveredAt);
        log("outage N=%d: recovered after %d failed searches (%d requests); %d entries due again in %.2f to %.2f s", n,
            failed, requestsBefore, waiting.size(), seconds(recoveredAt, firstDue), seconds(recoveredAt, lastDue));
        await(recorder.allDelivered, "outage: every entry delivered after recovery", () -> describe(recorder, n));
        double recoveryToAll = (System.nanoTime() - recovered) / 1e9;
        List<RecordedEventsRequest> requests = fake.eventsRequests();
        // The first request the fake answered normally after recovery, on the fake's (system) clock.
        Instant firstAnswer = requests.stream().skip(requestsBefore).filter(r -> !r.scripted())
            .map(RecordedEventsRequest::receivedAt).findFirst().orElse(recoveredAt);
        // Backoff ceiling of the last failed search: 5 s << min(failures in a row, 10), at most 1 minute
        // (Reconciler.backoff); the wait is drawn between 5 s and it.
        double ceiling = Math.min(60, 5.0 * (1L << Math.min(Math.min(failed, 16), 10)));
        List<Search> all = recorder.searches();
        List<Search> after = all.subList(searchesBefore, all.size());
        List<RecordedEventsRequest> answered = requests.stream().skip(requestsBefore).filter(r -> !r.scripted())
            .toList();
        return new Outage(n, untilAllReconciling, failed, requestsBefore, seconds(recoveredAt, firstAnswer),
            seconds(recoveredAt, firstDue), seconds(recoveredAt, lastDue), recoveryToAll, after.size(),
            requests.size() - requestsBefore, after.stream().mapToInt(Search::lookups).max().orElse(0),
            after.stream().mapToInt(Search::requests).max().orElse(0),
            answered.stream().mapToInt(r -> r.list("recipients").size()).max().orElse(0),
            answered.stream().mapToInt(RecordedEventsRequest::uriLength).max().orElse(0),
            searchingSeconds(all, requests, searchesBefore, recoveredAt), ceiling,
            checks(recorder, fake, sent));
      }
    }
  }

  /**
   * Seconds spent inside the searches from index {@code from} on: from each search's first request (the
   * fake records arrivals on the system clock) or {@code notBefore}, whichever is later, to its end. The
   * reconciler searches on one thread, so the fake's requests are the searches' requests in order. They
   * are matched from the newest back: a search cut short by the events outage may have counted a request
   * the fake never answered (or the reverse), and only the older searches' alignment would suffer.
   */
  private static double searchingSeconds(List<Search> searches, List<RecordedEventsRequest> requests, int from,
      Instant notBefore) {
    int end = requests.size();
    double sum = 0;
    for (int i = searches.size() - 1; i >= from && end > 0; i--) {
      Search search = searches.get(i);
      if (search.requests() == 0) {
        continue;
      }
      int first = Math.max(0, end - search.requests());
      Instant start = requests.get(first).receivedAt();
      sum += seconds(start.isBefore(notBefore) ? notBefore : start, search.endedAt());
      end = first;
    }
    return sum;
  }

  private static long lookupsIn(Recorder recorder, DeliveryListener.EventsSearchOutcome outcome) {
    return recorder.searches().stream().filter(s -> s.outcome() == outcome).mapToLong(Search::lookups).sum();
  }

  /** Whether every reconciling entry waits for a backoff (next look at least 5 s after its lost answer). */
  private static boolean allBackedOff(EmailClient client, int n) {
    List<SpoolEntry> entries = client.spoolOperations().list(SpoolState.RECONCILING, n + 1);
    return entries.size() == n && entries.stream().allMatch(e -> e.unknownSince() != null
        && !e.nextAttemptAt().isBefore(e.unknownSince().plus(MIN_BACKOFF)));
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }

  private static String describe(Recorder recorder, int n) {
    return fmt("%d of %d reconciling seen, %d delivered, %d searches (%d unavailable)", recorder.reconciling.size(), n,
        recorder.delivered.size(), recorder.searches().size(),
        recorder.count(DeliveryListener.EventsSearchOutcome.UNAVAILABLE));
  }

  private void await(CountDownLatch latch, String what, java.util.function.Supplier<String> state)
      throws InterruptedException {
    if (!latch.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(what + ": not within " + deadline + "; " + state.get());
    }
  }

  private void waitFor(BooleanSupplier done, String what, java.util.function.Supplier<String> state)
      throws InterruptedException {
    long stopAt = System.nanoTime() + deadline.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > stopAt) {
        throw new IllegalStateException(what + ": not within " + deadline + "; " + state.get());
      }
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private String markdown(List<Measured> results, String machine, double minutes) {
    StringBuilder md = new StringBuilder();
    md.append("# Reconcile benchmarks: settling lost answers from SparkPost's events\n\n");
    md.append("Generated by `io.steadfast.benchmarks.ReconcileBenchmark` (BenchmarkMain's `reconcile` part) in ")
        .append(fmt("%.1f", minutes)).append(" minutes. Numbers from one run; rerun on an idle machine before quoting "
            + "absolute figures. Request counts do not depend on the machine; times do.\n\n");
    md.append("```\n./mvnw -B -o -q -pl benchmarks package -DskipTests\n")
        .append("./mvnw -B -o -q dependency:build-classpath -pl benchmarks -Dmdep.outputFile=/tmp/cp "
            + "-Dmdep.includeScope=runtime\n")
        .append("java -Xms1g -Xmx1g -XX:+UseParallelGC -Dbench.parts=reconcile -Dbench.reconcileMessages=")
        .append(String.join(",", results.stream().map(m -> Integer.toString(m.batched().n())).toList()))
        .append(" \\\n  -cp benchmarks/target/classes:$(cat /tmp/cp) io.steadfast.benchmarks.BenchmarkMain docs "
            + "machine.txt\n```\n\n");

    md.append("## Method\n\n");
    md.append("- **Client**: a real `EmailClient`: REST route, SQLite spool in a scratch directory, ").append(workers)
        .append(" dispatcher workers, default retry policy, circuit breaker disabled (every answer is lost on purpose, "
            + "and an open circuit would only delay the sends), `ReconcilePolicy.DEFAULT` with a settle delay of ")
        .append(settle.toMillis()).append(" ms and a recheck delay of ").append(recheck.toMillis())
        .append(" ms, on the real clock. Its Events API client is the one `ServiceLoader` finds "
            + "(`EventsClient`, default in-call retries and retry budget).\n");
    md.append("- **SparkPost**: `FakeSparkPost` (test-support, WireMock) on 127.0.0.1. Every transmission is "
        + "`acceptedThenDropped()`: recorded, with its `injection` event, then the connection is reset, so the "
        + "client sees UNKNOWN and the entry becomes RECONCILING. Event lag ").append(eventLag.toMillis())
        .append(" ms. Each message goes to its own recipient (`rcpt-NNNNNN@example.com`), so no query can cover "
            + "two entries by one address.\n");
    md.append("- **Batched**: submit N messages, wait until every entry is delivered (confirmed from events). "
        + "Requests are counted twice: by the fake (`eventsRequests()`) and by the listener "
        + "(`eventsSearched(lookups, requests, outcome)`). The time runs from the first submit to the last "
        + "delivery, so it includes sending N messages and the settle delay; the time inside searches is the sum, "
        + "over searches, of first request (as the fake recorded it) to the listener's `eventsSearched`, the "
        + "figure compared with the naive baseline.\n");
    md.append("- **Events outage**: the same with the events endpoint answering `503` "
        + "(`alwaysRespondToEvents(serverError(503))`) until every entry is RECONCILING, at least one search "
        + "failed and every entry has been deferred by the backoff of a failed search at least once; then "
        + "`resumeEvents()`. Measured from recovery: until the last entry is due again (its `nextAttemptAt`, read "
        + "from the spool at recovery: the backoff left), to the first request the fake answers normally, and to "
        + "the last delivery. An entry already due at "
        + "recovery belongs to a batch whose backoff had passed and whose next search was under way.\n");
    md.append("- **Naive baseline**: after the batched part, on the same fake (its events still there), an Events "
        + "API client from `ServiceLoader.load(MessageEventsFactory.class)` with the same configuration calls "
        + "`search(List.of(lookup), now)` once per entry, in order, on one thread.\n");
    md.append("- **Checks**: every key was transmitted exactly once (`transmissionCountFor(key) == 1`), "
        + "`duplicateCount() == 0`, every entry delivered with `confirmedFromEvents`, nothing dead-lettered.\n\n");

    md.append("## Results\n\n");
    StringBuilder header = new StringBuilder("| measure |");
    StringBuilder rule = new StringBuilder("|---|");
    for (Measured m : results) {
      header.append(fmt(" N = %,d |", m.batched().n()));
      rule.append("---:|");
    }
    md.append(header).append('\n').append(rule).append('\n');
    row(md, results, "**batched**: events requests (fake / listener)",
        m -> fmt("%d / %d", m.batched().fakeRequests(), m.batched().listenerRequests()));
    row(md, results, "batched: **requests per 1,000 entries**",
        m -> fmt("**%.1f**", perThousand(m.batched().fakeRequests(), m.batched().n())));
    row(md, results, "batched: searches; lookups per search (mean / max)",
        m -> fmt("%d; %.1f / %d", m.batched().searches(), m.batched().meanLookups(), m.batched().maxLookups()));
    row(md, results, "batched: most requests in one search; most recipients in one request; longest URI",
        m -> fmt("%d; %d; %,d chars", m.batched().maxRequestsPerSearch(), m.batched().maxRecipientsPerRequest(),
            m.batched().maxUriChars()));
    row(md, results, "batched: first submit to all delivered", m -> fmt("%.2f s", m.batched().seconds()));
    row(md, results, "batched: time inside searches (sum)", m -> fmt("%.2f s", m.batched().searchingSeconds()));
    row(md, results, "batched: checks", m -> check(m.batched().checks(), m.batched().n()));
    row(md, results, "**naive**: events requests (fake / results)",
        m -> fmt("%d / %d", m.naive().fakeRequests(), m.naive().requests()));
    row(md, results, "naive: **requests per 1,000 entries**",
        m -> fmt("**%.1f**", perThousand(m.naive().fakeRequests(), m.naive().n())));
    row(md, results, "naive: wall time (all N searches); found",
        m -> fmt("%.2f s (%.2f ms each); %d", m.naive().seconds(), 1e3 * m.naive().seconds() / m.naive().n(),
            m.naive().found()));
    row(md, results, "**outage**: submit to all reconciling (and a search failed)",
        m -> fmt("%.2f s", m.outage().untilAllReconcilingSeconds()));
    row(md, results, "outage: failed searches; requests during the outage",
        m -> fmt("%d; %d", m.outage().failedSearches(), m.outage().requestsDuringOutage()));
    row(md, results, "outage: entries due again after recovery (the backoff left)",
        m -> fmt("%s to %.2f s (last backoff drawn from 5–%.0f s)", due(m.outage().recoveryToFirstDueSeconds()),
            m.outage().recoveryToLastDueSeconds(), m.outage().lastBackoffCeilingSeconds()));
    row(md, results, "outage: recovery to first answered request",
        m -> fmt("%.2f s", m.outage().recoveryToFirstAnswerSeconds()));
    row(md, results, "outage: last entry due to all delivered",
        m -> fmt("%.2f s", m.outage().lastDueToAllSeconds()));
    row(md, results, "outage: time inside searches after recovery (sum)",
        m -> fmt("%.2f s", m.outage().searchingSeconds()));
    row(md, results, "outage: **recovery to all reconciled**", m -> fmt("**%.2f s**", m.outage().recoveryToAllSeconds()));
    row(md, results, "outage: searches; requests after recovery",
        m -> fmt("%d; %d", m.outage().searchesAfterRecovery(), m.outage().requestsAfterRecovery()));
    row(md, results, "outage after recovery: most lookups in one search; most requests in one search",
        m -> fmt("%d; %d", m.outage().maxLookupsAfterRecovery(), m.outage().maxRequestsPerSearchAfterRecovery()));
    row(md, results, "outage after recovery: most recipients in one request; longest URI",
        m -> fmt("%d; %,d chars", m.outage().maxRecipientsPerRequest(), m.outage().maxUriChars()));
    row(md, results, "outage: checks", m -> check(m.outage().checks(), m.outage().n()));
    row(md, results, "**ratio** requests, batched / naive",
        m -> fmt("**%.4f×**", m.batched().fakeRequests() / (double) m.naive().fakeRequests()));
    row(md, results, "ratio requests after recovery / naive",
        m -> fmt("%.4f×", m.outage().requestsAfterRecovery() / (double) m.naive().fakeRequests()));
    row(md, results, "**ratio** wall time inside searches, batched / naive",
        m -> fmt("**%.3f×**", m.batched().searchingSeconds() / m.naive().seconds()));
    row(md, results, "ratio wall time inside searches after recovery / naive",
        m -> fmt("%.3f×", m.outage().searchingSeconds() / m.naive().seconds()));
    row(md, results, "ratio wall time, recovery to all (backoff included) / naive",
        m -> fmt("%.3f×", m.outage().recoveryToAllSeconds() / m.naive().seconds()));
    row(md, results, "ratio wall time, batched first submit to all delivered / naive",
        m -> fmt("%.3f×", m.batched().seconds() / m.naive().seconds()));

    md.append(observations(results));
    md.append("\n## Machine\n\n```\n").append(machine.strip()).append("\n```\n");
    return md.toString();
  }

  private String observations(List<Measured> results) {
    Measured m = results.get(results.size() - 1);
    Batched b = m.batched();
    Outage o = m.outage();
    StringBuilder md = new StringBuilder("\n## Observations\n\n");
    md.append(fmt("- **Batching depends on how many entries are due together.** In the batched part the sends "
        + "spread the lost answers over %.1f s and the reconciler searches as soon as entries are due, so a search "
        + "held %.1f lookups on average (at most %d): %d searches for %,d entries. Each search is still one request "
        + "per group of recipients that fits a URI (at most %d recipients, %,d characters here, under the 4,096 "
        + "limit less 512 for the cursor), so the count of requests is set by how many searches run, not by N.\n",
        b.seconds(), b.meanLookups(), b.maxLookups(), b.searches(), b.n(), b.maxRecipientsPerRequest(),
        b.maxUriChars()));
    md.append(fmt("- **After an outage the entries are due in a few large batches**, which is where batching pays: "
        + "%d searches and %d requests settled %,d entries after recovery (a pass claims at most 500 entries and "
        + "makes one search; the largest here held %d lookups in %d requests of at most %d recipients and %,d "
        + "characters), against %d requests one lookup at a time. The batches are those of the failed searches: "
        + "each failed search paused the reconciler and deferred its entries to the end of the pause.\n", o.searchesAfterRecovery(),
        o.requestsAfterRecovery(), o.n(), o.maxLookupsAfterRecovery(), o.maxRequestsPerSearchAfterRecovery(),
        o.maxRecipientsPerRequest(), o.maxUriChars(), m.naive().fakeRequests()));
    md.append(fmt("- **Recovery time is mostly the backoff.** Of %.2f s from recovery to the last delivery, %.2f s "
        + "passed before the last entry was due again: after a failed search the reconciler pauses, and defers the "
        + "entries, by a full-jitter backoff of at least 5 s (ceiling 5 s << failures in a row, at most 1 min; %d "
        + "failed searches here, so the last wait was drawn from 5 to %.0f s); entries due meanwhile join the next "
        + "search, and nothing looks at the events until the pause ends. The searches after recovery took %.2f s together. A search that fails also spends its in-call retries "
        + "first (up to 4 tries per request, 1 s base, paid from a budget of 10 that refills one every 6 s), so "
        + "during the outage the fake saw %d requests.\n", o.recoveryToAllSeconds(), o.recoveryToLastDueSeconds(),
        o.failedSearches(), o.lastBackoffCeilingSeconds(), o.searchingSeconds(), o.requestsDuringOutage()));
    md.append("- **Pages.** With per_page 1,000 and one event per entry, no query needed a second page here "
        + "(requests with a cursor other than `initial`: ")
        .append(String.join(", ", results.stream().map(r -> Integer.toString(r.batched().pageRequests())).toList()))
        .append("). The fake scans every recorded event per request, so its own cost grows with N; SparkPost's "
            + "does not in the same way, and the request count is the figure that carries over.\n");
    boolean clean = results.stream().allMatch(r -> r.batched().checks().clean(r.batched().n())
        && r.outage().checks().clean(r.outage().n()));
    md.append(clean
        ? "- **No duplicate, nothing lost**: in every part every key was transmitted once and every entry was "
            + "delivered as confirmed from its `injection` event; none was re-sent or dead-lettered.\n"
        : "- **Checks failed**: see the checks rows above; a duplicate or a lost entry is a bug to report.\n");
    return md.toString();
  }

  /** A due time relative to recovery; negative means the entry was due (and being searched again) before it. */
  private static String due(double seconds) {
    return seconds < 0 ? fmt("already due (%.2f s before)", -seconds) : fmt("%.2f s", seconds);
  }

  private static String check(Checks checks, int n) {
    return checks.clean(n) ? fmt("0 duplicates, 0 lost (%d/%d confirmed)", checks.confirmedFromEvents(), n)
        : "**" + checks.summary(n) + "**";
  }

  private static void row(StringBuilder md, List<Measured> results, String label,
      java.util.function.Function<Measured, String> cell) {
    md.append("| ").append(label).append(" |");
    for (Measured m : results) {
      md.append(' ').append(cell.apply(m)).append(" |");
    }
    md.append('\n');
  }

  private static double perThousand(long requests, int n) {
    return 1000.0 * requests / n;
  }

  private static String fmt(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  private static void log(String pattern, Object... args) {
    System.err.println("[reconcile-bench] " + fmt(pattern, args));
  }
}
