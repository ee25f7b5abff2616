package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spool.SpoolOpenException;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

/** The starter with a real SQLite spool, delivering to FakeSparkPost. */
class SteadfastSpoolAutoConfigurationTest {

  private static final String KEY = "sk-spool-test-0123456789";
  private static final Duration WAIT = Duration.ofMinutes(2);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class));

  @TempDir
  Path temp;

  private Path directory;
  private FakeSparkPost sparkPost;

  @BeforeEach
  void start() {
    directory = temp.resolve("spool");
    sparkPost = FakeSparkPost.start();
  }

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private ApplicationContextRunner spooled(String... more) {
    return runner
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "steadfast.retry.max-attempts=1", "steadfast.routes.smtp.enabled=false",
            "steadfast.spool.enabled=true", "steadfast.spool.directory=" + directory,
            "steadfast.spool.poll-interval=50ms")
        .withPropertyValues(more);
  }

  private static Message order(String id) {
    return Message.builder().from("shop@example.com").to("buyer@example.com")
        .subject("Order " + id).text("Thanks for order " + id).idempotencyKey(IdempotencyKey.of("order-" + id))
        .build();
  }

  private static DeliveryResult awaitResult(EmailClient client, SubmitReceipt receipt) {
    return client.result(receipt).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  private SpoolStats statsAfterClose() {
    try (SqliteSpool spool = SqliteSpool.open(directory)) {
      return spool.stats(java.time.Instant.now());
    }
  }

  @Test
  void submitsThroughSqliteSpoolAndDelivers() {
    spooled().withBean(RecordingListener.class, RecordingListener::new).run(context -> {
      EmailClient client = context.getBean(EmailClient.class);

      SubmitReceipt receipt = client.submit(order("1"));
      DeliveryResult result = awaitResult(client, receipt);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
      assertThat(context.getBean(RecordingListener.class).delivered).singleElement()
          .satisfies(d -> assertThat(d.spoolId()).isEqualTo(receipt.spoolId()));
      assertThat(Files.exists(directory.resolve(SqliteSpool.DATABASE_FILE))).isTrue();
    });
  }

  @Test
  void reportsUpWithSpoolDetailsWhenEveryCircuitIsOpen() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    spooled("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1").run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      assertThatThrownBy(() -> client.send(order("1"))).isInstanceOf(ProviderUnavailableException.class);
      client.submit(order("2"));

      Health health = context.getBean(SteadfastHealthIndicator.class).health();

      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-custom", "OPEN"));
      assertThat(health.getDetails().get("spool")).asInstanceOf(
              org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
          .containsEntry("store", "sqlite").containsEntry("pending", 1L).containsEntry("deadLetters", 0L)
          .containsEntry("reconciling", 0L);
    });
  }

  @Test
  void reportsConfiguredStatusWhenSpoolIsOverThreshold() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    spooled("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1",
        "steadfast.spool.max-entries=2", "steadfast.health.spool.max-fill-ratio=0.5",
        "steadfast.health.spool.exceeded-status=down").run(context -> {
          EmailClient client = context.getBean(EmailClient.class);
          assertThatThrownBy(() -> client.send(order("1"))).isInstanceOf(ProviderUnavailableException.class);
          client.submit(order("2"));
          Status oneOfTwo = context.getBean(SteadfastHealthIndicator.class).health().getStatus();

          client.submit(order("3"));

          assertThat(oneOfTwo).isEqualTo(Status.UP);
          assertThat(context.getBean(SteadfastHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
        });
  }

  @Test
  void recordsSpoolMetricsAfterDeliveries() {
    spooled().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      awaitResult(client, client.submit(order("1")));
      awaitResult(client, client.submit(order("2")));
      sparkPost.enqueue(FakeResponse.status(422, "{\"errors\":[{\"message\":\"invalid recipient\",\"code\":\"1902\"}]}",
          "application/json"));

      DeliveryResult rejected = awaitResult(client, client.submit(order("3")));

      assertThat(rejected).isInstanceOf(DeliveryResult.DeadLettered.class);
      assertThat(registry.get("steadfast.spool.delivered").tag("route", "rest-custom").counter().count())
          .isEqualTo(2.0);
      assertThat(registry.get("steadfast.spool.dead.letters").tag("reason", "rejected").counter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("steadfast.spool.delivery.latency").tag("route", "rest-custom").timer().count())
          .isEqualTo(2);
      assertThat(registry.get("steadfast.spool.entries").tag("state", "delivered").gauge().value()).isEqualTo(2.0);
      assertThat(registry.get("steadfast.spool.entries").tag("state", "dead").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("steadfast.spool.entries").tag("state", "pending").gauge().value()).isEqualTo(0.0);
      assertThat(registry.get("steadfast.spool.entries").tag("state", "reconciling").gauge().value()).isEqualTo(0.0);
      assertThat(registry.get("steadfast.spool.oldest.pending.age").timeGauge().value(TimeUnit.SECONDS))
          .isEqualTo(0.0);
      assertThat(registry.get("steadfast.spool.stored").gauge().value()).isPositive();
      assertThat(registry.get("steadfast.sends").tag("outcome", "success").counter().count()).isEqualTo(2.0);
    });
  }

  @Test
  void gaugesOldestPendingAgeWhileMailWaits() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    spooled("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
          EmailClient client = context.getBean(EmailClient.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThatThrownBy(() -> client.send(order("1"))).isInstanceOf(ProviderUnavailableException.class);

          client.submit(order("2"));

          assertThat(registry.get("steadfast.spool.entries").tag("state", "pending").gauge().value()).isEqualTo(1.0);
          assertThat(registry.get("steadfast.spool.oldest.pending.age").timeGauge().value(TimeUnit.MILLISECONDS))
              .isGreaterThanOrEqualTo(0.0);
        });
  }

  @Test
  void contextCloseWaitsForInFlightDelivery() {
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(500)));
    CountDownLatch started = new CountDownLatch(1);
    DeliveryListener onAttempt = new DeliveryListener() {
      @Override
      public void attemptStarted(IdempotencyKey key, String route, int attempt) {
        started.countDown();
      }
    };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    spooled().withBean("attempts", DeliveryListener.class, () -> onAttempt)
        .withBean(MeterRegistry.class, () -> registry).run(context -> {
          context.getBean(EmailClient.class).submit(order("1"));
          assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

          context.close();
        });

    assertThat(registry.get("steadfast.spool.delivery.latency").timer().count())
        .as("the delivery that finished while draining is timed").isEqualTo(1);
    SpoolStats stats = statsAfterClose();
    assertThat(stats.count(SpoolState.IN_FLIGHT)).isZero();
    assertThat(stats.count(SpoolState.PENDING)).isZero();
    assertThat(stats.count(SpoolState.DELIVERED)).isEqualTo(1);
    assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
  }

  @Test
  void clientOutlivesWebServerGracefulShutdown() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    GracefulShutdownStandIn server = new GracefulShutdownStandIn();

    spooled("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1")
        .withBean(GracefulShutdownStandIn.class, () -> server).run(context -> {
          assertThatThrownBy(() -> context.getBean(EmailClient.class).send(order("1")))
              .isInstanceOf(ProviderUnavailableException.class);

          context.close();
        });

    assertThat(server.clientRunningAtStart).isTrue();
    assertThat(server.failureAtStop).isNull();
    assertThat(server.receiptAtStop).isNotNull();
    SpoolStats stats = statsAfterClose();
    assertThat(stats.count(SpoolState.PENDING)).isEqualTo(1);
    assertThat(stats.count(SpoolState.IN_FLIGHT)).isZero();
  }

  @Test
  void restartDeliversWhatWasSpooled() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    CountDownLatch tried = new CountDownLatch(1);
    DeliveryListener onFailure = new DeliveryListener() {
      @Override
      public void attemptFinished(IdempotencyKey key, String route, int attempt, io.steadfast.spi.Outcome outcome,
          Duration elapsed) {
        tried.countDown();
      }
    };
    SubmitReceipt[] receipt = new SubmitReceipt[1];
    spooled("steadfast.spool.min-retry-delay=50ms", "steadfast.spool.max-retry-delay=100ms")
        .withBean("attempts", DeliveryListener.class, () -> onFailure).run(context -> {
          receipt[0] = context.getBean(EmailClient.class).submit(order("1"));
          assertThat(tried.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        });
    assertThat(statsAfterClose().undeliveredCount()).isEqualTo(1);
    sparkPost.resume();

    spooled("steadfast.spool.min-retry-delay=50ms", "steadfast.spool.max-retry-delay=100ms").run(context -> {
      DeliveryResult result = awaitResult(context.getBean(EmailClient.class), receipt[0]);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
    });
  }

  @Test
  void stopsAndStartsWithContextLifecycle() {
    spooled().run(context -> {
      EmailClient client = context.getBean(EmailClient.class);

      context.stop();

      assertThatThrownBy(() -> client.submit(order("1"))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("stopped");
      assertThat(context.getBean(SteadfastHealthIndicator.class).health().getStatus())
          .isEqualTo(Status.OUT_OF_SERVICE);

      context.start();

      assertThat(awaitResult(client, client.submit(order("2")))).isInstanceOf(DeliveryResult.Delivered.class);
    });
  }

  @Test
  void passesTransactionalSubmitToTheClient() {
    spooled().run(context -> {
      try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:")) {
        connection.setAutoCommit(false);

        // The SQLite spool cannot join another database's transaction; the point is who says so.
        assertThatThrownBy(() -> context.getBean(EmailClient.class).submit(order("1"), connection))
            .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("SqliteSpool")
            .hasMessageNotContaining(ManagedEmailClient.class.getName());
      }
    });
  }

  @Test
  void spoolsInMemoryWithoutSpoolModule() {
    runner.withClassLoader(new FilteredClassLoader("io.steadfast.spool"))
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "steadfast.routes.smtp.enabled=false", "steadfast.spool.enabled=true", "steadfast.spool.store=memory")
        .run(context -> {
          EmailClient client = context.getBean(EmailClient.class);

          assertThat(awaitResult(client, client.submit(order("1")))).isInstanceOf(DeliveryResult.Delivered.class);
          assertThat(context).doesNotHaveBean(SpoolOpener.class);
        });
  }

  @Test
  void mapsSpoolPropertiesOntoSpoolConfig() {
    SteadfastProperties properties = new SteadfastProperties();
    properties.setApiKey(KEY);
    properties.getRoutes().getSmtp().setEnabled(false);
    SteadfastProperties.Spool spool = properties.getSpool();
    spool.setEnabled(true);
    spool.setStore(SteadfastProperties.Store.MEMORY);
    spool.setWorkers(7);
    spool.setMaxEntries(500);
    spool.setMaxSize(DataSize.ofMegabytes(3));
    spool.setSubmitTimeout(Duration.ofSeconds(2));
    spool.setDeliverWithin(Duration.ofHours(6));
    spool.setRetention(Duration.ofDays(1));
    spool.setMinRetryDelay(Duration.ofSeconds(1));
    spool.setMaxRetryDelay(Duration.ofMinutes(10));
    spool.setLease(Duration.ofMinutes(2));
    spool.setAttemptTimeout(Duration.ofSeconds(30));
    spool.setPollInterval(Duration.ofMillis(200));
    spool.setCloseTimeout(Duration.ofSeconds(5));

    SteadfastConfig config = SteadfastConfigFactory.create(properties, DeliveryListener.NONE,
        getClass().getClassLoader(), null);

    SpoolConfig mapped = config.spool().orElseThrow();
    try {
      assertThat(mapped.workers()).isEqualTo(7);
      assertThat(mapped.maxEntries()).isEqualTo(500);
      assertThat(mapped.maxBytes()).isEqualTo(3L * 1024 * 1024);
      assertThat(mapped.submitTimeout()).isEqualTo(Duration.ofSeconds(2));
      assertThat(mapped.deliverWithin()).isEqualTo(Duration.ofHours(6));
      assertThat(mapped.retention()).isEqualTo(Duration.ofDays(1));
      assertThat(mapped.minRetryDelay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(mapped.maxRetryDelay()).isEqualTo(Duration.ofMinutes(10));
      assertThat(mapped.lease()).isEqualTo(Duration.ofMinutes(2));
      assertThat(mapped.attemptTimeout()).isEqualTo(Duration.ofSeconds(30));
      assertThat(mapped.pollInterval()).isEqualTo(Duration.ofMillis(200));
      assertThat(mapped.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
    } finally {
      mapped.spool().close();
      SteadfastConfigFactory.closeTransports(config);
    }
  }

  @Test
  void bindsSpoolProperties() {
    spooled("steadfast.spool.store=sqlite", "steadfast.spool.workers=2", "steadfast.spool.max-size=10MB",
        "steadfast.spool.deliver-within=24h", "steadfast.health.spool.max-oldest-pending-age=1h",
        "steadfast.health.spool.max-dead-letters=5").run(context -> {
          SteadfastProperties p = context.getBean(SteadfastProperties.class);

          assertThat(p.getSpool().isEnabled()).isTrue();
          assertThat(p.getSpool().getStore()).isEqualTo(SteadfastProperties.Store.SQLITE);
          assertThat(p.getSpool().getDirectory()).isEqualTo(directory);
          assertThat(p.getSpool().getWorkers()).isEqualTo(2);
          assertThat(p.getSpool().getMaxSize()).isEqualTo(DataSize.ofMegabytes(10));
          assertThat(p.getSpool().getDeliverWithin()).isEqualTo(Duration.ofHours(24));
          assertThat(p.getHealth().getSpool().getMaxOldestPendingAge()).isEqualTo(Duration.ofHours(1));
          assertThat(p.getHealth().getSpool().getMaxDeadLetters()).isEqualTo(5L);
        });
  }

  private static FailureAnalysis analyze(Throwable failure) {
    FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(failure);
    assertThat(analysis).isNotNull();
    return analysis;
  }

  @Test
  void explainsMissingDirectory() {
    runner.withPropertyValues("steadfast.api-key=" + KEY, "steadfast.spool.enabled=true").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool.directory").contains("needs a directory");
      assertThat(analysis.getAction()).contains("Set steadfast.spool.directory");
    });
  }

  @Test
  void explainsASecondDispatchingInstanceAndThatOthersMaySetDispatchFalse() {
    try (SqliteSpool other = SqliteSpool.open(directory)) {
      spooled().run(context -> {
        assertThat(context).hasFailed();

        FailureAnalysis analysis = analyze(context.getStartupFailure());

        assertThat(analysis.getDescription())
            .startsWith("Steadfast could not open its spool (steadfast.spool.directory = '" + directory + "')")
            .contains("is being dispatched by another process");
        assertThat(analysis.getAction()).startsWith("This is transient").contains("nothing in " + directory
            + " was touched").contains("set steadfast.spool.dispatch=false on every other one")
            .contains("its own steadfast.spool.directory").contains("steadfast.spool.store=postgresql");
      });
      assertThat(other.stats(java.time.Instant.now()).undeliveredCount()).isZero();
    }
  }

  @Test
  void anInstanceThatDoesNotDispatchStartsBesideTheDispatcherAndOnlyStores() {
    try (SqliteSpool dispatcher = SqliteSpool.open(directory)) {
      spooled("steadfast.spool.dispatch=false").run(context -> {
        assertThat(context).hasNotFailed();
        EmailClient client = context.getBean(EmailClient.class);

        SubmitReceipt receipt = client.submit(order("beside"));

        assertThat(dispatcher.inspect(receipt.spoolId())).get().extracting(e -> e.state())
            .isEqualTo(io.steadfast.spi.SpoolState.PENDING);
        assertThat(sparkPost.requests()).as("an instance that does not dispatch never delivers").isEmpty();
      });
    }
  }

  @Test
  void instancesSharingADirectoryDeliverThroughTheOneThatDispatches() {
    // Polling once an hour: the dispatching instance hears of the other one's submit from the spool file.
    spooled("steadfast.spool.poll-interval=1h").run(dispatching -> spooled("steadfast.spool.dispatch=false")
        .run(submitting -> {
          assertThat(dispatching).hasNotFailed();
          assertThat(submitting).hasNotFailed();

          SubmitReceipt receipt = submitting.getBean(EmailClient.class).submit(order("shared"));

          DeliveryResult result = dispatching.getBean(EmailClient.class).result(receipt)
              .orTimeout(WAIT.toSeconds() * 3, TimeUnit.SECONDS).join();
          assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
          assertThat(sparkPost.transmissionCountFor("order-shared")).isEqualTo(1);
        }));
  }

  @Test
  void explainsSpoolWrittenByNewerVersion() throws Exception {
    SqliteSpool.open(directory).close();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(
        "jdbc:sqlite:" + directory.resolve(SqliteSpool.DATABASE_FILE)); java.sql.Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (" + (SqliteSpool.SCHEMA_VERSION + 1)
          + ", 0)");
    }

    spooled().run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).startsWith("Steadfast could not open its spool").contains("newer");
      assertThat(analysis.getAction()).contains("Upgrade Steadfast").contains("left unchanged");
    });
  }

  /** What {@link #truncatedSpoolOf} left: the acknowledged keys and how many bodies sit on intact pages. */
  private record Truncated(List<String> keys, long readableBodies) {}

  /**
   * Writes {@code count} acknowledged messages into a SQLite spool in {@link #directory}, one commit each as
   * separate submits make them, closes it, and truncates the file after the last page that is not a
   * message body, as {@code truncate -s} did in issue #17: the entries, their index and the bodies on the
   * early pages stay intact, the later bodies are gone. SQLite's own page map ({@code dbstat}) says where
   * the cut falls and so how many bodies stay readable.
   */
  private Truncated truncatedSpoolOf(int count) throws Exception {
    List<String> keys = new ArrayList<>();
    try (SqliteSpool spool = SqliteSpool.open(directory)) {
      java.time.Instant now = java.time.Instant.now();
      for (int i = 0; i < count; i++) {
        Message message = Message.builder().from("shop@example.com").to("buyer@example.com").subject("Order " + i)
            .text("Thanks for order " + i + ". " + "Your items are on their way. ".repeat(40))
            .idempotencyKey(IdempotencyKey.of("order-" + i)).build();
        spool.append(List.of(new Spool.NewEntry(message.idempotencyKey(), message.fingerprint(), message, now,
            now.plus(Duration.ofDays(1)), message.estimatedSizeBytes())), Spool.Limits.NONE);
        keys.add("order-" + i);
      }
    }
    Path file = directory.resolve(SqliteSpool.DATABASE_FILE);
    long pageSize;
    long cut;
    long readable;
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement s = c.createStatement()) {
      pageSize = single(s, "PRAGMA page_size");
      cut = single(s, "SELECT max(pageno) FROM dbstat WHERE name <> 'bodies'");
      readable = single(s, "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = 'bodies' AND pagetype = 'leaf' "
          + "AND pageno <= " + cut);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      assertThat(cut * pageSize).as("the cut falls inside the file").isLessThan(channel.size());
      channel.truncate(cut * pageSize);
    }
    return new Truncated(keys, readable);
  }

  private static long single(java.sql.Statement statement, String sql) throws java.sql.SQLException {
    try (java.sql.ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    }
  }

  @Test
  void startsOnATruncatedSpoolWithItsReadableEntriesAndReportsDownWithTheDamageSummary() throws Exception {
    Truncated truncated = truncatedSpoolOf(12);
    assertThat(truncated.readableBodies()).as("bodies left on intact pages").isPositive()
        .isLessThan(truncated.keys().size());

    spooled().run(context -> {
      assertThat(context).hasNotFailed();
      EmailClient client = context.getBean(EmailClient.class);

      Health health = context.getBean(SteadfastHealthIndicator.class).health();

      SpoolDamage damage = client.spoolOperations().damage().orElseThrow();
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails().get("spool")).asInstanceOf(
              org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
          .containsEntry("damage", damage.summary()).containsEntry("unreadable", damage.unreadable());
      assertThat(damage.recovered()).as("entries salvaged").isEqualTo(truncated.readableBodies());
      assertThat(damage.unreadable()).as("entries lost").isEqualTo(truncated.keys().size() - truncated.readableBodies());
      assertThat(damage.unreadableKeys()).isSubsetOf(truncated.keys());
      assertThat(Path.of(damage.damagedCopy())).exists()
          .startsWith(directory.toAbsolutePath().resolve(SqliteSpool.CORRUPT_DIRECTORY));
      SpoolStats stats = client.spoolOperations().stats();
      long held = 0;
      // A set: an entry the dispatcher delivers meanwhile moves forward in this order and is seen twice.
      java.util.Set<String> spooled = new java.util.HashSet<>();
      for (SpoolState state : SpoolState.values()) {
        held += stats.count(state);
        client.spoolOperations().list(state, 100).forEach(entry -> spooled.add(entry.idempotencyKey().value()));
      }
      assertThat(held).as("entries in the fresh spool").isEqualTo(damage.recovered());
      assertThat(spooled).hasSize((int) damage.recovered()).isSubsetOf(truncated.keys())
          .doesNotContainAnyElementsOf(damage.unreadableKeys());
    });
  }

  @Test
  void reportsUpAgainAfterAnOperatorClearsTheDamage() throws Exception {
    truncatedSpoolOf(12);
    spooled().run(context -> assertThat(context.getBean(SteadfastHealthIndicator.class).health().getStatus())
        .isEqualTo(Status.DOWN));

    assertThat(SqliteSpool.clearDamage(directory)).as("damage reports cleared").isEqualTo(1);

    spooled().run(context -> {
      Health health = context.getBean(SteadfastHealthIndicator.class).health();
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails().get("spool")).asInstanceOf(
              org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
          .doesNotContainKeys("damage", "unreadable");
      assertThat(context.getBean(EmailClient.class).spoolOperations().damage()).isEmpty();
    });
  }

  /**
   * Makes a spool in {@code directory} whose directory (0770) and files (0660) are writable by their group,
   * the current user's primary group (the group of a directory made just now), and returns that group: a
   * shared spool without needing another user, as the tests may run as root.
   */
  private String groupWritableSpool() throws Exception {
    SqliteSpool.open(directory).close();
    String group = Files.readAttributes(Files.createDirectory(temp.resolve("probe")), PosixFileAttributes.class)
        .group().getName();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
      }
    }
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwx---"));
    return group;
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void explainsAGroupWritableSpoolAndThatTrustedGroupSharesIt() throws Exception {
    String group = groupWritableSpool();

    spooled().run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription())
          .startsWith("Steadfast could not open its spool (steadfast.spool.directory = '" + directory + "')")
          .contains(directory + " is writable by its group " + group).contains("no group is trusted");
      assertThat(analysis.getAction()).contains("set steadfast.spool.trusted-group to that group");
    });
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void opensAGroupWritableSpoolOfTheTrustedGroupAndDelivers() throws Exception {
    String group = groupWritableSpool();

    spooled("steadfast.spool.trusted-group=" + group).run(context -> {
      assertThat(context).hasNotFailed();
      EmailClient client = context.getBean(EmailClient.class);

      DeliveryResult result = awaitResult(client, client.submit(order("group")));

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-group")).isEqualTo(1);
    });
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void anInstanceThatDoesNotDispatchOpensAGroupWritableSpoolOfTheTrustedGroup() throws Exception {
    String group = groupWritableSpool();

    try (SqliteSpool dispatcher = SqliteSpool.open(directory, Duration.ofSeconds(10), group)) {
      spooled("steadfast.spool.dispatch=false", "steadfast.spool.trusted-group=" + group).run(context -> {
        assertThat(context).hasNotFailed();

        SubmitReceipt receipt = context.getBean(EmailClient.class).submit(order("group-beside"));

        assertThat(dispatcher.inspect(receipt.spoolId())).get().extracting(e -> e.state())
            .isEqualTo(SpoolState.PENDING);
      });
      spooled("steadfast.spool.dispatch=false").run(context -> assertThat(analyze(context.getStartupFailure())
          .getDescription()).contains(directory + " is writable by its group " + group));
    }
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void explainsATrustedGroupThatIsNoGroupOnThisHost() {
    spooled("steadfast.spool.trusted-group=no-such-group-here").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool.trusted-group").contains("no-such-group-here")
          .contains("is not a group on this host");
      assertThat(analysis.getAction()).contains("a group that exists on this host");
      assertThat(Files.exists(directory)).as("a bad setting fails before the directory is created").isFalse();
    });
  }

  @Test
  void explainsABlankTrustedGroup() {
    spooled("steadfast.spool.trusted-group= ").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool.trusted-group").contains("blank");
      assertThat(Files.exists(directory)).as("a bad setting fails before the directory is created").isFalse();
    });
  }

  /** The spool's application with an opener that fails as {@code failure} says, as SqliteSpool.open would. */
  private ApplicationContextRunner failingToOpen(SpoolOpenException failure) {
    return spooled().withBean(SpoolOpener.class, () -> new SqliteSpoolOpener(dir -> {
      throw failure;
    }));
  }

  @Test
  void explainsEnvironmentFaultWithItsCauseAndFixAndThatNothingWasTouched() {
    String cause = "SQLite's native library could not be extracted to /tmp (Read-only file system); nothing in "
        + directory + " was touched. Set -Dorg.sqlite.tmpdir to a writable directory that allows executables.";

    failingToOpen(new SpoolOpenException(SpoolOpenException.Reason.ENVIRONMENT, cause)).run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription())
          .startsWith("Steadfast could not open its spool (steadfast.spool.directory = '" + directory + "')")
          .contains(cause);
      assertThat(analysis.getAction()).startsWith("Fix the cause named above, then start the application again")
          .contains("nothing in " + directory.toAbsolutePath() + " was touched").contains("not damaged")
          .contains("org.sqlite.tmpdir").contains("ulimit -f").contains("can write").contains("chmod 700")
          .doesNotContain("corrupt").doesNotContain("moved");
    });
  }

  @Test
  void explainsDamageFoundByAReadOnlyOpenAndThatOpeningForDispatchSalvages() {
    failingToOpen(new SpoolOpenException(SpoolOpenException.Reason.DAMAGED, "The spool database "
        + directory.resolve(SqliteSpool.DATABASE_FILE) + " is damaged (integrity check failed)")).run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = analyze(context.getStartupFailure());

          assertThat(analysis.getDescription()).startsWith("Steadfast could not open its spool").contains("damaged");
          assertThat(analysis.getAction()).contains("left exactly as it is (nothing moved or deleted)")
              .contains("salvages every readable entry")
              .contains(directory.toAbsolutePath().resolve(SqliteSpool.CORRUPT_DIRECTORY).toString())
              .contains("steadfast spool clear-damage");
        });
  }

  @Test
  void explainsDamageThatCouldNotBeSalvaged() {
    failingToOpen(new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool database is "
        + "damaged and could not be salvaged: no room for the fresh spool")).run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = analyze(context.getStartupFailure());

          assertThat(analysis.getDescription()).startsWith("Steadfast could not open its spool")
              .contains("could not be salvaged");
          assertThat(analysis.getAction()).contains("is where it was; nothing was deleted")
              .contains("free disk space there").contains(".recover");
        });
  }

  @Test
  void explainsUnwritableDirectory() throws Exception {
    // Tests may run as root, who can write anywhere: a path below a regular file cannot be created by anyone.
    Path file = Files.writeString(temp.resolve("not-a-directory"), "x");
    Path below = file.resolve("spool");

    runner.withPropertyValues("steadfast.api-key=" + KEY, "steadfast.spool.enabled=true",
        "steadfast.spool.directory=" + below).run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = analyze(context.getStartupFailure());

          assertThat(analysis.getDescription()).contains("steadfast.spool.directory").contains(below.toString());
          assertThat(analysis.getAction()).contains("can write").contains("chmod 700");
        });
  }

  @Test
  void explainsLeaseNotLongerThanAttemptTimeout() {
    spooled("steadfast.spool.lease=30s", "steadfast.spool.attempt-timeout=60s").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool").contains("lease");
      assertThat(analysis.getAction()).contains("steadfast.spool.lease longer than steadfast.spool.attempt-timeout");
      assertThat(Files.exists(directory)).as("a bad setting fails before the directory is created").isFalse();
    });
  }

  @Test
  void explainsInvalidWorkers() {
    spooled("steadfast.spool.workers=0").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool.workers").contains("'0'");
      assertThat(analysis.getAction()).contains("1 or more");
    });
  }

  @Test
  void explainsMissingSpoolModule() {
    spooled().withClassLoader(new FilteredClassLoader("io.steadfast.spool")).run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = analyze(context.getStartupFailure());

      assertThat(analysis.getDescription()).contains("steadfast.spool.enabled").contains("steadfast-spool");
      assertThat(analysis.getAction()).contains("io.steadfast:steadfast-spool");
    });
  }

  @Test
  void releasesSpoolWhenStartupFailsAfterIt() {
    spooled().withUserConfiguration(FailsAfterClientConfiguration.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasRootCauseMessage("another bean failed");
    });

    try (SqliteSpool reopened = SqliteSpool.open(directory)) {
      assertThat(reopened.directory()).isEqualTo(directory.toAbsolutePath());
    }
  }

  @Test
  void listsEntriesThroughSpoolOperations() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    spooled("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1").run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      assertThatThrownBy(() -> client.send(order("1"))).isInstanceOf(ProviderUnavailableException.class);

      SubmitReceipt receipt = client.submit(order("2"));

      assertThat(client.spoolOperations().list(SpoolState.PENDING, 10)).extracting(SpoolEntry::id)
          .containsExactly(receipt.spoolId());
    });
  }

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class FailsAfterClientConfiguration {

    @org.springframework.context.annotation.Bean
    String failsAfterClient(EmailClient client) {
      throw new IllegalStateException("another bean failed");
    }
  }

  /**
   * Stands in for Boot's web server graceful shutdown, at its phase: a request still running while the
   * server shuts down gracefully submits mail, and must find a working client.
   */
  static final class GracefulShutdownStandIn implements org.springframework.context.SmartLifecycle,
      org.springframework.context.ApplicationContextAware {

    private org.springframework.context.ApplicationContext context;
    private volatile boolean running;
    volatile boolean clientRunningAtStart;
    volatile SubmitReceipt receiptAtStop;
    volatile RuntimeException failureAtStop;

    @Override
    public void setApplicationContext(org.springframework.context.ApplicationContext context) {
      this.context = context;
    }

    @Override
    public void start() {
      clientRunningAtStart = context.getBean(ManagedEmailClient.class).isRunning();
      running = true;
    }

    @Override
    public void stop() {
      try {
        receiptAtStop = context.getBean(EmailClient.class).submit(order("late"));
      } catch (RuntimeException e) {
        failureAtStop = e;
      }
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return DEFAULT_PHASE - 1024;
    }
  }
}
