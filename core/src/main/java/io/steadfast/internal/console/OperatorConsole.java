package io.steadfast.internal.console;

import io.steadfast.DeliveryResult;
import io.steadfast.SpoolOperations;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What operators see of and do to the running client's spool, for the starter's {@code steadfast}
 * actuator endpoint, its dashboard and {@code steadfast dispatch --ui-port} alike: one implementation,
 * so they always show the same data. The records are the JSON the dashboard's page reads; each adapter
 * serializes them with Jackson, component names as they are.
 *
 * <p>Entries are shown by key, age, attempts, last error and next attempt; never their content, and
 * the API key is nowhere in what the spool keeps. Thread-safe.
 */
public final class OperatorConsole {

  /** Where the dashboard's page, script and style are on the class path (in core's jar). */
  public static final String DASHBOARD_ASSETS = "META-INF/steadfast/dashboard/";

  /** How many entries of each list the overview shows. */
  public static final int OVERVIEW_ENTRIES = 20;

  /** The page size when none is asked for. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** The largest page. */
  public static final int MAX_PAGE_SIZE = 500;

  /**
   * How deep paging and requeue-by-reason reach into one state, oldest first: the spool lists from the
   * oldest entry, so a deeper page costs a longer read. The CLI's {@code steadfast spool} reaches further.
   */
  public static final int MAX_DEPTH = 10_000;

  /**
   * What the spool holds.
   *
   * @param store what holds the spool: {@code sqlite}, {@code postgresql} or {@code memory}
   * @param countByState entries per state, lower-case state names
   * @param bytes stored message bytes
   * @param oldestPendingAgeSeconds how long the oldest undelivered message has waited
   * @param maxEntries the spool's entry limit
   * @param maxBytes the spool's byte limit
   */
  public record SpoolSummary(String store, Map<String, Long> countByState, long bytes, long oldestPendingAgeSeconds,
      long maxEntries, long maxBytes) {}

  /**
   * One route's circuit breaker.
   *
   * @param route the route's name
   * @param state {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN} or {@code DISABLED}
   * @param since when it entered that state (ISO-8601), or {@code null} if unknown
   */
  public record Circuit(String route, String state, @Nullable String since) {}

  /**
   * One spooled message, without its content.
   *
   * @param id the spool's id, for requeue
   * @param key the idempotency key
   * @param state lower-case state name
   * @param createdAt when it was submitted (ISO-8601)
   * @param ageSeconds how long ago that was
   * @param attempts delivery attempts started
   * @param reason for a dead letter, why: {@code REJECTED}, {@code EXPIRED}, {@code UNREADABLE} or
   *     {@code OUTCOME_UNKNOWN}; otherwise {@code null}
   * @param lastError the last failure or dead-letter reason, or {@code null} if none
   * @param nextAttemptAt when the next attempt (or events search) is due; for a dead letter, when it died
   * @param deliverBy when it expires
   */
  public record Entry(long id, String key, String state, String createdAt, long ageSeconds, int attempts,
      @Nullable String reason, @Nullable String lastError, String nextAttemptAt, String deliverBy) {}

  /**
   * One page of the entries in one state, oldest first.
   *
   * @param state lower-case state name
   * @param page the page number, from 0
   * @param size the page size
   * @param total how many entries are in that state
   * @param entries the page's entries
   */
  public record Page(String state, int page, int size, long total, List<Entry> entries) {}

  /**
   * The chart's samples.
   *
   * @param intervalSeconds seconds between samples
   * @param samples oldest first
   */
  public record History(double intervalSeconds, List<ConsoleHistory.Sample> samples) {}

  /**
   * Everything the dashboard shows at once.
   *
   * @param running whether a client is running
   * @param now the server's time (ISO-8601), against which ages are measured
   * @param spool what the spool holds, or {@code null} without one
   * @param circuits each route's circuit, in failover order
   * @param reconciling the oldest entries whose lost answer waits for SparkPost's events
   * @param deadLetters the oldest dead letters
   * @param pending the oldest entries waiting for delivery
   * @param deliveredByThisProcess deliveries since start, or -1 without the dashboard's history
   * @param history the last hour's samples, empty without the dashboard's history
   */
  public record Overview(boolean running, String now, @Nullable SpoolSummary spool, List<Circuit> circuits,
      List<Entry> reconciling, List<Entry> deadLetters, List<Entry> pending, long deliveredByThisProcess,
      History history) {}

  /**
   * What an action did.
   *
   * @param action {@code requeue} or {@code flush}
   * @param count how many entries it changed
   * @param detail what happened, for people
   */
  public record ActionResult(String action, int count, String detail) {}

  private final ConsoleSource state;
  private final @Nullable ConsoleHistory history;

  /** Creates a console over {@code state}, with the chart's {@code history} or {@code null} for none. */
  public OperatorConsole(ConsoleSource state, @Nullable ConsoleHistory history) {
    this.state = state;
    this.history = history;
  }

  /** Returns the spool summary, the circuits and the oldest entries of the lists operators act on. */
  public Overview overview() {
    Instant now = state.now();
    CircuitBoard board = state.circuits();
    List<Circuit> circuits = board.states().entrySet().stream()
        .map(e -> {
          Instant since = board.since(e.getKey());
          return new Circuit(e.getKey(), e.getValue().name(), since == null ? null : since.toString());
        })
        .toList();
    History chart = history == null ? new History(0, List.of())
        : new History(history.interval().toMillis() / 1000.0, history.samples());
    long delivered = history == null ? -1 : history.deliveredTotal();
    ConsoleSource.SpoolView view = state.spool().orElse(null);
    if (view == null) {
      return new Overview(state.running(), now.toString(), null, circuits, List.of(), List.of(), List.of(), delivered,
          chart);
    }
    SpoolStats stats = view.operations().stats();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (SpoolState s : SpoolState.values()) {
      counts.put(name(s), stats.count(s));
    }
    SpoolSummary summary = new SpoolSummary(view.store(), counts, stats.bytes(), stats.oldestPendingAge().toSeconds(),
        view.maxEntries(), view.maxBytes());
    SpoolOperations operations = view.operations();
    return new Overview(state.running(), now.toString(), summary, circuits,
        entries(operations.list(SpoolState.RECONCILING, OVERVIEW_ENTRIES), now),
        entries(operations.list(SpoolState.DEAD, OVERVIEW_ENTRIES), now),
        entries(operations.list(SpoolState.PENDING, OVERVIEW_ENTRIES), now), delivered, chart);
  }

  /**
   * Returns page {@code page} of the entries in {@code stateName}, oldest first.
   *
   * @param stateName {@code pending}, {@code in_flight}, {@code reconciling}, {@code delivered} or {@code dead}
   * @param page the page, from 0; {@code null} for the first
   * @param size entries per page, 1 to {@value #MAX_PAGE_SIZE}; {@code null} for {@value #DEFAULT_PAGE_SIZE}
   * @throws IllegalArgumentException if the state is unknown or the page is out of range
   * @throws IllegalStateException if the client has no spool
   */
  public Page entries(String stateName, @Nullable Integer page, @Nullable Integer size) {
    SpoolState spoolState = parseState(stateName);
    int p = page == null ? 0 : page;
    int n = size == null ? DEFAULT_PAGE_SIZE : size;
    if (p < 0) {
      throw new IllegalArgumentException("page must be >= 0 but was " + p);
    }
    if (n < 1 || n > MAX_PAGE_SIZE) {
      throw new IllegalArgumentException("size must be between 1 and " + MAX_PAGE_SIZE + " but was " + n);
    }
    long depth = (long) (p + 1) * n;
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("page " + p + " of size " + n + " reaches past the oldest " + MAX_DEPTH
          + " entries, the deepest this view reads; use a smaller page, or the CLI's 'steadfast spool list'");
    }
    SpoolOperations operations = operations();
    Instant now = state.now();
    List<SpoolEntry> upTo = operations.list(spoolState, (int) depth);
    List<Entry> slice = entries(upTo.subList(Math.min(upTo.size(), p * n), upTo.size()), now);
    return new Page(name(spoolState), p, n, operations.stats().count(spoolState), slice);
  }

  /**
   * Returns dead letter {@code spoolId} to the queue, due now, with a fresh deliver-by deadline.
   *
   * @throws IllegalStateException if the client has no spool
   */
  public ActionResult requeue(long spoolId) {
    boolean requeued = operations().requeue(spoolId);
    state.spoolChanged();
    return new ActionResult("requeue", requeued ? 1 : 0, requeued
        ? "dead letter " + spoolId + " is queued again, due now"
        : "entry " + spoolId + " is not a dead letter (it may be queued already, or purged); nothing changed");
  }

  /**
   * Runs the dashboard's requeue request: {@code {"id": 42}} requeues one dead letter, {@code {"reason":
   * "EXPIRED"}} every dead letter of that reason.
   *
   * @param body the request's JSON object
   * @throws IllegalArgumentException if it holds neither or both, or a value of the wrong type
   * @throws IllegalStateException if the client has no spool
   */
  public ActionResult requeue(Map<String, ?> body) {
    Object id = body.get("id");
    Object reason = body.get("reason");
    if (id instanceof Number number && reason == null) {
      return requeue(number.longValue());
    }
    if (reason instanceof String text && id == null) {
      return requeueAll(text);
    }
    throw new IllegalArgumentException("requeue takes either \"id\" (one dead letter's spool id, a number) or "
        + "\"reason\" (REJECTED, EXPIRED, UNREADABLE or OUTCOME_UNKNOWN: all dead letters of that reason)");
  }

  /**
   * Returns every dead letter that died for {@code reason} to the queue (the oldest {@value #MAX_DEPTH}
   * dead letters are looked at).
   *
   * @param reason {@code REJECTED}, {@code EXPIRED}, {@code UNREADABLE} or {@code OUTCOME_UNKNOWN}, any case
   * @throws IllegalArgumentException if the reason is unknown
   * @throws IllegalStateException if the client has no spool
   */
  public ActionResult requeueAll(String reason) {
    DeliveryResult.Reason wanted = parseReason(reason);
    SpoolOperations operations = operations();
    int requeued = 0;
    for (SpoolEntry entry : operations.list(SpoolState.DEAD, MAX_DEPTH)) {
      if (wanted.name().equals(reasonOf(entry)) && operations.requeue(entry.id())) {
        requeued++;
      }
    }
    state.spoolChanged();
    return new ActionResult("requeue", requeued, requeued + " dead letters with reason " + wanted + " are queued again");
  }

  /**
   * Makes every pending entry due now ({@link SpoolOperations#flush()}).
   *
   * @throws IllegalStateException if the client has no spool
   */
  public ActionResult flush() {
    int flushed = operations().flush();
    state.spoolChanged();
    return new ActionResult("flush", flushed, flushed + " pending messages are due now");
  }

  private SpoolOperations operations() {
    return state.spool().map(ConsoleSource.SpoolView::operations).orElseThrow(() -> new IllegalStateException(
        state.running()
            ? "Steadfast runs without a spool, so there is no queue to show or change; " + state.howToAddSpool()
            : "Steadfast's client is not running (the application is starting or stopping); try again shortly"));
  }

  private static List<Entry> entries(List<SpoolEntry> entries, Instant now) {
    return entries.stream().map(e -> entry(e, now)).toList();
  }

  private static Entry entry(SpoolEntry e, Instant now) {
    long age = Math.max(0, Duration.between(e.createdAt(), now).toSeconds());
    return new Entry(e.id(), e.idempotencyKey().value(), name(e.state()), e.createdAt().toString(), age, e.attempts(),
        e.state() == SpoolState.DEAD ? reasonOf(e) : null, e.lastError(), e.nextAttemptAt().toString(),
        e.deliverBy().toString());
  }

  /** Reads the reason the dispatcher writes before the colon of a dead letter's error ("EXPIRED: ..."). */
  private static @Nullable String reasonOf(SpoolEntry entry) {
    String error = entry.lastError();
    if (error == null) {
      return null;
    }
    int colon = error.indexOf(':');
    String head = colon < 0 ? error : error.substring(0, colon);
    return Arrays.stream(DeliveryResult.Reason.values()).map(Enum::name).filter(head::equals).findFirst()
        .orElse(null);
  }

  private static String name(SpoolState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  private static SpoolState parseState(String name) {
    for (SpoolState s : SpoolState.values()) {
      if (s.name().equalsIgnoreCase(name.replace('-', '_'))) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown spool state '" + name + "'; use one of "
        + Arrays.stream(SpoolState.values()).map(OperatorConsole::name).collect(Collectors.joining(", ")));
  }

  private static DeliveryResult.Reason parseReason(String reason) {
    for (DeliveryResult.Reason r : DeliveryResult.Reason.values()) {
      if (r.name().equalsIgnoreCase(reason.replace('-', '_'))) {
        return r;
      }
    }
    throw new IllegalArgumentException("Unknown dead-letter reason '" + reason + "'; use one of "
        + Arrays.stream(DeliveryResult.Reason.values()).map(Enum::name).collect(Collectors.joining(", ")));
  }
}
