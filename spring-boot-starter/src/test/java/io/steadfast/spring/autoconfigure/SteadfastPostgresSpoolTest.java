package io.steadfast.spring.autoconfigure;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SubmitReceipt;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.PostgresSpool;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;

/** The starter with {@code steadfast.spool.store=postgresql} on a real PostgreSQL server. */
class SteadfastPostgresSpoolTest {

  private static final String KEY = "sk-postgres-test-0123456789";
  private static final long WAIT_SECONDS = 120;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class));

  private FakeSparkPost sparkPost;
  private String database;

  @BeforeEach
  void start() {
    sparkPost = FakeSparkPost.start();
    database = EmbeddedPostgresServer.newDatabaseName();
  }

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private ApplicationContextRunner onPostgres(String... more) {
    ApplicationDataSource dataSource = new ApplicationDataSource(EmbeddedPostgresServer.dataSource(database));
    return runner
        .withBean(ApplicationDataSource.class, () -> dataSource)
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "steadfast.retry.max-attempts=1", "steadfast.routes.smtp.enabled=false",
            "steadfast.spool.enabled=true", "steadfast.spool.store=postgresql",
            "steadfast.spool.poll-interval=50ms")
        .withPropertyValues(more);
  }

  private static Message order(String id) {
    return Message.builder().from("shop@example.com").to("buyer@example.com")
        .subject("Order " + id).text("Thanks for order " + id).idempotencyKey(IdempotencyKey.of("order-" + id))
        .build();
  }

  private static DeliveryResult awaitResult(EmailClient client, SubmitReceipt receipt) {
    return client.result(receipt).orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).join();
  }

  private long rows(String sql) throws SQLException {
    try (Connection c = EmbeddedPostgresServer.dataSource(database).getConnection();
        Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void deliversThroughApplicationDataSource() throws Exception {
    onPostgres().run(context -> {
      EmailClient client = context.getBean(EmailClient.class);

      DeliveryResult result = awaitResult(client, client.submit(order("1")));
      Health health = context.getBean(SteadfastHealthIndicator.class).health();

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
      assertThat(health.getDetails().get("spool")).asInstanceOf(InstanceOfAssertFactories.map(String.class,
          Object.class)).containsEntry("store", "postgresql").containsEntry("delivered", 1L);
    });
    assertThat(rows("SELECT count(*) FROM " + PostgresSpool.DEFAULT_TABLE_PREFIX + "entries WHERE state = '"
        + SpoolState.DELIVERED + "'")).isEqualTo(1);
  }

  @Test
  void usesConfiguredTablePrefix() throws Exception {
    onPostgres("steadfast.spool.postgresql.table-prefix=shop_mail_", "steadfast.spool.postgresql.node-id=node-a")
        .run(context -> {
          EmailClient client = context.getBean(EmailClient.class);

          assertThat(awaitResult(client, client.submit(order("1")))).isInstanceOf(DeliveryResult.Delivered.class);
        });

    assertThat(rows("SELECT count(*) FROM shop_mail_entries")).isEqualTo(1);
  }

  @Test
  void submitsInsideApplicationTransaction() throws Exception {
    onPostgres().run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      DataSource dataSource = context.getBean(DataSource.class);
      SubmitReceipt committed;
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(false);
        client.submit(order("rolled-back"), connection);
        connection.rollback();
        committed = client.submit(order("committed"), connection);
        connection.commit();
      }

      DeliveryResult result = awaitResult(client, committed);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-committed")).isEqualTo(1);
      assertThat(sparkPost.transmissionCountFor("order-rolled-back")).isZero();
      assertThat(client.spoolOperations().stats().undeliveredCount()).isZero();
    });
  }

  @Test
  void drainsBeforeApplicationDataSourceCloses() throws Exception {
    sparkPost.enqueue(FakeResponse.acceptedAfter(Duration.ofMillis(500)));
    CountDownLatch started = new CountDownLatch(1);
    DeliveryListener onAttempt = new DeliveryListener() {
      @Override
      public void attemptStarted(IdempotencyKey key, String route, int attempt) {
        started.countDown();
      }
    };
    ApplicationDataSource[] dataSource = new ApplicationDataSource[1];

    onPostgres().withBean("attempts", DeliveryListener.class, () -> onAttempt).run(context -> {
      dataSource[0] = context.getBean(ApplicationDataSource.class);
      context.getBean(EmailClient.class).submit(order("1"));
      assertThat(started.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

      context.close();
    });

    assertThat(dataSource[0].closed).isTrue();
    assertThat(dataSource[0].clientRunningAtClose).isFalse();
    assertThat(rows("SELECT count(*) FROM steadfast_entries WHERE state = 'DELIVERED'")).isEqualTo(1);
    assertThat(rows("SELECT count(*) FROM steadfast_entries WHERE state = 'IN_FLIGHT'")).isZero();
  }

  @Test
  void restartWithSameNodeIdDeliversWhatWasSpooled() throws Exception {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    CountDownLatch tried = new CountDownLatch(1);
    DeliveryListener onFailure = new DeliveryListener() {
      @Override
      public void attemptFinished(IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
        tried.countDown();
      }
    };
    SubmitReceipt[] receipt = new SubmitReceipt[1];
    String[] settings = {"steadfast.spool.postgresql.node-id=node-a", "steadfast.spool.min-retry-delay=50ms",
        "steadfast.spool.max-retry-delay=100ms"};
    onPostgres(settings).withBean("attempts", DeliveryListener.class, () -> onFailure).run(context -> {
      receipt[0] = context.getBean(EmailClient.class).submit(order("1"));
      assertThat(tried.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    });
    assertThat(rows("SELECT count(*) FROM steadfast_entries WHERE state IN ('PENDING', 'IN_FLIGHT')")).isEqualTo(1);
    sparkPost.resume();

    onPostgres(settings).run(context -> {
      DeliveryResult result = awaitResult(context.getBean(EmailClient.class), receipt[0]);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
    });
  }

  @Test
  void explainsMissingDataSource() {
    runner.withPropertyValues("steadfast.api-key=" + KEY, "steadfast.spool.enabled=true",
        "steadfast.spool.store=postgresql").run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("steadfast.spool.store").contains("no DataSource bean");
          assertThat(analysis.getAction()).contains("spring.datasource.url");
        });
  }

  @Test
  void deliveredRecountSetsHowSoonOtherInstancesDeliveriesAreCounted() throws Exception {
    onPostgres("steadfast.spool.postgresql.delivered-recount=0s").run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      assertThat(client.spoolOperations().stats().count(SpoolState.DELIVERED)).isZero();

      // Another instance delivers a message; it is due in an hour, so this instance's dispatcher leaves it.
      PostgresSpool other = PostgresSpool.builder(EmbeddedPostgresServer.dataSource(database)).nodeId("other").build();
      try {
        Instant later = Instant.now().plus(Duration.ofHours(1));
        Message message = order("elsewhere");
        other.append(List.of(new Spool.NewEntry(IdempotencyKey.of("order-elsewhere"), message.fingerprint(), message,
            later, later.plus(Duration.ofHours(72)), message.estimatedSizeBytes())), Spool.Limits.NONE);
        Spool.Claimed claimed = other.claim(1, later, Duration.ofMinutes(5)).get(0);
        assertThat(other.markDelivered(claimed, new SendReceipt("tx-elsewhere", 1, 0,
            IdempotencyKey.of("order-elsewhere"), "rest-us", 1, null), later)).isTrue();
      } finally {
        other.close();
      }

      // With the default (30 s) this would still say 0 until the next recount.
      assertThat(client.spoolOperations().stats().count(SpoolState.DELIVERED)).isEqualTo(1);
    });
  }

  @Test
  void explainsNegativeDeliveredRecount() {
    onPostgres("steadfast.spool.postgresql.delivered-recount=-1s").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.spool.postgresql.delivered-recount")
          .contains("must not be negative");
      assertThat(analysis.getAction()).contains("0 or more");
    });
  }

  @Test
  void explainsInvalidTablePrefix() {
    onPostgres("steadfast.spool.postgresql.table-prefix=Mail-").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.spool.postgresql.table-prefix").contains("Mail-");
      assertThat(analysis.getAction()).contains("lower case letters");
    });
  }

  @Test
  void explainsUnreachableDatabase() {
    runner.withBean(DataSource.class, () -> {
      org.postgresql.ds.PGSimpleDataSource unreachable = new org.postgresql.ds.PGSimpleDataSource();
      unreachable.setServerNames(new String[] {"localhost"});
      unreachable.setPortNumbers(new int[] {1});
      unreachable.setDatabaseName("nowhere");
      unreachable.setUser("postgres");
      unreachable.setConnectTimeout(2);
      return unreachable;
    }).withPropertyValues("steadfast.api-key=" + KEY, "steadfast.spool.enabled=true",
        "steadfast.spool.store=postgresql").run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription())
              .startsWith("Steadfast could not open its spool (steadfast.spool.store = 'postgresql')");
          assertThat(analysis.getAction()).contains("reachable through spring.datasource.url");
        });
  }

  @Test
  void defaultTablePrefixMatchesSpool() {
    assertThat(new SteadfastProperties().getSpool().getPostgresql().getTablePrefix())
        .isEqualTo(PostgresSpool.DEFAULT_TABLE_PREFIX);
  }

  @Test
  void namesStoresForHealth() {
    assertThat(Map.of(
        "postgres", ManagedEmailClient.storeName(PostgresSpool.class.getSimpleName()),
        "sqlite", ManagedEmailClient.storeName(io.steadfast.spool.SqliteSpool.class.getSimpleName())))
        .containsEntry("postgres", "postgresql").containsEntry("sqlite", "sqlite");
  }

  /**
   * The application's pooled DataSource stand-in: closed by the context (as Hikari is), recording
   * whether Steadfast's client was still running then.
   */
  static final class ApplicationDataSource implements DataSource, AutoCloseable, ApplicationContextAware {

    private final DataSource delegate;
    private ApplicationContext context;
    volatile boolean closed;
    volatile boolean clientRunningAtClose;

    ApplicationDataSource(DataSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public void setApplicationContext(ApplicationContext context) {
      this.context = context;
    }

    @Override
    public void close() {
      clientRunningAtClose = context.getBeanProvider(ManagedEmailClient.class).stream()
          .anyMatch(ManagedEmailClient::isRunning);
      closed = true;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (closed) {
        throw new SQLException("data source is closed");
      }
      return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      if (closed) {
        throw new SQLException("data source is closed");
      }
      return delegate.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return delegate.isWrapperFor(type);
    }
  }
}
