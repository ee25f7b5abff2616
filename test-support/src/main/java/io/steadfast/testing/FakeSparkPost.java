package io.steadfast.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.Notifier;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A local stand-in for SparkPost's Transmissions API, built on WireMock, for tests that send email
 * over HTTP.
 *
 * <p>By default it behaves like {@code POST /api/v1/transmissions}: it checks the API key, the
 * content type and the JSON body as SparkPost documents them, answers with SparkPost's response
 * shapes, and records each accepted transmission. Scripted answers ({@link #enqueue}, {@link
 * #alwaysRespond}) simulate outages: server errors, rate limits, slow answers and broken
 * connections.
 *
 * <pre>{@code
 * try (FakeSparkPost sparkPost = FakeSparkPost.start("test-key")) {
 *   sparkPost.enqueue(FakeResponse.serverError(503));
 *   // Point the client under test at sparkPost.baseUrl() and send one message: it retries the
 *   // 503, so SparkPost sees two requests and accepts one transmission.
 *   assertThat(sparkPost.requests()).hasSize(2);
 *   assertThat(sparkPost.transmissions()).singleElement()
 *       .satisfies(t -> assertThat(t.at("/content/subject")).isEqualTo("Hello"));
 * }
 * }</pre>
 *
 * <p>Beyond single answers, {@link #faults(FaultPlan)} answers with a seeded, weighted mix of
 * faults, and {@link #play(OutageScenario)} runs an outage in phases, such as {@link
 * OutageScenario#outage2019}.
 *
 * <p><b>Idempotency keys.</b> Like real SparkPost, the fake does not deduplicate by default: a
 * second transmission with a key it already accepted is recorded again, and also counted as a
 * duplicate ({@link #duplicateCount()}, {@link #duplicateKeys()}). With {@link
 * #deduplicateByKey(boolean) deduplicateByKey(true)} it behaves as a deduplicating server would: it
 * answers {@code 200} with the first transmission's id, counts the duplicate, and records no new
 * transmission.
 *
 * <p><b>Events API.</b> The fake also serves {@code GET /api/v1/events/message} as SparkPost's
 * Events API documents it (parameters {@code from}, {@code to}, {@code events}, {@code recipients},
 * {@code campaigns}, {@code templates}, {@code transmissions}, {@code subaccounts}, {@code
 * per_page} and {@code cursor}; {@code links.next} paging; 400 for a malformed parameter, 414 for a
 * URI over 4096 characters), so a client can reconcile an UNKNOWN outcome. Each accepted
 * transmission produces one {@link MessageEvent} per recipient: an {@code injection}, or a {@code
 * policy_rejection} for a {@linkplain #suppress suppressed} address, or the {@linkplain
 * #failGeneration generation failure} the test asked for. Events become visible after a {@linkplain
 * #eventLag lag} measured on the fake's {@linkplain #clock(Clock) clock}, or never ({@link
 * #loseEventsFor}). The events endpoint has its own fault script ({@link #enqueueEvents}, {@link
 * #alwaysRespondToEvents}, {@link #eventsFaults}), independent of the transmissions faults, and
 * its own recording ({@link #eventsRequests()}).
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * sparkPost.clock(clock);
 * sparkPost.eventLag(Duration.ofSeconds(30));
 * sparkPost.enqueue(FakeResponse.acceptedThenDropped());
 * // send: the client sees UNKNOWN; a search now finds nothing, one after 30 s the injection
 * clock.advance(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Instances are thread-safe: clients may send from many threads while the test scripts and
 * inspects. Every response with a status carries a fresh {@code X-SparkPost-Request-Id}.
 */
public final class FakeSparkPost implements AutoCloseable {

  static final String REQUEST_ID_HEADER = "X-SparkPost-Request-Id";

  /**
   * The {@code reason} of the {@code policy_rejection} event of a {@linkplain #suppress suppressed}
   * recipient, as SparkPost words it.
   */
  public static final String SUPPRESSED_REASON =
      "550 5.7.1 Recipient address was suppressed due to customer policy";

  /** Jetty's default of 8 KB would answer long search URIs itself; the fake answers 414 instead. */
  private static final int MAX_REQUEST_HEADER_BYTES = 64 * 1024;

  private static final String SUBACCOUNT_HEADER = "X-MSYS-SUBACCOUNT";

  /** Enough for a test that sends from many threads; fewer threads start faster. */
  private static final int CONTAINER_THREADS = 20;

  /** Threads that finish delayed answers, so waiting does not hold a request thread. */
  private static final int DELAY_THREADS = 4;

  private static final String JSON = "application/json";

  /** Transmission ids look like SparkPost's, e.g. 11668787484950529: 17 digits. */
  private static final long FIRST_ID_MIN = 10_000_000_000_000_000L;

  private static final long FIRST_ID_MAX = 90_000_000_000_000_000L;

  private final TransmissionsEndpoint endpoint;
  private final EventsEndpoint eventsEndpoint;
  private final WireMockServer server;
  private final URI baseUrl;

  /** Guarded by {@code this}. */
  private final Deque<FakeResponse> script = new ArrayDeque<>();

  /** The standing override, or {@code null}. Guarded by {@code this}. */
  private FakeResponse standing;

  /** The scenario playing, or {@code null}. Guarded by {@code this}. */
  private ScenarioRun playing;

  /** Whether a repeated key is answered with the first id instead of recorded. Guarded by {@code this}. */
  private boolean deduplicate;

  /** The id of the first accepted transmission of each key, in order. Guarded by {@code this}. */
  private final Map<String, String> firstIdByKey = new LinkedHashMap<>();

  /** How many times each key was sent again after its first acceptance. Guarded by {@code this}. */
  private final Map<String, Integer> duplicates = new LinkedHashMap<>();

  /** How many requests each scenario phase answered. Guarded by {@code this}. */
  private final Map<String, Integer> requestsByPhase = new LinkedHashMap<>();

  /** Guarded by {@code this}. */
  private final List<RecordedTransmission> transmissions = new ArrayList<>();

  /** Guarded by {@code this}. */
  private final List<RecordedRequest> requests = new ArrayList<>();

  /**
   * The next transmission id. A random start keeps ids distinct across fakes, so a test with one
   * fake per region notices a receipt from the wrong one. Guarded by {@code this}.
   */
  private long nextId;

  /** Measures arrivals, event times and event visibility. Guarded by {@code this}. */
  private Clock clock = Clock.systemUTC();

  /** How long after acceptance an event becomes visible. Guarded by {@code this}. */
  private Duration eventLag = Duration.ZERO;

  /** Every event produced, in order. Guarded by {@code this}. */
  private final List<MessageEvent> events = new ArrayList<>();

  /** Guarded by {@code this}. */
  private final List<RecordedEventsRequest> eventsRequests = new ArrayList<>();

  /** Lower-cased suppressed addresses. Guarded by {@code this}. */
  private final Set<String> suppressed = new HashSet<>();

  /** The members of stored recipient lists by list id. Guarded by {@code this}. */
  private final Map<String, List<String>> storedLists = new HashMap<>();

  /** Keys whose events never become visible. Guarded by {@code this}. */
  private final Set<String> lostKeys = new HashSet<>();

  /** The event type and reason that replace injection for a key. Guarded by {@code this}. */
  private final Map<String, List<String>> generationOutcomes = new HashMap<>();

  /** Guarded by {@code this}. */
  private final Deque<FakeResponse> eventsScript = new ArrayDeque<>();

  /** The standing events override, or {@code null}. Guarded by {@code this}. */
  private FakeResponse eventsStanding;

  /** The events fault plan playing, or {@code null}. Guarded by {@code this}. */
  private ScenarioRun eventsPlaying;

  /** The next event id, 17 digits like SparkPost's. Guarded by {@code this}. */
  private long nextEventId;

  /** The next message id, printed as 20 hex digits. Guarded by {@code this}. */
  private long nextMessageId;

  /** The first exception thrown while answering, rethrown by close(). Guarded by {@code this}. */
  private RuntimeException failure;

  private FakeSparkPost(String apiKey) {
    this.endpoint = new TransmissionsEndpoint(apiKey);
    this.eventsEndpoint = new EventsEndpoint(apiKey);
    this.nextId = ThreadLocalRandom.current().nextLong(FIRST_ID_MIN, FIRST_ID_MAX);
    this.nextEventId = ThreadLocalRandom.current().nextLong(FIRST_ID_MIN, FIRST_ID_MAX);
    this.nextMessageId = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 56);
    this.server =
        new WireMockServer(
            WireMockConfiguration.options()
                .dynamicPort()
                .bindAddress("127.0.0.1")
                .containerThreads(CONTAINER_THREADS)
                .asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(DELAY_THREADS)
                .disableRequestJournal()
                .gzipDisabled(true)
                .jettyHeaderRequestSize(MAX_REQUEST_HEADER_BYTES)
                .notifier(new QuietNotifier())
                .extensions(new Answerer(this::answer)));
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("FakeSparkPost could not start WireMock on 127.0.0.1", e);
    }
    // One catch-all stub; the Answerer replaces its response for every request.
    server.stubFor(any(anyUrl()).willReturn(aResponse()));
    this.baseUrl = URI.create("http://127.0.0.1:" + server.port());
  }

  /**
   * Starts a fake on a free port of 127.0.0.1 that accepts any non-blank API key.
   *
   * @return the running fake; close it when the test ends
   * @throws IllegalStateException if the server cannot start
   */
  public static FakeSparkPost start() {
    return new FakeSparkPost(null);
  }

  /**
   * Starts a fake on a free port of 127.0.0.1 that accepts only {@code apiKey} and answers any
   * other key with {@code 401}.
   *
   * @param apiKey the key to accept, as the whole {@code Authorization} value or as the user name
   *     of Basic authentication
   * @return the running fake; close it when the test ends
   * @throws IllegalArgumentException if {@code apiKey} is blank
   * @throws IllegalStateException if the server cannot start
   */
  public static FakeSparkPost start(String apiKey) {
    Objects.requireNonNull(apiKey, "apiKey");
    if (apiKey.isBlank()) {
      throw new IllegalArgumentException("apiKey must not be blank");
    }
    return new FakeSparkPost(apiKey);
  }

  /**
   * Returns the URL to configure as the client's SparkPost base URL, such as {@code
   * http://127.0.0.1:54321}; the client appends {@code /api/v1/transmissions}.
   *
   * @return the fake's scheme, host and port, with no path
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * Returns the transmissions accepted so far, in arrival order, as an unmodifiable snapshot.
   *
   * @return the accepted transmissions; later requests do not change this list
   */
  public synchronized List<RecordedTransmission> transmissions() {
    return List.copyOf(transmissions);
  }

  /**
   * Returns every request that reached the fake so far, accepted, refused or scripted, in arrival
   * order, as an unmodifiable snapshot; searches of the Events API are in {@link #eventsRequests()}
   * instead.
   *
   * @return every request so far; later requests do not change this list
   */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /**
   * Returns how many accepted transmissions carry {@code idempotencyKey}; more than one means
   * SparkPost would have delivered the message more than once.
   *
   * @param idempotencyKey the key to count, compared exactly
   * @return the number of accepted transmissions with that key, 0 if none
   * @see RecordedTransmission#idempotencyKey()
   */
  public synchronized int transmissionCountFor(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    int count = 0;
    for (RecordedTransmission transmission : transmissions) {
      if (idempotencyKey.equals(transmission.idempotencyKey())) {
        count++;
      }
    }
    return count;
  }

  /**
   * Turns deduplication by idempotency key on or off; it is off when the fake starts, as SparkPost
   * itself does not deduplicate.
   *
   * <p>When on, a transmission whose key the fake already accepted is answered {@code 200} with
   * the first transmission's id, counted in {@link #duplicateCount()} and recorded in {@link
   * #requests()}, but not in {@link #transmissions()}. When off, it is recorded as a new
   * transmission and also counted. Transmissions without a key are never duplicates.
   *
   * @param deduplicate whether to answer repeated keys with the first transmission
   */
  public synchronized void deduplicateByKey(boolean deduplicate) {
    this.deduplicate = deduplicate;
  }

  /**
   * Returns how many accepted transmissions repeated a key that was already accepted, over all
   * keys; 0 means every key was accepted at most once.
   *
   * @return the number of duplicates so far
   */
  public synchronized int duplicateCount() {
    int count = 0;
    for (int n : duplicates.values()) {
      count += n;
    }
    return count;
  }

  /**
   * Returns how many times {@code idempotencyKey} was accepted again after its first acceptance.
   *
   * @param idempotencyKey the key, compared exactly
   * @return the number of duplicates of that key, 0 if none
   */
  public synchronized int duplicatesFor(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return duplicates.getOrDefault(idempotencyKey, 0);
  }

  /**
   * Returns every idempotency key the fake accepted at least once, in order of first acceptance,
   * as an unmodifiable snapshot.
   *
   * @return the accepted keys
   */
  public synchronized Set<String> acceptedKeys() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(firstIdByKey.keySet()));
  }

  /**
   * Returns the idempotency keys that were accepted more than once, in order of first duplicate, as
   * an unmodifiable snapshot.
   *
   * @return the keys with at least one duplicate
   */
  public synchronized Set<String> duplicateKeys() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(duplicates.keySet()));
  }

  /**
   * Answers the next {@code count} requests with {@code response}, as {@link #enqueue(FakeResponse...)}
   * would with {@code count} copies; for example {@code enqueue(3,
   * FakeResponse.acceptedThenDropped())}.
   *
   * @param count how many requests to answer so, 0 or more
   * @param response the answer
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public synchronized void enqueue(int count, FakeResponse response) {
    Objects.requireNonNull(response, "response");
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0 but was " + count);
    }
    script.addAll(Collections.nCopies(count, response));
  }

  /**
   * Answers each request that has no queued answer with one drawn from {@code plan}, until {@link
   * #resume()} or {@link #reset()}; replaces any standing override or playing scenario.
   *
   * @param plan the weighted, seeded answers
   */
  public void faults(FaultPlan plan) {
    Objects.requireNonNull(plan, "plan");
    play(OutageScenario.builder().last("faults", plan));
  }

  /**
   * Starts {@code scenario}: its first phase begins now, on the scenario's clock, and each request
   * that has no queued answer is answered from the current phase's plan. Replaces any standing
   * override or playing scenario; {@link #resume()} or {@link #reset()} stops it.
   *
   * @param scenario the phases to play
   */
  public synchronized void play(OutageScenario scenario) {
    Objects.requireNonNull(scenario, "scenario");
    standing = null;
    playing = new ScenarioRun(scenario);
    requestsByPhase.clear();
  }

  /**
   * Returns the name of the phase the playing scenario is in now, moving to the next phase first
   * if the current one has ended.
   *
   * @return the phase name, or empty if no scenario is playing
   */
  public synchronized Optional<String> currentPhase() {
    if (playing == null) {
      return Optional.empty();
    }
    return Optional.of(playing.current().name());
  }

  /**
   * Returns how many requests each phase of the last scenario played answered, in phase order;
   * phases that answered none are absent.
   *
   * @return an unmodifiable snapshot from phase name to request count
   */
  public synchronized Map<String, Integer> requestsByPhase() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(requestsByPhase));
  }

  /**
   * Answers the next requests with {@code responses}, one each and in order, before normal
   * behaviour (or the {@link #alwaysRespond standing override}) resumes.
   *
   * <p>Calls add to the end of the queue. A scripted answer records the request in {@link
   * #requests()} but records no transmission, unless it is {@link FakeResponse#accepted()} or
   * {@link FakeResponse#acceptedAfter}.
   *
   * @param responses the answers for the next requests, first one first
   */
  public synchronized void enqueue(FakeResponse... responses) {
    // Check all before queueing any, so a null leaves the script as it was.
    List<FakeResponse> checked = List.of(Objects.requireNonNull(responses, "responses"));
    script.addAll(checked);
  }

  /**
   * Answers every request with {@code response} until {@link #resume()} or {@link #reset()}, for
   * example throughout a long outage; queued responses still go first. Stops a playing scenario.
   *
   * @param response the answer for every request, replacing any earlier standing override
   */
  public synchronized void alwaysRespond(FakeResponse response) {
    standing = Objects.requireNonNull(response, "response");
    playing = null;
  }

  /**
   * Clears the standing override, the playing scenario or fault plan, and any queued responses, so
   * the next request gets normal behaviour; recordings and the deduplication mode are kept, and the
   * Events API's faults are left to {@link #resumeEvents()}.
   */
  public synchronized void resume() {
    standing = null;
    playing = null;
    script.clear();
  }

  /**
   * Forgets recorded requests, transmissions, accepted keys and duplicates, events and searches,
   * and clears the scripts, standing overrides and playing scenarios of both endpoints;
   * deduplication is turned off, the event lag is zero again, and suppressions, stored lists, lost
   * keys and generation failures are forgotten. The clock stays.
   *
   * <p>Transmission ids keep counting, so an id is never handed out twice.
   */
  public synchronized void reset() {
    resume();
    resumeEvents();
    events.clear();
    eventsRequests.clear();
    suppressed.clear();
    storedLists.clear();
    lostKeys.clear();
    generationOutcomes.clear();
    eventLag = Duration.ZERO;
    transmissions.clear();
    requests.clear();
    firstIdByKey.clear();
    duplicates.clear();
    requestsByPhase.clear();
    deduplicate = false;
  }

  /**
   * Measures time on {@code clock} from now on: the arrival of requests, the timestamps of events,
   * when events become visible and the "now" of Events API searches (the default end of the
   * window). A test that moves a {@link FakeClock} so moves the event lag instead of sleeping.
   *
   * <p>If not set, the fake uses the system clock in UTC.
   *
   * @param clock the clock to use; pass the same one the client under test uses
   */
  public synchronized void clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Makes the events of messages accepted from now on visible to the Events API only {@code lag}
   * after acceptance, on the fake's {@linkplain #clock(Clock) clock}; events already recorded keep
   * their visibility time.
   *
   * <p>SparkPost says events are "generally available within 1 minute", without a guarantee. If not
   * set, the lag is zero: an event is visible as soon as its message is accepted.
   *
   * @param lag the delay between acceptance and visibility, zero or more
   * @throws IllegalArgumentException if {@code lag} is negative
   */
  public synchronized void eventLag(Duration lag) {
    Objects.requireNonNull(lag, "lag");
    if (lag.isNegative()) {
      throw new IllegalArgumentException("lag must not be negative but was " + lag);
    }
    this.eventLag = lag;
  }

  /**
   * Makes the events of every message carrying {@code idempotencyKey}, accepted before or after
   * this call, never visible to the Events API; {@link #events()} still lists them, with a null
   * {@link MessageEvent#visibleAt()}.
   *
   * <p>This is the case of events lagging longer than a client's settle delay: the message was
   * accepted, but a search cannot tell.
   *
   * @param idempotencyKey the key, compared exactly
   */
  public synchronized void loseEventsFor(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    lostKeys.add(idempotencyKey);
    events.replaceAll(
        event -> idempotencyKey.equals(event.idempotencyKey()) ? event.withVisibleAt(null) : event);
  }

  /**
   * Puts {@code addresses} on the suppression list: a message accepted for one of them afterwards
   * produces, for that recipient, a {@code policy_rejection} event with reason {@value
   * #SUPPRESSED_REASON} instead of an injection. The transmission itself is still accepted, as
   * SparkPost accepts it.
   *
   * @param addresses the addresses to suppress, compared case-insensitively
   */
  public synchronized void suppress(String... addresses) {
    for (String address : List.of(Objects.requireNonNull(addresses, "addresses"))) {
      suppressed.add(address.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /**
   * Defines the members of stored recipient list {@code listId}, for events of transmissions that
   * send to {@code {"list_id": listId}}: one event per member.
   *
   * <p>Without a definition, such a transmission produces the events of one synthetic member,
   * {@code <listId>-member@example.com}.
   *
   * @param listId the list id
   * @param addresses the members' addresses, in order
   */
  public synchronized void storedList(String listId, List<String> addresses) {
    Objects.requireNonNull(listId, "listId");
    storedLists.put(listId, List.copyOf(addresses));
  }

  /**
   * Makes every message accepted afterwards with {@code idempotencyKey} end in {@code
   * generation_failure} events with {@code reason}, one per recipient, instead of injections; the
   * transmission is still accepted and counted, as SparkPost accepts it before generating.
   *
   * @param idempotencyKey the key, compared exactly
   * @param reason the event's reason, e.g. {@code "554 5.3.3 [internal] Error while rendering part
   *     html"}
   */
  public synchronized void failGeneration(String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    generationOutcomes.put(idempotencyKey, List.of(MessageEvent.GENERATION_FAILURE, reason));
  }

  /**
   * Makes every message accepted afterwards with {@code idempotencyKey} end in {@code
   * generation_rejection} events with {@code reason}, one per recipient, instead of injections; the
   * transmission is still accepted and counted.
   *
   * @param idempotencyKey the key, compared exactly
   * @param reason the event's reason, e.g. {@code "550 5.7.1 [internal] Message generation
   *     rejected"}
   */
  public synchronized void rejectGeneration(String idempotencyKey, String reason) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    generationOutcomes.put(idempotencyKey, List.of(MessageEvent.GENERATION_REJECTION, reason));
  }

  /**
   * Returns every event produced so far, visible yet or not, in the order produced, as an
   * unmodifiable snapshot.
   *
   * @return the events; later messages do not change this list
   */
  public synchronized List<MessageEvent> events() {
    return List.copyOf(events);
  }

  /**
   * Returns the events of the messages that carry {@code idempotencyKey}, visible yet or not, in
   * the order produced.
   *
   * @param idempotencyKey the key, compared exactly
   * @return an unmodifiable snapshot, empty if none
   */
  public synchronized List<MessageEvent> eventsFor(String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    List<MessageEvent> matching = new ArrayList<>();
    for (MessageEvent event : events) {
      if (idempotencyKey.equals(event.idempotencyKey())) {
        matching.add(event);
      }
    }
    return List.copyOf(matching);
  }

  /**
   * Records a message SparkPost accepted over SMTP (a {@code 250} after {@code DATA}): one event per
   * envelope recipient with {@code recv_method} {@value MessageEvent#ESMTP} and the {@code
   * X-MSYS-API} header's {@code metadata} as {@code rcpt_meta}, its {@code tags} as {@code
   * rcpt_tags} and its {@code campaign_id}, subject to the same suppressions, generation failures,
   * lag and lost keys as REST messages. It is not a transmission: {@link #transmissions()} and the
   * accepted-key counters do not change.
   *
   * <p>{@link io.steadfast.testing.smtp.ScriptedSmtpServer#reportInjectionsTo} calls this for every
   * message the scripted server accepts.
   *
   * @param xMsysApi the {@code X-MSYS-API} header's JSON object, or an empty string if the message
   *     had none
   * @param recipients the envelope recipients ({@code RCPT TO}) the server accepted
   * @return the events produced, in recipient order
   * @throws IllegalArgumentException if {@code xMsysApi} is not blank and not a JSON object, which
   *     SparkPost answers with {@code 550 5.6.0} and does not accept
   */
  public List<MessageEvent> recordSmtpInjection(String xMsysApi, List<String> recipients) {
    Objects.requireNonNull(xMsysApi, "xMsysApi");
    List<String> addresses = List.copyOf(recipients);
    Map<String, Object> header = Map.of();
    if (!xMsysApi.isBlank()) {
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(xMsysApi);
      } catch (JacksonException e) {
        throw new IllegalArgumentException("X-MSYS-API is not JSON: " + e.getOriginalMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("X-MSYS-API must be a JSON object");
      }
      header = Json.toMap(root);
    }
    Map<String, Object> metadata = mapAt(header, "metadata");
    List<String> tags = strings(header.get("tags"));
    String campaign = header.get("campaign_id") instanceof String c ? c : null;
    Object keyValue = metadata.get(TransmissionsEndpoint.IDEMPOTENCY_METADATA_KEY);
    String key = keyValue instanceof String k ? k : null;
    List<EventRecipient> eventRecipients = new ArrayList<>();
    for (String address : addresses) {
      eventRecipients.add(new EventRecipient(address, tags, Map.of()));
    }
    synchronized (this) {
      String transmissionId = Long.toString(nextId++);
      int before = events.size();
      recordEventsLocked(
          eventRecipients,
          metadata,
          campaign,
          null,
          null,
          MessageEvent.ESMTP,
          transmissionId,
          key,
          clock.instant());
      return List.copyOf(events.subList(before, events.size()));
    }
  }

  /**
   * Returns every request that reached the Events API endpoint so far, answered normally, refused
   * or scripted, in arrival order, as an unmodifiable snapshot.
   *
   * @return the searches so far; later requests do not change this list
   */
  public synchronized List<RecordedEventsRequest> eventsRequests() {
    return List.copyOf(eventsRequests);
  }

  /**
   * Answers the next Events API requests with {@code responses}, one each and in order, before
   * normal behaviour (or the {@linkplain #alwaysRespondToEvents standing override}) resumes;
   * transmissions are not affected.
   *
   * <p>Useful answers: {@link FakeResponse#serverError(int)} and {@link
   * FakeResponse#couldNotProceed()} (outage), {@link FakeResponse#rateLimited(Duration)} (429 with
   * {@code Retry-After}), {@link FakeResponse#forbidden()} (a key without "Events Search:
   * Read-only"), {@code FakeResponse.accepted().delayed(d)} (a normal answer later than the client's
   * timeout), {@link FakeResponse#malformedJson()} and {@link FakeResponse#garbage()}.
   *
   * @param responses the answers for the next searches, first one first
   */
  public synchronized void enqueueEvents(FakeResponse... responses) {
    List<FakeResponse> checked = List.of(Objects.requireNonNull(responses, "responses"));
    eventsScript.addAll(checked);
  }

  /**
   * Answers the next {@code count} Events API requests with {@code response}.
   *
   * @param count how many searches to answer so, 0 or more
   * @param response the answer
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public synchronized void enqueueEvents(int count, FakeResponse response) {
    Objects.requireNonNull(response, "response");
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0 but was " + count);
    }
    eventsScript.addAll(Collections.nCopies(count, response));
  }

  /**
   * Answers every Events API request with {@code response} until {@link #resumeEvents()} or {@link
   * #reset()}, for example a key that lacks the events grant ({@link FakeResponse#forbidden()});
   * queued events answers still go first. Stops an events fault plan.
   *
   * @param response the answer for every search
   */
  public synchronized void alwaysRespondToEvents(FakeResponse response) {
    eventsStanding = Objects.requireNonNull(response, "response");
    eventsPlaying = null;
  }

  /**
   * Answers each Events API request that has no queued answer with one drawn from {@code plan},
   * until {@link #resumeEvents()} or {@link #reset()}; replaces any standing events override.
   *
   * @param plan the weighted, seeded answers; {@link FakeResponse#accepted()} in it means a normal
   *     search answer
   */
  public synchronized void eventsFaults(FaultPlan plan) {
    Objects.requireNonNull(plan, "plan");
    eventsStanding = null;
    eventsPlaying = new ScenarioRun(OutageScenario.builder().last("events", plan));
  }

  /**
   * Clears the Events API's standing override, fault plan and queued answers, so the next search
   * gets a normal answer; the transmissions faults are not affected.
   */
  public synchronized void resumeEvents() {
    eventsStanding = null;
    eventsPlaying = null;
    eventsScript.clear();
  }

  /**
   * Stops the server; recordings stay readable.
   *
   * @throws IllegalStateException if answering a request threw, which is a bug in this fake; the
   *     request was answered with {@code 500}
   */
  @Override
  public void close() {
    server.stop();
    synchronized (this) {
      if (failure != null) {
        throw new IllegalStateException("FakeSparkPost failed while answering a request", failure);
      }
    }
  }

  /** Returns the base URL; never the API key. */
  @Override
  public String toString() {
    return "FakeSparkPost[" + baseUrl + "]";
  }

  private ResponseDefinition answer(LoggedRequest request) {
    try {
      return answerOrThrow(request);
    } catch (RuntimeException e) {
      synchronized (this) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      return aResponse()
          .withStatus(500)
          .withHeader("Content-Type", JSON)
          .withBody(ApiError.body(new ApiError("FakeSparkPost failed: " + e, null, null)))
          .build();
    }
  }

  private ResponseDefinition answerOrThrow(LoggedRequest request) {
    String method = request.getMethod().getName();
    String target = request.getUrl();
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (HttpHeader header : request.getHeaders().all()) {
      headers.put(header.key(), header.values());
    }
    if (EventsEndpoint.serves(target)) {
      return answerEvents(method, target, headers);
    }
    byte[] bytes = request.getBody();
    String body = bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    TransmissionsEndpoint.Verdict verdict = endpoint.evaluate(method, target, headers, body);

    FakeResponse next;
    String transmissionId = null;
    synchronized (this) {
      Instant receivedAt = clock.instant();
      next = script.poll();
      if (next == null) {
        next = standing;
      }
      if (next == null && playing != null) {
        OutageScenario.Phase phase = playing.current();
        requestsByPhase.merge(phase.name(), 1, Integer::sum);
        next = playing.draw();
      }
      boolean normal = next == null || next.kind() == FakeResponse.Kind.NORMAL;
      if (normal && verdict.accepted()) {
        String key = verdict.idempotencyKey();
        String firstId = key == null ? null : firstIdByKey.get(key);
        if (firstId != null) {
          duplicates.merge(key, 1, Integer::sum);
        }
        if (firstId != null && deduplicate) {
          // A deduplicating server replays its first answer and stores nothing new.
          transmissionId = firstId;
        } else {
          transmissionId = Long.toString(nextId++);
          transmissions.add(
              new RecordedTransmission(
                  transmissionId,
                  verdict.transmission(),
                  body,
                  headers,
                  receivedAt,
                  key,
                  Headers.first(headers, Headers.AUTHORIZATION)));
          if (key != null && firstId == null) {
            firstIdByKey.put(key, transmissionId);
          }
          recordTransmissionEventsLocked(
              verdict.transmission(), headers, transmissionId, key, receivedAt);
        }
      }
      Integer status;
      if (next != null && next.fault() != null) {
        status = null;
      } else if (normal) {
        status = verdict.status();
      } else {
        status = next.status();
      }
      requests.add(
          new RecordedRequest(
              method,
              target,
              headers,
              body,
              receivedAt,
              verdict.idempotencyKey(),
              status,
              transmissionId,
              next != null));
    }
    if (transmissionId != null) {
      return render(next, 200, Json.success(transmissionId, verdict.acceptedRecipients()));
    }
    return render(next, verdict.status(), verdict.body());
  }

  /** Answers a search of the Events API, from its own script or from the recorded events. */
  private ResponseDefinition answerEvents(
      String method, String target, Map<String, List<String>> headers) {
    Instant receivedAt;
    FakeResponse next;
    List<MessageEvent> snapshot;
    synchronized (this) {
      receivedAt = clock.instant();
      next = eventsScript.poll();
      if (next == null) {
        next = eventsStanding;
      }
      if (next == null && eventsPlaying != null) {
        next = eventsPlaying.draw();
      }
      snapshot = List.copyOf(events);
    }
    boolean normal = next == null || next.kind() == FakeResponse.Kind.NORMAL;
    EventsEndpoint.Answer answer =
        normal ? eventsEndpoint.evaluate(method, target, headers, snapshot, receivedAt) : null;
    Integer status;
    if (next != null && next.fault() != null) {
      status = null;
    } else if (normal) {
      status = answer.status();
    } else {
      status = next.status();
    }
    synchronized (this) {
      eventsRequests.add(
          new RecordedEventsRequest(
              method,
              target,
              EventsEndpoint.parameters(target),
              headers,
              receivedAt,
              status,
              next != null));
    }
    return normal ? render(next, answer.status(), answer.body()) : render(next, 0, "");
  }

  /**
   * Renders {@code next}: a broken connection, a scripted answer, or the normal JSON answer {@code
   * status} and {@code body}; then any delay.
   */
  private static ResponseDefinition render(FakeResponse next, int status, String body) {
    ResponseDefinitionBuilder response = aResponse();
    if (next != null && next.fault() != null) {
      response.withFault(next.fault());
    } else {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      if (next != null && next.kind() == FakeResponse.Kind.HTTP) {
        response.withStatus(next.status()).withBody(next.body());
        if (!next.contentType().isEmpty()) {
          headers.put("Content-Type", next.contentType());
        }
      } else {
        response.withStatus(status).withBody(body);
        headers.put("Content-Type", JSON);
      }
      headers.put(REQUEST_ID_HEADER, UUID.randomUUID().toString());
      if (next != null) {
        headers.putAll(next.headers());
      }
      headers.forEach(response::withHeader);
    }
    if (next != null && !next.delay().isZero()) {
      response.withFixedDelay((int) next.delay().toMillis());
    }
    return response.build();
  }

  /** One recipient an event is produced for. */
  private record EventRecipient(String address, List<String> tags, Map<String, Object> metadata) {}

  /** Produces the events of an accepted REST transmission. */
  private void recordTransmissionEventsLocked(
      Map<String, Object> transmission,
      Map<String, List<String>> headers,
      String transmissionId,
      String key,
      Instant acceptedAt) {
    List<EventRecipient> recipients = new ArrayList<>();
    Object declared = transmission.get("recipients");
    if (declared instanceof List<?> list) {
      for (Object element : list) {
        if (element instanceof Map<?, ?> recipient) {
          Object address = recipient.get("address");
          String email = null;
          if (address instanceof String text) {
            email = text;
          } else if (address instanceof Map<?, ?> object && object.get("email") instanceof String e) {
            email = e;
          }
          if (email != null) {
            recipients.add(
                new EventRecipient(
                    bareAddress(email),
                    strings(recipient.get("tags")),
                    mapAt(recipient, "metadata")));
          }
        }
      }
    } else if (declared instanceof Map<?, ?> list && list.get("list_id") instanceof String listId) {
      for (String member : storedLists.getOrDefault(listId, List.of(listId + "-member@example.com"))) {
        recipients.add(new EventRecipient(member, List.of(), Map.of()));
      }
    }
    Object campaign = transmission.get("campaign_id");
    Object template = Json.at(transmission, "/content/template_id");
    String subaccountHeader = Headers.first(headers, SUBACCOUNT_HEADER);
    Long subaccount = null;
    if (subaccountHeader != null) {
      try {
        subaccount = Long.parseLong(subaccountHeader.strip());
      } catch (NumberFormatException ignored) {
        // SparkPost would refuse the request; the fake records the events without a subaccount.
      }
    }
    recordEventsLocked(
        recipients,
        mapAt(transmission, "metadata"),
        campaign instanceof String c ? c : null,
        template instanceof String t ? t : null,
        subaccount,
        MessageEvent.REST,
        transmissionId,
        key,
        acceptedAt);
  }

  /**
   * Produces one event per recipient: policy_rejection if suppressed, else the generation outcome
   * scripted for the key, else injection (SparkPost's accounting rule in sparkpost.md).
   */
  private void recordEventsLocked(
      List<EventRecipient> recipients,
      Map<String, Object> transmissionMetadata,
      String campaignId,
      String templateId,
      Long subaccountId,
      String recvMethod,
      String transmissionId,
      String key,
      Instant acceptedAt) {
    Instant at = acceptedAt.truncatedTo(ChronoUnit.MILLIS);
    Instant visibleAt = key != null && lostKeys.contains(key) ? null : at.plus(eventLag);
    List<String> outcome = key == null ? null : generationOutcomes.get(key);
    for (EventRecipient recipient : recipients) {
      String type = MessageEvent.INJECTION;
      String reason = null;
      if (suppressed.contains(recipient.address().toLowerCase(java.util.Locale.ROOT))) {
        type = MessageEvent.POLICY_REJECTION;
        reason = SUPPRESSED_REASON;
      } else if (outcome != null) {
        type = outcome.get(0);
        reason = outcome.get(1);
      }
      Map<String, Object> meta = new LinkedHashMap<>(transmissionMetadata);
      meta.putAll(recipient.metadata());
      events.add(
          new MessageEvent(
              type,
              Long.toString(nextEventId++),
              at,
              at,
              transmissionId,
              String.format(java.util.Locale.ROOT, "%020x", nextMessageId++),
              recipient.address().toLowerCase(java.util.Locale.ROOT),
              recipient.address(),
              meta,
              recipient.tags(),
              campaignId,
              templateId,
              subaccountId,
              recvMethod,
              reason,
              key,
              visibleAt));
    }
  }

  /** Returns the address in {@code Name <address>}, or {@code text} stripped. */
  private static String bareAddress(String text) {
    int open = text.lastIndexOf('<');
    int close = text.lastIndexOf('>');
    return open >= 0 && close > open ? text.substring(open + 1, close).strip() : text.strip();
  }

  /** Returns the object member {@code name} of {@code map} with string keys, or an empty map. */
  private static Map<String, Object> mapAt(Map<?, ?> map, String name) {
    Map<String, Object> result = new LinkedHashMap<>();
    if (map.get(name) instanceof Map<?, ?> member) {
      member.forEach((k, v) -> result.put(String.valueOf(k), v));
    }
    return result;
  }

  /** Returns the strings of a JSON array, or an empty list. */
  private static List<String> strings(Object value) {
    List<String> result = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (Object element : list) {
        if (element instanceof String text) {
          result.add(text);
        }
      }
    }
    return result;
  }

  /** A scenario in play: the current phase, when it began, how many requests it answered. */
  private static final class ScenarioRun {

    private final OutageScenario scenario;
    private int index;
    private Instant phaseStart;
    private int answered;
    private Random random;

    ScenarioRun(OutageScenario scenario) {
      this.scenario = scenario;
      enter(0, scenario.clock().instant());
    }

    private void enter(int phase, Instant start) {
      index = phase;
      phaseStart = start;
      answered = 0;
      random = scenario.phases().get(phase).plan().newRandom();
    }

    /** Moves past every phase that has ended, then returns the current one. */
    OutageScenario.Phase current() {
      Instant now = scenario.clock().instant();
      List<OutageScenario.Phase> phases = scenario.phases();
      while (index < phases.size() - 1) {
        OutageScenario.Phase phase = phases.get(index);
        if (phase.length().isPresent()) {
          Instant end = phaseStart.plus(phase.length().get());
          if (now.isBefore(end)) {
            break;
          }
          // The next phase starts when this one was due to end, not when a request noticed.
          enter(index + 1, end);
        } else if (answered >= phase.requests().getAsInt()) {
          enter(index + 1, now);
        } else {
          break;
        }
      }
      return phases.get(index);
    }

    /** Draws the answer for one request from the current phase. */
    FakeResponse draw() {
      OutageScenario.Phase phase = current();
      answered++;
      return phase.plan().draw(random);
    }
  }

  /** Hands every request WireMock serves to {@link #answer}. */
  private static final class Answerer implements ResponseDefinitionTransformerV2 {

    private final Function<LoggedRequest, ResponseDefinition> answer;

    Answerer(Function<LoggedRequest, ResponseDefinition> answer) {
      this.answer = answer;
    }

    @Override
    public String getName() {
      return "steadfast-fake-sparkpost";
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
      return answer.apply(serveEvent.getRequest());
    }
  }

  /** Keeps WireMock from logging every request. */
  private static final class QuietNotifier implements Notifier {

    @Override
    public void info(String message) {}

    @Override
    public void error(String message) {}

    @Override
    public void error(String message, Throwable t) {}
  }
}
