package io.steadfast.spool;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.OutageScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on one PostgreSQL database: dispatchers on two threads of this JVM and one in a child JVM
 * deliver through FakeSparkPost playing the 2019 outage; the child is killed with SIGKILL while it
 * holds leases. Every message must be delivered, recorded delivered by exactly one node, and accepted
 * by SparkPost under its key; resends caused by the kill or by UNKNOWN outcomes are reported.
 */
class PostgresFleetTest {
  static final String API_KEY = "sk-fleet-test-key";
  static final String TABLES = "fleet_";
  static final CircuitBreakerPolicy CIRCUIT = CircuitBreakerPolicy.builder()
      .waitInOpenState(Duration.ofMillis(300)).build();
  /**
   * The reconcile settings every node uses: a killed node's expired leases are looked up in the fake's
   * events (no lag) after moments instead of the default minute and a half.
   */
  static final ReconcilePolicy RECONCILE = ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofMillis(200))
      .withRecheckDelay(Duration.ofMillis(500));
  private static final int MESSAGES = 240;
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir
  Path temp;

  /** The spool settings every node of the fleet uses: short leases, so the test sees them expire. */
  static SpoolConfig.Builder spoolConfig(Spool spool) {
    return SpoolConfig.builder(spool)
        .lease(Duration.ofSeconds(3))
        .attemptTimeout(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .minRetryDelay(Duration.ofMillis(50))
        .maxRetryDelay(Duration.ofMillis(400));
  }

  @Test
  void everyMessageIsDeliveredOnceByKeyWhenANodeIsKilledMidFlight() throws Exception {
    long seed = Long.getLong("fleet.seed", System.nanoTime());
    String database = EmbeddedPostgresServer.newDatabaseName();
    ReentrantLock lock = new ReentrantLock();
    Condition progress = lock.newCondition();
    Map<String, String> recordedBy = new ConcurrentHashMap<>();
    Set<String> recordedTwice = ConcurrentHashMap.newKeySet();
    AtomicInteger childDelivered = new AtomicInteger();
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
        HikariDataSource pool = PostgresSpoolContractTest.pool(EmbeddedPostgresServer.dataSource(database));
        PostgresSpool seeder = PostgresSpool.builder(pool).tablePrefix(TABLES).nodeId("seeder")
            // It watches the other nodes' deliveries, so it counts them on every call.
            .deliveredRecount(Duration.ZERO).build()) {
      // SparkPost does not deduplicate; the fake does here so that every key's acceptance is counted once
      // and every resend (after the kill, or after an UNKNOWN) is counted as a duplicate.
      sparkPost.deduplicateByKey(true);
      sparkPost.play(OutageScenario.outage2019(seed, 60, 120, 80));
      java.util.function.BiConsumer<String, String> recorded = (node, key) -> {
        String first = recordedBy.putIfAbsent(key, node);
        if (first != null) {
          recordedTwice.add(key + " by " + first + " and " + node);
        }
        lock.lock();
        try {
          progress.signalAll();
        } finally {
          lock.unlock();
        }
      };

      Process child = startChild(database, sparkPost, "child");
      CountDownLatch ready = new CountDownLatch(1);
      Thread reader = ChildOutput.readLines(child, "fleet-child-reader", line -> {
        if (line.startsWith("READY")) {
          ready.countDown();
        } else if (line.startsWith("DELIVERED ")) {
          childDelivered.incrementAndGet();
          recorded.accept("child", line.substring("DELIVERED ".length()));
        }
      });
      boolean childReady = ready.await(2, TimeUnit.MINUTES);
      assertThat(childReady).as("child ready; its stderr:\n%s", tail("child")).isTrue();

      List<Spool.NewEntry> batch = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        Message message = Message.builder().from("sender@example.com").to("rcpt@example.com")
            .subject("fleet " + i).text("body " + i).build();
        Instant now = Instant.now();
        batch.add(new Spool.NewEntry(IdempotencyKey.of("fleet-" + i), message.fingerprint(), message, now,
            now.plus(Duration.ofHours(1)), message.estimatedSizeBytes()));
      }
      seeder.append(batch, Spool.Limits.NONE);
      await(lock, progress, () -> childDelivered.get() >= 5, "the child delivered 5 messages");

      List<EmailClient> nodes = new ArrayList<>();
      try {
        for (String node : List.of("thread-1", "thread-2")) {
          nodes.add(EmailClient.create(SteadfastConfig.builder()
              .apiKey(API_KEY)
              .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
              .retryPolicy(RetryPolicy.NO_RETRIES)
              .circuitBreakerPolicy(CIRCUIT)
              .reconcilePolicy(RECONCILE)
              .listener(new DeliveryListener() {
                @Override
                public void delivered(DeliveryResult.Delivered result) {
                  recorded.accept(node, result.receipt().idempotencyKey().value());
                }
              })
              .spool(spoolConfig(PostgresSpool.builder(pool).tablePrefix(TABLES).nodeId(node).build())
                  .workers(2).build())
              .build()));
        }
        await(lock, progress, () -> childDelivered.get() >= 20 && childLeases(pool) > 0,
            "the child delivered 20 messages and holds leases");
        long leasesAtKill = childLeases(pool);
        child.destroyForcibly();
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(10));

        await(lock, progress, () -> seeder.stats(Instant.now()).count(SpoolState.DELIVERED) == MESSAGES,
            "every message delivered");

        SpoolStats stats = seeder.stats(Instant.now());
        System.out.printf("Fleet test (seed %d): %d messages, child recorded %d before SIGKILL holding %d leases, "
            + "%d requests, %d resends of an accepted key (kill or UNKNOWN), phases %s%n", seed, MESSAGES,
            childDelivered.get(), leasesAtKill, sparkPost.requests().size(), sparkPost.duplicateCount(),
            sparkPost.requestsByPhase());
        assertThat(stats.undeliveredCount()).isZero();
        assertThat(stats.deadCount()).isZero();
        assertThat(recordedTwice).as("keys recorded delivered by two nodes (seed %d)", seed).isEmpty();
        for (int i = 0; i < MESSAGES; i++) {
          assertThat(sparkPost.transmissionCountFor("fleet-" + i)).as("fleet-%d accepted (seed %d)", i, seed)
              .isEqualTo(1);
        }
        assertThat(sparkPost.acceptedKeys()).hasSize(MESSAGES);
        assertThat(recordedBy.values()).contains("thread-1", "thread-2", "child");
      } finally {
        if (child.isAlive()) {
          child.destroyForcibly();
        }
        nodes.forEach(EmailClient::close);
      }
    }
  }

  private static long childLeases(javax.sql.DataSource pool) {
    try (Connection c = pool.getConnection(); PreparedStatement q = c.prepareStatement("SELECT count(*) FROM "
        + TABLES + "entries WHERE state = 'IN_FLIGHT' AND lease_owner = 'child'"); ResultSet r = q.executeQuery()) {
      r.next();
      return r.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until {@code done}, checking whenever a node records a delivery and at least every 100 ms. */
  private static void await(ReentrantLock lock, Condition progress, BooleanSupplier done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    lock.lock();
    try {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("timed out waiting until " + what);
        }
        progress.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    } finally {
      lock.unlock();
    }
  }

  private Process startChild(String database, FakeSparkPost sparkPost, String node) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        FleetChild.class.getName(), EmbeddedPostgresServer.jdbcUrl(database), sparkPost.baseUrl().toString(), API_KEY,
        node, TABLES);
    builder.redirectError(temp.resolve(node + ".err").toFile());
    return builder.start();
  }

  private String tail(String node) throws java.io.IOException {
    Path file = temp.resolve(node + ".err");
    String text = Files.exists(file) ? Files.readString(file) : "";
    return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
  }
}
