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

  private final HttpServer server;
  private final ExecutorService pool;
  private final AtomicLong requests = new AtomicLong();
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
      if (lastBody.get() == null) {
        lastBody.set(body);
        lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, SUCCESS.length);
      OutputStream out = exchange.getResponseBody();
      out.write(SUCCESS);
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
