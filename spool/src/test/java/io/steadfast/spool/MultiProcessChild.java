package io.steadfast.spool;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A process of {@link MultiProcessSpoolTest}: one of several on one SQLite spool directory.
 *
 * <ul>
 *   <li>{@code dispatch POLL_MILLIS}: a dispatching client ({@link SqliteSpool#open}) that delivers to
 *       FakeSparkPost, polling every {@code POLL_MILLIS} when nothing wakes it; prints {@code READY} once
 *       started, or {@code REFUSED <reason>} if the spool would not open for dispatch, and runs until killed.
 *   <li>{@code submit PREFIX COUNT}: a submit-only client ({@link SqliteSpool#openForSubmit}) that submits
 *       {@code COUNT} messages with keys {@code PREFIX-1 ...} and prints {@code ACK <key>} after each submit
 *       returned, then {@code DONE}.
 *   <li>{@code bench PREFIX THREADS COUNT}: for {@link MultiProcessSubmitBench}: a submit-only client that
 *       prints {@code READY}, waits for a line {@code GO} on its input, submits {@code COUNT} messages from
 *       {@code THREADS} threads, and prints {@code DONE}.
 * </ul>
 *
 * <p>Arguments: spool directory, FakeSparkPost base URL, API key, then the mode and its arguments.
 */
public final class MultiProcessChild {
  private MultiProcessChild() {}

  /** Runs the child; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    SteadfastConfig.Builder config = SteadfastConfig.builder()
        .apiKey(args[2])
        .endpoint(Endpoint.custom(args[1]))
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(CircuitBreakerPolicy.builder().waitInOpenState(Duration.ofMillis(500)).build())
        // What a SIGKILL left in flight is looked up in the fake's events after moments, not 90 s.
        .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofMillis(200))
            .withRecheckDelay(Duration.ofMillis(200)));
    PrintStream out = System.out;
    if (args[3].equals("dispatch")) {
      SqliteSpool spool;
      try {
        spool = SqliteSpool.open(dir);
      } catch (SpoolOpenException e) {
        out.println("REFUSED " + e.reason() + " " + e.getMessage());
        out.flush();
        System.exit(3);
        return;
      }
      EmailClient client = EmailClient.create(config.spool(SpoolConfig.builder(spool)
          .workers(4)
          .minRetryDelay(Duration.ofMillis(200))
          .maxRetryDelay(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(Long.parseLong(args[4])))
          .build()).build());
      out.println("READY");
      out.flush();
      // Runs until the test kills it; the client's threads are daemons.
      new CountDownLatch(1).await();
      client.close();
      return;
    }
    if (args[3].equals("bench")) {
      bench(dir, config, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      return;
    }
    String prefix = args[4];
    int count = Integer.parseInt(args[5]);
    try (EmailClient client = EmailClient.create(config.spool(SpoolConfig.builder(SqliteSpool.openForSubmit(dir))
        .submitOnly(true).build()).build())) {
      for (int i = 1; i <= count; i++) {
        String key = prefix + "-" + i;
        Message message = Message.builder().from("sender@example.com").to("rcpt@example.com")
            .subject("multi " + key).text("body " + key).idempotencyKey(IdempotencyKey.of(key)).build();
        SubmitReceipt receipt = client.submit(message);
        out.println("ACK " + receipt.idempotencyKey().value());
        out.flush();
      }
    }
    out.println("DONE");
    out.flush();
  }

  private static void bench(Path dir, SteadfastConfig.Builder config, String prefix, int threads, int count)
      throws Exception {
    PrintStream out = System.out;
    try (EmailClient client = EmailClient.create(config.spool(SpoolConfig.builder(SqliteSpool.openForSubmit(dir))
        .submitOnly(true).build()).build())) {
      // One warm-up submit, so that class loading and the first statements are not timed.
      client.submit(Message.builder().from("sender@example.com").to("rcpt@example.com").subject("warm-up")
          .text("warm-up").idempotencyKey(IdempotencyKey.of(prefix + "-warm-up")).build());
      out.println("READY");
      out.flush();
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
          java.nio.charset.StandardCharsets.UTF_8));
      if (!"GO".equals(in.readLine())) {
        return;
      }
      java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
      java.util.List<Thread> submitters = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread thread = new Thread(() -> {
          int i;
          while ((i = next.incrementAndGet()) <= count) {
            client.submit(Message.builder().from("sender@example.com").to("rcpt@example.com")
                .subject("bench " + i).text("Line of a receipt.\n".repeat(60) + i)
                .idempotencyKey(IdempotencyKey.of(prefix + "-" + i)).build());
          }
        }, "bench-" + t);
        thread.start();
        submitters.add(thread);
      }
      for (Thread thread : submitters) {
        thread.join();
      }
    }
    out.println("DONE");
    out.flush();
  }
}
