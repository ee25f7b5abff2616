package io.steadfast.spool;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process {@link CrashRecoveryTest} kills: submits messages to a SQLite spool from several
 * threads and prints {@code ACK <key>} only after each submit returned, while the dispatcher delivers
 * to FakeSparkPost. In drain mode it submits nothing, prints {@code DRAINED} once the spool holds no
 * undelivered message, and exits.
 *
 * <p>In fill mode (run under {@code ulimit -f}) it appends 64 KB messages straight to the spool until
 * the disk is "full", prints {@code ACK <key>} for each append that returned and {@code FAILED <error>}
 * for the first that threw, tries a few more, and prints {@code DONE}.
 *
 * <p>Arguments: spool directory, FakeSparkPost base URL, API key, run number,
 * {@code submit|drain|fill}.
 */
public final class CrashChild {
  private CrashChild() {}

  /** Runs the child; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String baseUrl = args[1];
    String apiKey = args[2];
    String run = args[3];
    boolean drain = args[4].equals("drain");
    if (args[4].equals("fill")) {
      fill(Path.of(args[0]));
      return;
    }
    PrintStream out = System.out;
    EmailClient client = EmailClient.create(SteadfastConfig.builder()
        .apiKey(apiKey)
        .endpoint(Endpoint.custom(baseUrl))
        .retryPolicy(RetryPolicy.NO_RETRIES)
        // The fake fails a quarter of requests, which may open the circuit; keep its wait short.
        .circuitBreakerPolicy(CircuitBreakerPolicy.builder().waitInOpenState(Duration.ofMillis(500)).build())
        // Entries a kill left in flight are looked up before a re-send; in this test, after moments, not the
        // default minute and a half that SparkPost's events need to appear.
        .reconcilePolicy(io.steadfast.ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofMillis(200))
            .withRecheckDelay(Duration.ofMillis(200)))
        .spool(SpoolConfig.builder(SqliteSpool.open(dir))
            .workers(4)
            .minRetryDelay(Duration.ofMillis(200))
            .maxRetryDelay(Duration.ofSeconds(1))
            .pollInterval(Duration.ofMillis(20))
            .build())
        .build());
    if (drain) {
      int polls = 0;
      while (client.spoolOperations().stats().undeliveredCount() > 0) {
        // A helper process, not a test: polling the spool's stats every 50 ms is its whole job here.
        Thread.sleep(50);
        if (++polls % 40 == 0) {
          out.println("STATE " + ((io.steadfast.internal.DefaultEmailClient) client).circuitStates() + " "
              + client.spoolOperations().stats());
          out.flush();
        }
      }
      out.println("DRAINED");
      out.flush();
      client.close();
      return;
    }
    AtomicInteger next = new AtomicInteger();
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread producer = new Thread(() -> {
        while (true) {
          int i = next.incrementAndGet();
          Message message = Message.builder().from("sender@example.com").to("rcpt@example.com")
              .subject("crash " + run + " " + i).text("body " + i)
              .idempotencyKey(io.steadfast.IdempotencyKey.of("r" + run + "-" + i)).build();
          SubmitReceipt receipt = client.submit(message);
          synchronized (out) {
            out.println("ACK " + receipt.idempotencyKey().value());
            out.flush();
          }
        }
      }, "producer-" + t);
      producer.start();
      producers.add(producer);
    }
    for (Thread producer : producers) {
      producer.join();
    }
  }

  private static void fill(Path dir) {
    PrintStream out = System.out;
    String body = "x".repeat(64 * 1024);
    int failures = 0;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 0; i < 100_000 && failures < 3; i++) {
        Message message = Message.builder().from("sender@example.com").to("rcpt@example.com")
            .subject("fill " + i).text(body).build();
        String key = "fill-" + i;
        java.time.Instant now = java.time.Instant.now();
        try {
          spool.append(List.of(new io.steadfast.spi.Spool.NewEntry(io.steadfast.IdempotencyKey.of(key),
              message.fingerprint(), message, now, now.plus(Duration.ofHours(1)), message.estimatedSizeBytes())),
              io.steadfast.spi.Spool.Limits.NONE);
          out.println("ACK " + key);
        } catch (RuntimeException e) {
          failures++;
          out.println("FAILED " + e);
        }
        out.flush();
      }
    } catch (RuntimeException e) {
      out.println("CLOSE-FAILED " + e);
    }
    out.println("DONE");
    out.flush();
  }
}
