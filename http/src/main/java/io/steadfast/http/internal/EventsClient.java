package io.steadfast.http.internal;

import io.steadfast.ApiKey;
import io.steadfast.IdempotencyKey;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Outcome;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Searches SparkPost's Events API ({@code GET /api/v1/events/message}) for idempotency keys: the REST
 * module's {@link MessageEvents}. Thread-safe; a search runs in the calling thread and blocks.
 *
 * <p>A search plans its queries with {@link EventsQueryPlanner}, follows each query's {@code links.next}
 * to the last page, and keeps per key the settling event ({@link #settles}). It uses the transport's
 * endpoint, {@code Authorization}, {@code X-MSYS-SUBACCOUNT}, {@code User-Agent}, timeouts and
 * OkHttp settings ({@link OkHttpRestTransport#clientBuilder}).
 *
 * <p>Failures: a 429, 408, 5xx, timeout or connection failure retries that one request (not the whole
 * search) as {@link EventsRetry} says, each retry paid from an {@link EventsRetryBudget} shared by every
 * search of this client; when the tries or the budget run out, or SparkPost asks for a longer wait than
 * the retry cap, the search is {@link Unavailable}. 401 and 403 are {@link Forbidden} at once. Any other
 * status, a page that is not the documented JSON, and a {@code links.next} to another host are
 * {@link Unavailable} without retry: repeating the same request would get the same answer.
 *
 * <p>The API key travels only in the {@code Authorization} header. The query holds recipients' addresses,
 * so no log line, failure or {@code toString()} contains a URL's query.
 */
final class EventsClient implements MessageEvents {
  private static final Logger log = LoggerFactory.getLogger(EventsClient.class);

  /** The most of one page Steadfast reads: 16 MiB, room for {@link EventsQueryPlanner#PER_PAGE} large events. */
  static final long MAX_PAGE_BYTES = 16L * 1024 * 1024;

  /**
   * The most pages one query may have; more means a {@code links.next} that never ends: 1,000 pages of
   * 1,000 events is more than any account's recipients see in 10 days from one sender's reconciler.
   */
  static final int MAX_PAGES_PER_QUERY = 1000;

  /** SparkPost's name for the grant a search needs (sparkpost.md, "Events API"). */
  static final String GRANT = "Events Search: Read-only";

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** The longest one events request may take; see the constructor. */
  static final Duration MAX_CALL_TIMEOUT = Duration.ofSeconds(60);
  private final String route;
  private final HttpUrl eventsUrl;
  private final String target;
  private final ApiKey apiKey;
  private final @Nullable String subaccountId;
  private final OkHttpClient client;
  private final Clock clock;
  private final EventsQueryPlanner planner;
  private final EventsPageReader pageReader;
  private final ResponseInterpreter interpreter;
  private final EventsRetry retry;
  private final EventsRetryBudget budget;
  private final EventsSleeper sleeper;
  private final DoubleSupplier random;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates a search for {@code config} with the default retries and budget.
   *
   * @throws IllegalStateException if {@code config} has no API key
   */
  EventsClient(SteadfastConfig config) {
    this(config, EventsRetry.DEFAULT, EventsRetryBudget.withDefaults(config.clock()), EventsSleeper.SYSTEM,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  EventsClient(SteadfastConfig config, EventsRetry retry, EventsRetryBudget budget, EventsSleeper sleeper,
      DoubleSupplier random) {
    Objects.requireNonNull(config, "config");
    this.apiKey = config.apiKey().orElseThrow(() -> new IllegalStateException(
        "The Events search needs an API key: set it with SteadfastConfig.builder().apiKey(...)"));
    this.route = "events-" + config.endpoint().name();
    this.eventsUrl = HttpUrl.get(config.endpoint().restBaseUrl().toString()).newBuilder()
        .addPathSegments("api/v1/events/message")
        .build();
    this.target = eventsUrl.host() + ":" + eventsUrl.port();
    this.subaccountId = config.subaccountId().isPresent() ? Long.toString(config.subaccountId().getAsLong()) : null;
    // Searches run in the caller's thread (execute()), so OkHttp's dispatcher never starts a thread.
    // A search page is small and the reconciler waits for it, so one request may take at most a
    // minute (the transmissions' 300 s call timeout is for large messages); a retry follows instead.
    this.client = OkHttpRestTransport.clientBuilder(config)
        .callTimeout(min(config.callTimeout(), MAX_CALL_TIMEOUT)).build();
    this.clock = config.clock();
    this.planner = new EventsQueryPlanner(eventsUrl);
    this.pageReader = new EventsPageReader(MAPPER, apiKey.value());
    this.interpreter = new ResponseInterpreter(MAPPER, clock, apiKey.value());
    this.retry = Objects.requireNonNull(retry, "retry");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.random = Objects.requireNonNull(random, "random");
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public Result search(List<Lookup> lookups, Instant until) {
    Objects.requireNonNull(lookups, "lookups");
    Objects.requireNonNull(until, "until");
    if (closed.get()) {
      return new Unavailable(Failure.of("Events search on route '" + route + "' is closed", null), null, 0);
    }
    Map<String, IdempotencyKey> keys = new HashMap<>();
    for (Lookup lookup : lookups) {
      keys.put(lookup.idempotencyKey().value(), lookup.idempotencyKey());
    }
    List<HttpUrl> queries = planner.plan(lookups, until, clock.instant());
    log.debug("Events search on route '{}': {} keys in {} queries", route, keys.size(), queries.size());
    Search search = new Search();
    Map<IdempotencyKey, Event> settled = new HashMap<>();
    for (int query = 0; query < queries.size(); query++) {
      HttpUrl url = queries.get(query);
      Set<String> followed = new HashSet<>();
      for (int page = 1; url != null; page++) {
        if (page > MAX_PAGES_PER_QUERY) {
          return new Unavailable(Failure.of("Events search gave up: a query had more than " + MAX_PAGES_PER_QUERY
              + " pages", null), null, search.requests);
        }
        Fetched fetched = fetch(url, search, keys, until, query + 1, page);
        if (fetched instanceof Ended ended) {
          return ended.result();
        }
        EventsPageReader.Page read = ((Fetched.Read) fetched).page();
        for (EventsPageReader.Match match : read.matches()) {
          settled.merge(match.key(), match.event(), (kept, next) -> settles(next, kept) ? next : kept);
        }
        if (read.next() == null) {
          url = null;
        } else {
          url = next(read.next());
          if (url == null) {
            return new Unavailable(Failure.of("Events search stopped: links.next is not a URL on " + target
                + " (not followed, as it would receive the API key)", null), null, search.requests);
          }
          if (!followed.add(url.toString())) {
            return new Unavailable(Failure.of("Events search stopped: links.next repeated an earlier page", null),
                null, search.requests);
          }
        }
      }
    }
    log.debug("Events search on route '{}' found {} of {} keys in {} requests", route, settled.size(), keys.size(),
        search.requests);
    return new Found(settled, search.requests);
  }

  /**
   * Returns whether {@code candidate} settles a key better than {@code kept}: an {@code injection} beats
   * a rejection (SparkPost accepted the message for at least one recipient), and between two of the same
   * kind the earlier one wins.
   */
  static boolean settles(Event candidate, Event kept) {
    boolean candidateInjected = candidate.type() == EventType.INJECTION;
    boolean keptInjected = kept.type() == EventType.INJECTION;
    if (candidateInjected != keptInjected) {
      return candidateInjected;
    }
    return candidate.timestamp().isBefore(kept.timestamp());
  }

  /** Fetches one page, retrying it as {@link EventsRetry} and the budget allow. */
  private Fetched fetch(HttpUrl url, Search search, Map<String, IdempotencyKey> keys, Instant until, int query,
      int page) {
    for (int tryNumber = 1; ; tryNumber++) {
      search.requests++;
      Answer answer = request(url, keys, until);
      if (log.isDebugEnabled()) {
        // The path only: the query holds recipients' addresses.
        log.debug("Events search on route '{}': query {} page {} try {} (GET {}) ended {}", route, query, page,
            tryNumber, url.encodedPath(), answer.describe());
      }
      if (answer instanceof Answer.Page read) {
        return new Fetched.Read(read.page());
      }
      if (answer instanceof Answer.Forbidden forbidden) {
        return new Ended(new Forbidden(forbidden.failure(), search.requests));
      }
      if (answer instanceof Answer.Refused refused) {
        return new Ended(new Unavailable(refused.failure(), null, search.requests));
      }
      Answer.Transient failed = (Answer.Transient) answer;
      if (tryNumber >= retry.maxTries()) {
        return unavailable("gave up after " + tryNumber + " tries", failed, search);
      }
      Duration delay = retry.delay(tryNumber, failed.retryAfter(), random);
      if (delay == null) {
        return unavailable("not retried in-call: SparkPost asked to wait " + failed.retryAfter().toSeconds() + " s",
            failed, search);
      }
      if (!budget.tryAcquire()) {
        log.warn("Events search on route '{}': retry budget spent ({}); the search ends unavailable after {}",
            route, budget, failed.failure().summary());
        return unavailable("retry budget spent (" + budget + ")", failed, search);
      }
      try {
        sleeper.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unavailable("interrupted while waiting to retry", failed, search);
      }
    }
  }

  private static Ended unavailable(String why, Answer.Transient failed, Search search) {
    Failure last = failed.failure();
    Failure failure = new Failure("Events search " + why + "; last: " + last.summary(), last.statusCode(),
        last.providerCode(), last.providerMessage(), last.requestId(), last.cause());
    return new Ended(new Unavailable(failure, failed.retryAfter(), search.requests));
  }

  /** Makes one request and says what its answer means. */
  private Answer request(HttpUrl url, Map<String, IdempotencyKey> keys, Instant until) {
    Request.Builder request = new Request.Builder()
        .url(url)
        .addHeader("Authorization", apiKey.value())
        .addHeader("Accept", "application/json")
        .addHeader("User-Agent", UserAgent.VALUE)
        .get();
    if (subaccountId != null) {
      request.addHeader("X-MSYS-SUBACCOUNT", subaccountId);
    }
    Call call = client.newCall(request.build());
    try (Response response = call.execute()) {
      return answer(response, keys, until);
    } catch (IOException e) {
      String untrusted = ErrorClassifier.tlsTrustFailure(e, target);
      if (untrusted != null) {
        // Not retried: the same certificate comes back until someone changes the trust configuration.
        return new Answer.Refused(Failure.of("Events search refused: " + untrusted
            + "; check the endpoint and the JVM's trust store", e));
      }
      return new Answer.Transient(Failure.of(ioSummary(e), e), null);
    } catch (RuntimeException e) {
      // A bug in reading the answer must not escape: MessageEvents promises results, never exceptions.
      log.warn("Events search on route '{}': unexpected error handling SparkPost's response", route, e);
      return new Answer.Refused(Failure.of("Events search failed: unexpected error handling the response ("
          + e.getClass().getSimpleName() + ")", e));
    }
  }

  private Answer answer(Response response, Map<String, IdempotencyKey> keys, Instant until) {
    int status = response.code();
    if (status >= 200 && status < 300) {
      return page(response, keys, until);
    }
    // ResponseInterpreter reads SparkPost's error JSON (code, message, request id) the same way for
    // both APIs; its Outcome is only the wrapper of the Failure here.
    Failure failure = failure(interpreter.interpret(response));
    Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), clock);
    if (status == 401 || status == 403) {
      String advice = status == 401
          ? "SparkPost rejected the API key; check steadfast.api-key (keys are per region) and that it has the \""
              + GRANT + "\" grant"
          : "the API key lacks the \"" + GRANT + "\" grant; add it to the key in SparkPost's API key settings";
      return new Answer.Forbidden(new Failure(failure.summary() + ": " + advice, failure.statusCode(),
          failure.providerCode(), failure.providerMessage(), failure.requestId(), failure.cause()));
    }
    if (status == 429 || status == 408 || status >= 500 && status < 600) {
      return new Answer.Transient(failure, retryAfter);
    }
    return new Answer.Refused(new Failure("Events search refused: " + failure.summary(), failure.statusCode(),
        failure.providerCode(), failure.providerMessage(), failure.requestId(), failure.cause()));
  }

  private Answer page(Response response, Map<String, IdempotencyKey> keys, Instant until) {
    int status = response.code();
    String requestId = Texts.clean(response.header(ResponseInterpreter.REQUEST_ID_HEADER), apiKey.value(), 100);
    byte[] bytes;
    try (ResponseBody body = response.body()) {
      if (body.contentLength() > MAX_PAGE_BYTES) {
        return refused(status, "a page over 16 MiB (" + body.contentLength() + " bytes, not read)", requestId, null);
      }
      BufferedSource source = body.source();
      if (source.request(MAX_PAGE_BYTES + 1)) {
        return refused(status, "a page over 16 MiB (not read)", requestId, null);
      }
      bytes = source.readByteArray();
    } catch (IOException e) {
      // The page broke off: the same request may well work again.
      return new Answer.Transient(new Failure("HTTP " + status + " with a page that broke off ("
          + e.getClass().getSimpleName() + ")", status, null, null, requestId, e), null);
    }
    EventsPageReader.Page page = pageReader.read(bytes, keys, until);
    if (page == null) {
      return refused(status, "a body that is not SparkPost's events JSON (" + bytes.length + " bytes)", requestId, null);
    }
    return new Answer.Page(page);
  }

  private static Answer refused(int status, String problem, @Nullable String requestId, @Nullable Throwable cause) {
    return new Answer.Refused(new Failure("Events search could not read the page: HTTP " + status + " with " + problem,
        status, null, null, requestId, cause));
  }

  private String ioSummary(IOException e) {
    if (e instanceof SocketTimeoutException) {
      String message = e.getMessage();
      boolean connect = message != null && message.toLowerCase(Locale.ROOT).contains("connect");
      return connect ? "connect to " + target + " timed out" : "read from " + target + " timed out";
    }
    if (e instanceof InterruptedIOException) {
      return "call to " + target + " timed out";
    }
    // Resolution, connection and TLS failures are worded as the transport words them.
    return failure(ErrorClassifier.forIoFailure(e, false, target)).summary();
  }

  private static Failure failure(Outcome outcome) {
    if (outcome instanceof Outcome.NotSent notSent) {
      return notSent.failure();
    }
    if (outcome instanceof Outcome.Unknown unknown) {
      return unknown.failure();
    }
    if (outcome instanceof Outcome.Rejected rejected) {
      return rejected.failure();
    }
    return Failure.of("an answer that is not a failure", null);
  }

  /**
   * Returns where {@code link} points, or {@code null} if it is not a URL on SparkPost's host. SparkPost
   * sends a path from the host's root ({@code /api/v1/events/message?...}); behind a custom base URL with
   * a path prefix, the prefix is kept.
   */
  private @Nullable HttpUrl next(String link) {
    HttpUrl absolute = HttpUrl.parse(link);
    if (absolute != null) {
      boolean sameOrigin = absolute.scheme().equals(eventsUrl.scheme()) && absolute.host().equals(eventsUrl.host())
          && absolute.port() == eventsUrl.port();
      return sameOrigin ? absolute : null;
    }
    if (!link.startsWith("/") || link.startsWith("//")) {
      return eventsUrl.resolve(link);
    }
    String eventsPath = eventsUrl.encodedPath();
    String prefix = eventsPath.substring(0, eventsPath.length() - "/api/v1/events/message".length());
    String path = prefix.isEmpty() || link.startsWith(prefix + "/") ? link : prefix + link;
    HttpUrl resolved = eventsUrl.resolve(path);
    return resolved != null && resolved.host().equals(eventsUrl.host()) ? resolved : null;
  }

  /** Releases idle connections; later searches end {@link Unavailable}. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.connectionPool().evictAll();
      log.debug("Events search on route '{}' closed", route);
    }
  }

  @Override
  public String toString() {
    return "EventsClient[route=" + route + ", url=" + eventsUrl + "]";
  }

  /** What one search has spent so far; used by one thread. */
  private static final class Search {
    int requests;
  }

  /** How fetching a page ended: read, or ended the search. */
  private sealed interface Fetched permits Fetched.Read, Ended {
    /** The page, read. */
    record Read(EventsPageReader.Page page) implements Fetched {}
  }

  /** The search's end, before it could complete. */
  private record Ended(Result result) implements Fetched {}

  /** What one request's answer means. */
  private sealed interface Answer {
    /** Returns a few words for the DEBUG line. */
    String describe();

    /** A page was read. */
    record Page(EventsPageReader.Page page) implements Answer {
      @Override
      public String describe() {
        return "with a page of " + page.matches().size() + " matching events"
            + (page.next() == null ? ", the last" : "");
      }
    }

    /** The key may not search (401, 403). */
    record Forbidden(Failure failure) implements Answer {
      @Override
      public String describe() {
        return failure.summary();
      }
    }

    /** Worth another try (429, 408, 5xx, timeout, no connection). */
    record Transient(Failure failure, @Nullable Duration retryAfter) implements Answer {
      @Override
      public String describe() {
        return failure.summary() + (retryAfter == null ? "" : " (Retry-After " + retryAfter.toSeconds() + " s)");
      }
    }

    /** Not worth repeating in-call (another 4xx or 3xx, or a page that is not events JSON). */
    record Refused(Failure failure) implements Answer {
      @Override
      public String describe() {
        return failure.summary();
      }
    }
  }
}
