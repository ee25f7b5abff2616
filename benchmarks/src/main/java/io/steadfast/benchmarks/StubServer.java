package io.steadfast.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A minimal loopback HTTP server that answers every request with SparkPost's Transmissions success
 * JSON. It is the JDK's {@code HttpServer} with a fixed thread pool and {@code TCP_NODELAY}, so that it
 * costs a few microseconds per request and is the same for every client measured against it.
 */
final class StubServer implements AutoCloseable {

  static final byte[] SUCCESS = ("{\"results\":{\"total_rejected_recipients\":0,"
      + "\"total_accepted_recipients\":1,\"id\":\"7033454291873620553\"}}").getBytes(StandardCharsets.UTF_8);

  static final byte[] RATE_LIMITED = ("{\"errors\":[{\"message\":\"Too many requests\","
      + "\"description\":\"Rate limit exceeded\",\"code\":\"1001\"}]}").getBytes(StandardCharsets.UTF_8);
  static final byte[] UNAVAILABLE = ("{\"errors\":[{\"message\":\"Service Unavailable\"}]}")
      .getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExecutorService pool;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong requestsAfterFirstSecond = new AtomicLong();
  private final AtomicLong refusedAfterFirstSecond = new AtomicLong();
  private final AtomicLong firstRequestAt = new AtomicLong();
  private volatile @Nullable TokenBucket limit;
  private volatile boolean outage;
  private final AtomicReference<byte @Nullable []> lastBody = new AtomicReference<>();
  private final AtomicReference<@Nullable String> lastAuthorization = new AtomicReference<>();

  private StubServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts the stub on an ephemeral loopback port with {@code threads} handler threads. */
  static StubServer start(int threads) {
    // Without it the JDK server answers headers and body in two segments that Nagle's algorithm and
    // delayed ACKs hold back by up to 40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
        Thread thread = new Thread(runnable, "stub-sparkpost");
        thread.setDaemon(true);
        return thread;
      });
      StubServer stub = new StubServer(server, pool);
      server.createContext("/", stub::handle);
      server.setExecutor(pool);
      server.start();
      return stub;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port for the stub", e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      requests.incrementAndGet();
      long now = System.nanoTime();
      firstRequestAt.compareAndSet(0, now);
      boolean afterFirstSecond = now - firstRequestAt.get() > TimeUnit.SECONDS.toNanos(1);
      if (afterFirstSecond) {
        requestsAfterFirstSecond.incrementAndGet();
      }
      if (lastBody.get() == null) {
        lastBody.set(body);
        lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (outage) {
        answer(exchange, 503, UNAVAILABLE);
        return;
      }
      TokenBucket bucket = limit;
      if (bucket != null && !bucket.tryTake(now)) {
        refused.incrementAndGet();
        if (afterFirstSecond) {
          refusedAfterFirstSecond.incrementAndGet();
        }
        exchange.getResponseHeaders().set("Retry-After", "1");
        answer(exchange, 429, RATE_LIMITED);
        return;
      }
      answer(exchange, 200, SUCCESS);
    }
  }

  private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length);
    OutputStream out = exchange.getResponseBody();
    out.write(body);
  }

  /**
   * Limits the stub to {@code perSecond} accepted messages a second with a burst of a tenth of that,
   * answering the excess 429 with {@code Retry-After: 1}, as SparkPost's rate limit does. Also resets
   * the counters, so they describe the limited run only.
   */
  void rateLimit(int perSecond) {
    requests.set(0);
    refused.set(0);
    requestsAfterFirstSecond.set(0);
    refusedAfterFirstSecond.set(0);
    firstRequestAt.set(0);
    limit = new TokenBucket(perSecond, Math.max(1, perSecond / 10));
  }

  /** Starts or ends an outage: while it lasts every request is answered 503. */
  void outage(boolean on) {
    outage = on;
  }

  long refused() {
    return refused.get();
  }

  long requestsAfterFirstSecond() {
    return requestsAfterFirstSecond.get();
  }

  long refusedAfterFirstSecond() {
    return refusedAfterFirstSecond.get();
  }

  /** The provider's side of a rate limit: tokens refill continuously up to a burst. */
  private static final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long refilledAt = System.nanoTime();

    TokenBucket(int perSecond, int burst) {
      this.perNano = perSecond / 1e9;
      this.burst = burst;
      this.tokens = burst;
    }

    synchronized boolean tryTake(long now) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
      refilledAt = now;
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }

  /** Returns the base URL, without a path, e.g. {@code http://127.0.0.1:40123}. */
  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  long requests() {
    return requests.get();
  }

  /** Returns the first request body the stub received, or {@code null} before the first request. */
  byte @Nullable [] firstBody() {
    return lastBody.get();
  }

  @Nullable String firstAuthorization() {
    return lastAuthorization.get();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
