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
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
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
 * <p>Instances are thread-safe: clients may send from many threads while the test scripts and
 * inspects. Every response with a status carries a fresh {@code X-SparkPost-Request-Id}.
 */
public final class FakeSparkPost implements AutoCloseable {

  static final String REQUEST_ID_HEADER = "X-SparkPost-Request-Id";

  /** Enough for a test that sends from many threads; fewer threads start faster. */
  private static final int CONTAINER_THREADS = 20;

  /** Threads that finish delayed answers, so waiting does not hold a request thread. */
  private static final int DELAY_THREADS = 4;

  private static final String JSON = "application/json";

  /** Transmission ids look like SparkPost's, e.g. 11668787484950529: 17 digits. */
  private static final long FIRST_ID_MIN = 10_000_000_000_000_000L;

  private static final long FIRST_ID_MAX = 90_000_000_000_000_000L;

  private final TransmissionsEndpoint endpoint;
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

  /** The first exception thrown while answering, rethrown by close(). Guarded by {@code this}. */
  private RuntimeException failure;

  private FakeSparkPost(String apiKey) {
    this.endpoint = new TransmissionsEndpoint(apiKey);
    this.nextId = ThreadLocalRandom.current().nextLong(FIRST_ID_MIN, FIRST_ID_MAX);
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
   * order, as an unmodifiable snapshot.
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
   * the next request gets normal behaviour; recordings and the deduplication mode are kept.
   */
  public synchronized void resume() {
    standing = null;
    playing = null;
    script.clear();
  }

  /**
   * Forgets recorded requests, transmissions, accepted keys and duplicates, and clears the script,
   * the standing override and the playing scenario; deduplication is turned off.
   *
   * <p>Transmission ids keep counting, so an id is never handed out twice.
   */
  public synchronized void reset() {
    resume();
    transmissions.clear();
    requests.clear();
    firstIdByKey.clear();
    duplicates.clear();
    requestsByPhase.clear();
    deduplicate = false;
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
    Instant receivedAt = Instant.now();
    String method = request.getMethod().getName();
    String target = request.getUrl();
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (HttpHeader header : request.getHeaders().all()) {
      headers.put(header.key(), header.values());
    }
    byte[] bytes = request.getBody();
    String body = bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    TransmissionsEndpoint.Verdict verdict = endpoint.evaluate(method, target, headers, body);

    FakeResponse next;
    String transmissionId = null;
    synchronized (this) {
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
        }
      }
      Integer status;
      if (normal) {
        status = verdict.status();
      } else if (next.kind() == FakeResponse.Kind.HTTP) {
        status = next.status();
      } else {
        status = null;
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
    return responseDefinition(next, verdict, transmissionId);
  }

  private static ResponseDefinition responseDefinition(
      FakeResponse next, TransmissionsEndpoint.Verdict verdict, String transmissionId) {
    ResponseDefinitionBuilder response = aResponse();
    if (next != null && next.kind() == FakeResponse.Kind.FAULT) {
      response.withFault(next.fault());
    } else {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      if (next != null && next.kind() == FakeResponse.Kind.HTTP) {
        response.withStatus(next.status()).withBody(next.body());
        if (!next.contentType().isEmpty()) {
          headers.put("Content-Type", next.contentType());
        }
      } else if (transmissionId != null) {
        response
            .withStatus(200)
            .withBody(Json.success(transmissionId, verdict.acceptedRecipients()));
        headers.put("Content-Type", JSON);
      } else {
        response.withStatus(verdict.status()).withBody(verdict.body());
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
