package io.steadfast.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost in an outage that then heals behind a rate limit, for {@link RecoveryBenchmark}: a
 * loopback JDK {@code HttpServer} (as {@link StubServer}) that answers every transmission 503 until
 * {@link #heal}, then accepts at most R a second (a token bucket with a burst of R/10) and answers the
 * excess 429 with {@code Retry-After: 1}, as SparkPost's rate limit does. It records when it healed,
 * when it accepted its first and last message after that (on {@link System#nanoTime()}), and how many
 * times it accepted each {@code Idempotency-Key}, so a duplicate or a lost message shows.
 */
final class RecoveryStub implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, AtomicInteger> acceptedByKey = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong firstAcceptedAt = new AtomicLong();
  private final AtomicLong lastAcceptedAt = new AtomicLong();
  private final AtomicLong firstRefusedAt = new AtomicLong();
  /** Acceptances per second after the heal, for the first hour. */
  private final AtomicLongArray acceptedPerSecond = new AtomicLongArray(3600);
  /** Set by {@link #heal}; read by the handler threads. */
  private volatile long healedAt;
  private volatile boolean outage = true;
  private volatile @Nullable Bucket limit;

  private RecoveryStub(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts the stub, in an outage, on an ephemeral loopback port with {@code threads} handler threads. */
  static RecoveryStub start(int threads) {
    // As in StubServer: without it Nagle's algorithm and delayed ACKs hold answers back by up to 40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
        Thread thread = new Thread(runnable, "stub-recovering-sparkpost");
        thread.setDaemon(true);
        return thread;
      });
      RecoveryStub stub = new RecoveryStub(server, pool);
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
      exchange.getRequestBody().readAllBytes();
      requests.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (outage) {
        failed.incrementAndGet();
        answer(exchange, 503, StubServer.UNAVAILABLE);
        return;
      }
      long now = System.nanoTime();
      Bucket bucket = limit;
      if (bucket != null && !bucket.tryTake(now)) {
        refused.incrementAndGet();
        firstRefusedAt.compareAndSet(0, now);
        exchange.getResponseHeaders().set("Retry-After", "1");
        answer(exchange, 429, StubServer.RATE_LIMITED);
        return;
      }
      String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      if (key != null) {
        acceptedByKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      accepted.incrementAndGet();
      long second = (now - healedAt) / 1_000_000_000L;
      if (second >= 0 && second < acceptedPerSecond.length()) {
        acceptedPerSecond.incrementAndGet((int) second);
      }
      firstAcceptedAt.compareAndSet(0, now);
      lastAcceptedAt.accumulateAndGet(now, Math::max);
      answer(exchange, 200, StubServer.SUCCESS);
    }
  }

  private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length);
    OutputStream out = exchange.getResponseBody();
    out.write(body);
  }

  /**
   * Ends the outage: from now on the stub accepts {@code perSecond} messages a second and refuses the
   * excess with 429 (0: no limit).
   *
   * @return when it healed, on {@link System#nanoTime()}
   */
  long heal(int perSecond) {
    limit = perSecond > 0 ? new Bucket(perSecond, Math.max(1, perSecond / 10)) : null;
    long now = System.nanoTime();
    healedAt = now;
    outage = false;
    return now;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  long healedAt() {
    return healedAt;
  }

  /** When the first message was accepted after {@link #heal}, or 0 if none was. */
  long firstAcceptedAt() {
    return firstAcceptedAt.get();
  }

  long lastAcceptedAt() {
    return lastAcceptedAt.get();
  }

  /** When the first request was refused 429 after {@link #heal}, or 0 if none was. */
  long firstRefusedAt() {
    return firstRefusedAt.get();
  }

  /**
   * Returns the messages accepted per second over the whole seconds {@code [from, from + seconds)}
   * after the heal.
   */
  double acceptedRate(int from, int seconds) {
    long count = 0;
    for (int s = Math.max(0, from); s < Math.min(acceptedPerSecond.length(), from + seconds); s++) {
      count += acceptedPerSecond.get(s);
    }
    return count / (double) seconds;
  }

  long requests() {
    return requests.get();
  }

  /** Requests answered 503 during the outage. */
  long failed() {
    return failed.get();
  }

  /** Requests refused 429 after the heal. */
  long refused() {
    return refused.get();
  }

  long accepted() {
    return accepted.get();
  }

  /** How many times the stub accepted {@code key}. */
  int acceptedCount(String key) {
    AtomicInteger count = acceptedByKey.get(key);
    return count == null ? 0 : count.get();
  }

  /** How many accepted messages repeated a key accepted before. */
  long duplicates() {
    return acceptedByKey.values().stream().mapToLong(count -> Math.max(0, count.get() - 1)).sum();
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

  /** The provider's side of a rate limit: tokens refill continuously up to a burst. */
  private static final class Bucket {
    private final double perNano;
    private final double burst;
    /** Guarded by {@code this}. */
    private double tokens;
    /** Guarded by {@code this}. */
    private long refilledAt = System.nanoTime();

    Bucket(int perSecond, int burst) {
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
}
