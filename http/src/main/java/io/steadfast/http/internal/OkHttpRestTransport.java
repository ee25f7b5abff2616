package io.steadfast.http.internal;

import io.steadfast.ApiKey;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST transport: one {@code POST /api/v1/transmissions} per attempt over OkHttp, classified into
 * an {@link Outcome}. Thread-safe.
 */
public final class OkHttpRestTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(OkHttpRestTransport.class);

  /** JSON is UTF-8 by definition (RFC 8259 8.1), so no charset parameter. */
  private static final MediaType JSON = MediaType.get("application/json");

  /** Immutable and thread-safe; shared by every transport. */
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final String route;
  private final HttpUrl url;
  private final String target;
  private final ApiKey apiKey;
  /**
   * The headers every request carries (Authorization, Accept, User-Agent and the subaccount), checked
   * once here: OkHttp validates every character of a header it is given, on every request.
   */
  private final Headers fixedHeaders;
  private final OkHttpClient client;
  private final ExecutorService executor;
  private final ResponseInterpreter interpreter;
  /** The most connections and synchronous calls at once; also bounds the fresh-connection retries of one call. */
  private final int maxConnections;
  /** Synchronous calls in flight, at most {@code maxConnections} ({@link #awaitConnectionSlot}). */
  private final Semaphore syncCalls;
  private final long callTimeoutNanos;
  /** The call timeout, kept here rather than by OkHttp ({@link CallDeadlines} says why). */
  private final CallDeadlines deadlines;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates a transport for {@code config}.
   *
   * @throws IllegalStateException if {@code config} has no API key
   * @throws IllegalArgumentException if the API key holds a character an HTTP header cannot carry
   */
  public OkHttpRestTransport(SteadfastConfig config) {
    Objects.requireNonNull(config, "config");
    this.apiKey = config.apiKey().orElseThrow(() -> new IllegalStateException(
        "The REST transport needs an API key: set it with SteadfastConfig.builder().apiKey(...)"));
    this.route = "rest-" + config.endpoint().name();
    this.url = HttpUrl.get(config.endpoint().restBaseUrl().toString()).newBuilder()
        .addPathSegments("api/v1/transmissions")
        .build();
    this.target = url.host() + ":" + url.port();
    Headers.Builder headers = new Headers.Builder();
    try {
      headers.add("Authorization", apiKey.value());
    } catch (IllegalArgumentException e) {
      // OkHttp's own message would name the header but not what to do; neither quotes the key.
      throw new IllegalArgumentException("The API key holds a character an HTTP header cannot carry (only printable "
          + "ASCII can): copy the key again from SparkPost (Configuration > API Keys); SparkPost's keys are hex digits");
    }
    headers.add("Accept", "application/json")
        .add("User-Agent", UserAgent.VALUE);
    if (config.subaccountId().isPresent()) {
      headers.add("X-MSYS-SUBACCOUNT", Long.toString(config.subaccountId().getAsLong()));
    }
    this.fixedHeaders = headers.build();
    this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
        threadFactory("steadfast-" + route + "-"));
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(config.maxConnections());
    dispatcher.setMaxRequestsPerHost(config.maxConnections());
    this.client = clientBuilder(config)
        // The call timeout is CallDeadlines'; OkHttp's would wake Okio's watchdog on every call.
        .callTimeout(Duration.ZERO)
        .dispatcher(dispatcher)
        .eventListenerFactory(AttemptTracker.FACTORY)
        .build();
    this.interpreter = new ResponseInterpreter(MAPPER, config.clock(), apiKey.value());
    this.maxConnections = config.maxConnections();
    this.syncCalls = new Semaphore(maxConnections);
    // Cannot overflow: building the client above refused a call timeout over Integer.MAX_VALUE ms.
    this.callTimeoutNanos = config.callTimeout().toNanos();
    this.deadlines = new CallDeadlines(config.callTimeout(), "steadfast-" + route + "-deadlines");
  }

  /**
   * Returns a client builder with the settings every Steadfast call to SparkPost's API shares (the
   * Transmissions transport and the Events search): HTTP/1.1, no silent retries, no redirects, the
   * configured timeouts and a pool of at most {@code maxConnections} idle connections. The call
   * timeout is set to the configured one; the transport replaces it with its own.
   *
   * <p>The read and write timeouts are kept by the sockets ({@link ChannelSockets#plain}), not by
   * OkHttp: OkHttp's are Okio {@code AsyncTimeout}s, and Okio wakes its watchdog thread whenever a
   * timeout lands at the head of its queue, which for a lone sender is nearly every read and write: a
   * thread switch each, several percent of a loopback send (docs/benchmarks.md). A socket's read
   * timeout is the same limit (no byte for that long), and its write timeout limits one write as Okio's
   * does. That is why the protocol is HTTP/1.1 only: over HTTP/2 OkHttp keeps per-stream timeouts with
   * Okio and reads the shared socket from a thread of its own, which a socket read timeout would end on
   * an idle connection. HTTP/1.1 is also what the rest of this transport is built for: at most {@code
   * maxConnections} requests in flight on as many connections (SparkPost's advice is 10), and a pooled
   * connection looked at before each request ({@link StaleConnectionCheck}).
   */
  static OkHttpClient.Builder clientBuilder(SteadfastConfig config) {
    ChannelSockets.Tls tls = ChannelSockets.tls();
    return new OkHttpClient.Builder()
        // Channel-backed sockets, so StaleConnectionCheck can look for the server's close without
        // waiting; they keep the read and write timeouts.
        .socketFactory(ChannelSockets.plain(config.readTimeout(), config.writeTimeout()))
        .sslSocketFactory(tls.socketFactory(), tls.trustManager())
        .protocols(List.of(Protocol.HTTP_1_1))
        // Every retry is Steadfast's own, carries the idempotency key and counts against the retry
        // budget; OkHttp's silent retry would resend a transmission SparkPost may have accepted.
        .retryOnConnectionFailure(false)
        // A redirect would resend the API key to another host; SparkPost's API does not redirect.
        .followRedirects(false)
        .followSslRedirects(false)
        .connectTimeout(config.connectTimeout())
        // Zero: the sockets keep these (above). OkHttp's default is 10 s each, with Okio's watchdog.
        .readTimeout(Duration.ZERO)
        .writeTimeout(Duration.ZERO)
        .callTimeout(config.callTimeout())
        .connectionPool(new ConnectionPool(config.maxConnections(), 5, TimeUnit.MINUTES))
        // A pooled connection the server closed is found before the request is written to it, so that
        // it costs a fresh connection, not an attempt (only calls that carry an AttemptTracker).
        .addNetworkInterceptor(StaleConnectionCheck.INSTANCE);
  }

  @Override
  public String route() {
    return route;
  }

  @Override
  public Outcome deliver(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    Attempt prepared = prepare(delivery);
    if (prepared instanceof Ended ended) {
      return ended.outcome();
    }
    Ready attempt = (Ready) prepared;
    Outcome busy = awaitConnectionSlot(delivery);
    if (busy != null) {
      return busy;
    }
    try {
      for (int staleConnections = 0; ; staleConnections++) {
        Call call = client.newCall(attempt.request());
        Outcome outcome;
        CallDeadlines.Watch deadline = deadlines.watch(call);
        try (deadline; Response response = call.execute()) {
          outcome = interpreter.interpret(response);
        } catch (IOException e) {
          if (retriesOnFreshConnection(attempt, deadline, staleConnections, delivery)) {
            attempt = attempt.again();
            continue;
          }
          outcome = ioFailure(e, deadline, attempt);
        } catch (RuntimeException e) {
          outcome = unexpected(e, attempt.tracker(), delivery);
        }
        return logged(delivery, outcome);
      }
    } finally {
      syncCalls.release();
    }
  }

  /** Classifies a failed call; one that {@code deadline} cancelled failed because its call timeout passed. */
  private Outcome ioFailure(IOException failure, CallDeadlines.Watch deadline, Ready attempt) {
    IOException cause = failure;
    if (deadline.timedOut()) {
      // OkHttp reports the cancel as "Canceled" or a closed socket; what happened is the call timeout.
      cause = new InterruptedIOException("call timeout (" + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos) + " ms)");
      cause.initCause(failure);
    }
    return ErrorClassifier.forIoFailure(cause, attempt.tracker().requestSent(), target);
  }

  /**
   * Waits until fewer than {@code maxConnections} synchronous calls are in flight, at most one call
   * timeout; returns {@code null} once this call may go, or the outcome that ends it unsent.
   *
   * <p>Why: OkHttp bounds only the idle connections it keeps and its asynchronous calls, so more
   * sending threads than {@code maxConnections} each opened a connection of their own, beyond
   * SparkPost's advice of at most 10, and the pool then closed the surplus after each answer, so those
   * threads paid a new connection (a TLS handshake, against SparkPost) on every send. Waiting here keeps
   * every connection in use and reused.
   */
  private @Nullable Outcome awaitConnectionSlot(Delivery delivery) {
    try {
      if (syncCalls.tryAcquire(callTimeoutNanos, TimeUnit.NANOSECONDS)) {
        return null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
          Failure.of("interrupted while waiting for one of the " + maxConnections + " connections to " + target, null),
          null);
    }
    log.debug("Message {} attempt {} on route '{}': all {} connections stayed busy for the call timeout",
        delivery.idempotencyKey(), delivery.attempt(), route, maxConnections);
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, Failure.of("all " + maxConnections
        + " connections to " + target + " stayed busy for the call timeout ("
        + TimeUnit.NANOSECONDS.toSeconds(callTimeoutNanos) + " s); nothing was sent", null), null);
  }

  /**
   * Returns whether a call that failed should be made again at once, as part of the same attempt: it
   * failed on a pooled connection the server had closed, before any byte of the request was written
   * ({@link StaleConnectionCheck}), so SparkPost never saw it. Each such failure closes one dead
   * connection, so after {@code maxConnections} of them (the most the pool holds) the next call opens
   * a fresh one; the bound is there only against a pool refilled by other calls meanwhile. A call its
   * {@code deadline} cancelled is never made again: its call timeout has passed.
   */
  private boolean retriesOnFreshConnection(Ready attempt, CallDeadlines.Watch deadline, int staleConnections,
      Delivery delivery) {
    if (!attempt.tracker().failedOnStaleConnection() || deadline.timedOut() || staleConnections >= maxConnections
        || closed.get()) {
      return false;
    }
    log.debug("Message {} attempt {} on route '{}': the pooled connection had been closed by the server; "
        + "sending on a fresh connection (not another attempt)", delivery.idempotencyKey(), delivery.attempt(), route);
    return true;
  }

  @Override
  public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    Attempt prepared = prepare(delivery);
    if (prepared instanceof Ended ended) {
      return CompletableFuture.completedFuture(ended.outcome());
    }
    CompletableFuture<Outcome> future = new CompletableFuture<>();
    AtomicReference<Call> current = new AtomicReference<>();
    // Cancelling the future reaches the request in flight, whichever call of the attempt that is.
    future.whenComplete((outcome, error) -> {
      Call call = current.get();
      if (future.isCancelled() && call != null) {
        call.cancel();
      }
    });
    enqueue((Ready) prepared, 0, delivery, future, current);
    return future;
  }

  private void enqueue(Ready attempt, int staleConnections, Delivery delivery, CompletableFuture<Outcome> future,
      AtomicReference<Call> current) {
    Call call = client.newCall(attempt.request());
    current.set(call);
    if (future.isCancelled()) {
      call.cancel();
    }
    // From the enqueue: time in OkHttp's queue counts, as the caller waits through it too.
    CallDeadlines.Watch deadline = deadlines.watch(call);
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        deadline.close();
        if (!future.isDone() && retriesOnFreshConnection(attempt, deadline, staleConnections, delivery)) {
          enqueue(attempt.again(), staleConnections + 1, delivery, future, current);
          return;
        }
        future.complete(logged(delivery, ioFailure(e, deadline, attempt)));
      }

      @Override
      public void onResponse(Call call, Response response) {
        Outcome outcome;
        try (deadline; response) {
          outcome = interpreter.interpret(response);
        } catch (RuntimeException e) {
          outcome = unexpected(e, attempt.tracker(), delivery);
        }
        future.complete(logged(delivery, outcome));
      }
    });
  }

  private Attempt prepare(Delivery delivery) {
    String key = delivery.idempotencyKey().value();
    if (closed.get()) {
      return new Ended(new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
          Failure.of("route '" + route + "' is closed", null), null));
    }
    if (!delivery.message().archive().isEmpty()) {
      // SparkPost: "Archiving is only supported with the SMTP API" (support article on CC and BCC).
      return new Ended(new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE, Failure.of(
          "archive recipients are SMTP-only: SparkPost's REST API cannot send archive copies; send this message "
              + "on an SMTP route (steadfast-smtp) or add the archive addresses with bcc(...)", null)));
    }
    TransmissionWriter.Json body;
    try {
      body = TransmissionWriter.write(delivery.message(), delivery.idempotencyKey());
    } catch (IllegalArgumentException e) {
      // Core validates every JSON value, so this is a bug; the message cannot be sent as it is.
      // The exception's own text could quote message content, so it is kept only as the cause's type.
      return new Ended(new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE,
          Failure.of("could not encode the message as Transmissions JSON (" + e.getClass().getSimpleName() + ")", null)));
    }
    AttemptTracker tracker = new AttemptTracker();
    Request.Builder request = new Request.Builder()
        .url(url)
        .headers(fixedHeaders)
        // SparkPost ignores it; proxies and FakeSparkPost use it to recognise a retried transmission.
        .addHeader("Idempotency-Key", key)
        .post(RequestBody.create(body.bytes(), JSON, 0, body.length()))
        .tag(AttemptTracker.class, tracker);
    if (log.isDebugEnabled()) {
      // Guarded: five arguments would allocate their array on every send even with debug off.
      log.debug("Message {} attempt {} on route '{}': POST {} ({} bytes)", key, delivery.attempt(), route, url,
          body.length());
    }
    return new Ready(request.build(), tracker);
  }

  private Outcome unexpected(RuntimeException e, AttemptTracker tracker, Delivery delivery) {
    // A bug in reading the answer must not escape as an exception: Transport promises outcomes.
    log.warn("Message {} attempt {} on route '{}': unexpected error handling SparkPost's response",
        delivery.idempotencyKey(), delivery.attempt(), route, e);
    Failure failure = Failure.of("unexpected error handling the response (" + e.getClass().getSimpleName() + ")", e);
    return tracker.requestSent() ? new Outcome.Unknown(failure)
        : new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, failure, null);
  }

  private Outcome logged(Delivery delivery, Outcome outcome) {
    if (log.isDebugEnabled()) {
      if (outcome instanceof Outcome.Accepted accepted) {
        log.debug("Message {} attempt {} on route '{}' accepted as transmission {} (request id {})",
            delivery.idempotencyKey(), delivery.attempt(), route, accepted.transmissionId(), accepted.requestId());
      } else {
        log.debug("Message {} attempt {} on route '{}' ended {}: {}", delivery.idempotencyKey(), delivery.attempt(),
            route, outcome.getClass().getSimpleName(), failure(outcome).summary());
      }
    }
    return outcome;
  }

  private static Failure failure(Outcome outcome) {
    if (outcome instanceof Outcome.NotSent notSent) {
      return notSent.failure();
    }
    if (outcome instanceof Outcome.Unknown unknown) {
      return unknown.failure();
    }
    return ((Outcome.Rejected) outcome).failure();
  }

  /**
   * Stops taking attempts, lets the ones running finish, and closes idle connections. Queued async
   * attempts end as not sent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      executor.shutdown();
      deadlines.close();
      client.connectionPool().evictAll();
      log.debug("Route '{}' closed", route);
    }
  }

  @Override
  public String toString() {
    return "RestTransport[route=" + route + ", url=" + url + "]";
  }

  private static ThreadFactory threadFactory(String prefix) {
    AtomicInteger next = new AtomicInteger(1);
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + next.getAndIncrement());
      // Daemon, as a library's pool threads should be: they must not keep an application alive.
      thread.setDaemon(true);
      return thread;
    };
  }

  /** A prepared attempt: a request to send, or the outcome that ends it before it starts. */
  private sealed interface Attempt permits Ready, Ended {}

  /** A request ready to send, with the tracker that sees how far it gets. */
  private record Ready(Request request, AttemptTracker tracker) implements Attempt {
    /** Returns the same request with a new tracker, for another call within the same attempt. */
    Ready again() {
      AttemptTracker fresh = new AttemptTracker();
      return new Ready(request.newBuilder().tag(AttemptTracker.class, fresh).build(), fresh);
    }
  }

  /** An attempt that ended before any request was made. */
  private record Ended(Outcome outcome) implements Attempt {}
}
