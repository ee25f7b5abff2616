package io.steadfast.spool;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Two nodes with running dispatchers on one database, sharing one fake clock that only the test moves:
 * lease renewal, and results of deliveries that the other node made.
 */
class PostgresTwoNodeDispatchTest {
  private static final String API_KEY = "sk-renewal-test-key";
  // Lease and clock moves are fake time; the attempt timeout is real time, and must stay well above the
  // server's 4 s answer even on a loaded machine: an attempt that timed out is rescheduled on the fake
  // clock, which this test no longer moves, so the delivery would never finish.
  private static final Duration LEASE = Duration.ofSeconds(60);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));

  private EmailClient node(Spool spool, FakeSparkPost sparkPost) {
    return node(spool, sparkPost, SpoolConfig.DEFAULT_WORKERS);
  }

  private EmailClient node(Spool spool, FakeSparkPost sparkPost, int workers) {
    return EmailClient.create(SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
        .clock(clock)
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .spool(SpoolConfig.builder(spool).lease(LEASE).attemptTimeout(ATTEMPT_TIMEOUT)
            .pollInterval(Duration.ofMillis(20)).workers(workers).build())
        .build());
  }

  /** Waits, checking every 10 ms, until {@code condition} holds; fails after 20 seconds. */
  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /**
   * A running dispatcher renews its leases, so another node does not take over a delivery that is still
   * running when the original lease ends. The test moves the clock past the original lease while the
   * first node's request is still being answered.
   */
  @Test
  void deliveryStillRunningWhenItsFirstLeaseEndsIsNotTakenOverByAnotherNode() throws Exception {
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
        HikariDataSource pool = PostgresSpoolContractTest.pool(EmbeddedPostgresServer.newDatabase())) {
      // Answered after 4 s of real time: room for the renewal below even on a loaded machine.
      sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofSeconds(4)));
      PostgresSpool spoolA = PostgresSpool.builder(pool).nodeId("a").build();
      PostgresSpool spoolB = PostgresSpool.builder(pool).nodeId("b").build();
      try (EmailClient a = node(spoolA, sparkPost); EmailClient b = node(spoolB, sparkPost)) {
        Message message = Message.builder().from("sender@example.com").to("rcpt@example.com").subject("slow")
            .text("slow").idempotencyKey(IdempotencyKey.of("slow-1")).build();
        SubmitReceipt receipt = a.submit(message);
        await(() -> sparkPost.requests().size() == 1, "the first request arrived");
        SpoolEntry claimed = a.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
        Instant firstLeaseEnd = Objects.requireNonNull(claimed.leaseUntil());

        // A third of a lease later (T0 + 20.1 s), node a's dispatcher renews, to T0 + 80.1 s; then the clock
        // passes the end of the first lease (T0 + 60 s), where node b would take over an unrenewed lease.
        clock.advance(LEASE.dividedBy(3).plusMillis(100));
        await(() -> {
          Instant leaseUntil = a.spoolOperations().inspect(receipt.spoolId()).orElseThrow().leaseUntil();
          return leaseUntil != null && leaseUntil.isAfter(firstLeaseEnd);
        }, "node a renewed its lease");
        clock.advance(Duration.ofSeconds(45));

        DeliveryResult result = a.result(receipt).get(2, TimeUnit.MINUTES);

        assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
        assertThat(sparkPost.requests()).hasSize(1);
        assertThat(sparkPost.transmissionCountFor("slow-1")).isEqualTo(1);
        SpoolEntry delivered = b.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
        assertThat(delivered.attempts()).isEqualTo(1);
        assertThat(clock.instant()).isAfter(firstLeaseEnd);
      }
    }
  }

  /**
   * A node awaiting the result of a message that another node delivered learns it by reading the spool,
   * at most once a poll interval. That interval is real time: the clock here never moves, as a wall clock
   * set back would not, and the result must still arrive.
   */
  @Test
  void resultOfAMessageTheOtherNodeDeliveredArrivesWhileTheClockStandsStill() throws Exception {
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
        HikariDataSource pool = PostgresSpoolContractTest.pool(EmbeddedPostgresServer.newDatabase())) {
      // Node a's only worker is held by the first message; node b answers the second a second later, so
      // node a's first look at the spool comes before that delivery ends.
      sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofSeconds(8)));
      sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofSeconds(1)));
      PostgresSpool spoolA = PostgresSpool.builder(pool).nodeId("a").build();
      try (EmailClient a = node(spoolA, sparkPost, 1)) {
        SubmitReceipt busy = a.submit(Message.builder().from("sender@example.com").to("rcpt@example.com").subject("busy")
            .text("busy").idempotencyKey(IdempotencyKey.of("busy-1")).build());
        await(() -> sparkPost.requests().size() == 1, "node a sent the first message");
        PostgresSpool spoolB = PostgresSpool.builder(pool).nodeId("b").build();
        try (EmailClient b = node(spoolB, sparkPost, 1)) {
          SubmitReceipt receipt = a.submit(Message.builder().from("sender@example.com").to("rcpt@example.com")
              .subject("other").text("other").idempotencyKey(IdempotencyKey.of("other-1")).build());
          CompletableFuture<DeliveryResult> result = a.result(receipt);

          DeliveryResult delivered = result.get(2, TimeUnit.MINUTES);

          // Node a's one worker is still waiting for the first answer, so node b made this delivery.
          assertThat(a.spoolOperations().inspect(busy.spoolId()).orElseThrow().state())
              .isEqualTo(SpoolState.IN_FLIGHT);
          assertThat(delivered).isInstanceOf(DeliveryResult.Delivered.class);
          assertThat(b.spoolOperations().inspect(receipt.spoolId()).orElseThrow().state())
              .isEqualTo(SpoolState.DELIVERED);
          assertThat(sparkPost.transmissionCountFor("other-1")).isEqualTo(1);
          assertThat(sparkPost.requests()).hasSize(2);
        }
      }
    }
  }
}
