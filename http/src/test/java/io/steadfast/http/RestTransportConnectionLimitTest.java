package io.steadfast.http;

import static io.steadfast.http.Fixtures.API_KEY;
import static io.steadfast.http.Fixtures.delivery;
import static io.steadfast.http.Fixtures.minimal;
import static io.steadfast.http.Fixtures.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * More sending threads than {@code maxConnections}: the surplus waits for a connection instead of
 * opening one of its own (SparkPost advises at most 10), and every connection is reused.
 */
class RestTransportConnectionLimitTest {

  private static final int MAX_CONNECTIONS = 2;
  private static final int SENDERS = 5;
  /** A safety net only: every wait below ends on an event long before it. */
  private static final long SAFETY_NET_SECONDS = 120;

  private final byte[] accepted = sparkpost("responses/200-accepted.json").getBytes(StandardCharsets.UTF_8);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private final Semaphore arrived = new Semaphore(0);
  private final CountDownLatch release = new CountDownLatch(1);
  private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  private HttpServer server;
  private ExecutorService senders;

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newFixedThreadPool(SENDERS));
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      clientPorts.add(exchange.getRemoteAddress().getPort());
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      arrived.release();
      try {
        release.await(SAFETY_NET_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, accepted.length);
      exchange.getResponseBody().write(accepted);
      exchange.close();
    });
    server.start();
    senders = Executors.newFixedThreadPool(SENDERS, runnable -> new Thread(runnable, "sender"));
  }

  @AfterEach
  void stop() {
    release.countDown();
    senders.shutdownNow();
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }

  @Test
  void sendersBeyondMaxConnectionsWaitForAConnectionAndNoneIsOpenedBeyondIt() throws Exception {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom("http://127.0.0.1:" + server.getAddress().getPort()))
        .maxConnections(MAX_CONNECTIONS)
        .callTimeout(Duration.ofSeconds(SAFETY_NET_SECONDS * 2))
        .build();
    try (Transport transport = RestTransport.create(config)) {
      List<Thread> threads = new ArrayList<>();
      List<Future<Outcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < SENDERS; i++) {
        outcomes.add(senders.submit(() -> {
          synchronized (threads) {
            threads.add(Thread.currentThread());
          }
          return transport.deliver(delivery(minimal().build()));
        }));
      }

      assertThat(arrived.tryAcquire(MAX_CONNECTIONS, SAFETY_NET_SECONDS, TimeUnit.SECONDS))
          .as("the first %d requests reach the server", MAX_CONNECTIONS).isTrue();
      // The others are parked waiting for a connection (a thread reading a socket would be RUNNABLE).
      awaitParked(threads, SENDERS - MAX_CONNECTIONS);
      assertThat(inFlight.get()).as("requests at the server while the others wait").isEqualTo(MAX_CONNECTIONS);

      release.countDown();
      for (Future<Outcome> outcome : outcomes) {
        assertThat(outcome.get(SAFETY_NET_SECONDS, TimeUnit.SECONDS)).isInstanceOf(Outcome.Accepted.class);
      }
    }
    assertThat(mostInFlight.get()).as("most requests in flight at once").isEqualTo(MAX_CONNECTIONS);
    assertThat(clientPorts).as("connections the server saw: each reused, none opened beyond the limit")
        .hasSize(MAX_CONNECTIONS);
  }

  /** Waits until {@code count} of the sending threads are parked (WAITING or TIMED_WAITING). */
  private static void awaitParked(List<Thread> threads, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SAFETY_NET_SECONDS);
    while (parked(threads) < count) {
      assertThat(System.nanoTime()).as("%d senders parked waiting for a connection", count).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private static int parked(List<Thread> threads) {
    synchronized (threads) {
      int parked = 0;
      for (Thread thread : threads) {
        Thread.State state = thread.getState();
        if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
          parked++;
        }
      }
      return parked;
    }
  }
}
