package io.steadfast.cli;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.RetryableException;
import io.steadfast.SendOptions;
import io.steadfast.SteadfastConfig;
import io.steadfast.SteadfastException;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays SparkPost's outage of 23 May 2019 against an embedded FakeSparkPost on a compressed clock:
 * healthy, then intermittent 5xx and 429s, then a full outage, then recovery. Messages are sent from
 * several threads; each keeps its idempotency key and is sent again after a retryable failure, the
 * way an application (or Steadfast's spool) would. Exits 0 only if every message was accepted exactly
 * once.
 */
final class OutageDemo {
  private static final String KEY = "demo-key";

  private OutageDemo() {}

  /** What the demo observed; {@link #ok()} when nothing was lost or doubled. */
  record Summary(int messages, int delivered, int duplicates, int lost, int requests, int retryableFailures,
      List<String> circuitChanges) {
    boolean ok() {
      return delivered == messages && duplicates == 0 && lost == 0;
    }
  }

  static Summary run(int messages, PrintStream out) throws Exception {
    List<String> circuitChanges = new ArrayList<>();
    AtomicInteger attempts = new AtomicInteger();
    FakeSparkPost[] fake = new FakeSparkPost[1];
    DeliveryListener listener = new DeliveryListener() {
      @Override
      public void attemptStarted(IdempotencyKey key, String route, int attempt) {
        // Phases follow the requests made, not the wall clock, so every run tells the same story.
        phase(fake[0], attempts.incrementAndGet(), messages, out);
      }

      @Override
      public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
        synchronized (circuitChanges) {
          circuitChanges.add(route + " " + from + " -> " + to);
        }
        out.println("  circuit " + route + ": " + from + " -> " + to);
      }
    };
    try (FakeSparkPost sparkPost = FakeSparkPost.start(KEY)) {
      fake[0] = sparkPost;
      SteadfastConfig config = SteadfastConfig.builder()
          .apiKey(KEY)
          .endpoint(Endpoint.custom(sparkPost.baseUrl()))
          // The outage runs on a compressed clock: seconds become milliseconds.
          .retryPolicy(RetryPolicy.builder().minBackoff(Duration.ofMillis(5)).initialBackoff(Duration.ofMillis(10))
              .maxBackoff(Duration.ofMillis(40)).deadline(Duration.ofSeconds(2)).build())
          .circuitBreakerPolicy(CircuitBreakerPolicy.builder().slidingWindowSize(20).minimumNumberOfCalls(10)
              .waitInOpenState(Duration.ofMillis(200)).build())
          .listener(listener)
          .build();
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger retryable = new AtomicInteger();
      Map<String, Boolean> done = new ConcurrentHashMap<>();
      out.printf("Steadfast outage demo: %d messages, 4 threads, FakeSparkPost at %s%n", messages, sparkPost.baseUrl());
      try (EmailClient client = EmailClient.create(config)) {
        ExecutorService senders = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
          String key = "demo-" + i;
          work.add(senders.submit(() -> {
            sent.incrementAndGet();
            Message message = Message.builder().from("orders@shop.example").to("customer" + key + "@example.com")
                .subject("Order " + key).text("Thanks!").build();
            for (int round = 0; round < 200 && !done.containsKey(key); round++) {
              try {
                client.send(message, SendOptions.idempotencyKey(IdempotencyKey.of(key)));
                done.put(key, true);
              } catch (RetryableException e) {
                retryable.incrementAndGet();
                pause(e);
              } catch (SteadfastException e) {
                out.println("  permanent failure for " + key + ": " + e.getMessage());
                return;
              }
            }
          }));
        }
        for (Future<?> future : work) {
          future.get();
        }
        senders.shutdown();
      }
      int delivered = 0;
      int duplicates = 0;
      for (int i = 0; i < messages; i++) {
        int count = sparkPost.transmissionCountFor("demo-" + i);
        delivered += count > 0 ? 1 : 0;
        duplicates += Math.max(0, count - 1);
      }
      Summary summary = new Summary(messages, delivered, duplicates, messages - delivered,
          sparkPost.requests().size(), retryable.get(), List.copyOf(circuitChanges));
      out.println();
      out.printf("  %-28s %6d%n", "messages", summary.messages());
      out.printf("  %-28s %6d%n", "delivered (once, by key)", summary.delivered());
      out.printf("  %-28s %6d%n", "duplicates", summary.duplicates());
      out.printf("  %-28s %6d%n", "lost", summary.lost());
      out.printf("  %-28s %6d%n", "requests SparkPost saw", summary.requests());
      out.printf("  %-28s %6d%n", "retryable failures surfaced", summary.retryableFailures());
      out.println(summary.ok() ? "RESULT: nothing lost, nothing sent twice" : "RESULT: FAILED");
      return summary;
    }
  }

  /** Moves the fake through the outage's phases as the demo progresses. */
  private static void phase(FakeSparkPost sparkPost, int attempt, int total, PrintStream out) {
    int outageStart = total * 2 / 5;
    int outageEnd = outageStart + Math.max(30, total / 4);
    if (attempt == total / 5) {
      out.println("21:14 intermittent errors: 5xx and 429 on some requests");
      sparkPost.enqueue(FakeResponse.serverError(503), FakeResponse.serverError(500),
          FakeResponse.rateLimited(Duration.ofMillis(20)), FakeResponse.serverError(502), FakeResponse.serverError(504));
    } else if (attempt == outageStart) {
      out.println("21:22 full outage: every request answers 503");
      sparkPost.alwaysRespond(FakeResponse.serverError(503));
    } else if (attempt == outageEnd) {
      out.println("23:14 recovery: SparkPost answers again");
      sparkPost.resume();
    }
  }

  private static void pause(RetryableException e) {
    Duration wait = e.retryAfter().orElse(Duration.ofMillis(20));
    try {
      Thread.sleep(Math.min(200, Math.max(5, wait.toMillis())));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
