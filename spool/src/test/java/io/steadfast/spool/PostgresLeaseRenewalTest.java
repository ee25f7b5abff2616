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
import io.steadfast.testing.FakeClock;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A running dispatcher renews its leases, so another node does not take over a delivery that is still
 * running when the original lease ends. Both nodes share a fake clock, which the test moves past the
 * original lease while the first node's request is still being answered.
 */
class PostgresLeaseRenewalTest {
  private static final String API_KEY = "sk-renewal-test-key";
  private static final Duration LEASE = Duration.ofSeconds(6);

  private final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));

  private EmailClient node(Spool spool, FakeSparkPost sparkPost) {
    return EmailClient.create(SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
        .clock(clock)
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .spool(SpoolConfig.builder(spool).lease(LEASE).attemptTimeout(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20)).build())
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

        // A third of a lease later (T0 + 2.1 s), node a's dispatcher renews, to T0 + 8.1 s; then the clock
        // passes the end of the first lease (T0 + 6 s), where node b would take over an unrenewed lease.
        clock.advance(LEASE.dividedBy(3).plusMillis(100));
        await(() -> {
          Instant leaseUntil = a.spoolOperations().inspect(receipt.spoolId()).orElseThrow().leaseUntil();
          return leaseUntil != null && leaseUntil.isAfter(firstLeaseEnd);
        }, "node a renewed its lease");
        clock.advance(Duration.ofMillis(4500));

        DeliveryResult result = a.result(receipt).get(30, TimeUnit.SECONDS);

        assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
        assertThat(sparkPost.requests()).hasSize(1);
        assertThat(sparkPost.transmissionCountFor("slow-1")).isEqualTo(1);
        SpoolEntry delivered = b.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
        assertThat(delivered.attempts()).isEqualTo(1);
        assertThat(clock.instant()).isAfter(firstLeaseEnd);
      }
    }
  }
}
