package io.steadfast.spool;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeSparkPost;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit(message, connection)}: the email exists if and only if the business change commits,
 * and is delivered after the commit.
 */
class PostgresOutboxTest {
  private static final String API_KEY = "sk-outbox-test-key";
  private static HikariDataSource pool;

  @TempDir
  Path temp;

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @BeforeAll
  static void startDatabase() throws Exception {
    pool = PostgresSpoolContractTest.pool(EmbeddedPostgresServer.newDatabase());
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL)");
    }
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @AfterEach
  void stopFake() {
    sparkPost.close();
  }

  private EmailClient client(Spool spool) {
    return client(spool, sparkPost);
  }

  private static EmailClient client(Spool spool, FakeSparkPost target) {
    return EmailClient.create(SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(target.baseUrl().toString()))
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .spool(SpoolConfig.builder(spool).pollInterval(Duration.ofMillis(50)).minRetryDelay(Duration.ofMillis(50))
            .maxRetryDelay(Duration.ofMillis(200)).build())
        .build());
  }

  private static Message confirmation(int order) {
    return Message.builder().from("shop@example.com").to("customer@example.com").subject("Order " + order)
        .text("Thank you for order " + order).idempotencyKey(IdempotencyKey.of("order-" + order)).build();
  }

  private static void insertOrder(Connection c, int id) throws Exception {
    try (var insert = c.prepareStatement("INSERT INTO orders (id, customer) VALUES (?, 'c')")) {
      insert.setInt(1, id);
      insert.executeUpdate();
    }
  }

  @Test
  void rolledBackTransactionLeavesNoEntryAndCommittedOneIsDelivered() throws Exception {
    PostgresSpool spool = PostgresSpool.builder(pool).tablePrefix("outbox1_").build();
    try (EmailClient client = client(spool)) {
      SubmitReceipt committed;
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        insertOrder(c, 1);
        client.submit(confirmation(1), c);
        c.rollback();

        insertOrder(c, 2);
        committed = client.submit(confirmation(2), c);
        c.commit();
      }

      DeliveryResult result = client.result(committed).get(20, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-2")).isEqualTo(1);
      assertThat(spool.find(IdempotencyKey.of("order-1"))).isEmpty();
      assertThat(sparkPost.transmissionCountFor("order-1")).isZero();
      assertThat(client.spoolOperations().stats().count(SpoolState.DELIVERED)).isEqualTo(1);
    }
  }

  @Test
  void uncommittedEntryIsNotDeliveredUntilTheCommit() throws Exception {
    PostgresSpool spool = PostgresSpool.builder(pool).tablePrefix("outbox2_").build();
    try (EmailClient client = client(spool); Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      insertOrder(c, 3);
      SubmitReceipt receipt = client.submit(confirmation(3), c);
      // Other transactions see nothing yet, so no dispatcher can claim it.
      assertThat(spool.find(IdempotencyKey.of("order-3"))).isEmpty();
      assertThat(client.spoolOperations().stats().undeliveredCount()).isZero();

      c.commit();

      assertThat(client.result(receipt)).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("order-3")).isEqualTo(1);
    }
  }

  @Test
  void resultCompletesWhenAnotherNodeDeliveredTheMessage() throws Exception {
    try (FakeSparkPost broken = FakeSparkPost.start(API_KEY)) {
      broken.alwaysRespond(io.steadfast.testing.FakeResponse.serverError(503));
      PostgresSpool spoolA = PostgresSpool.builder(pool).tablePrefix("outbox3_").nodeId("a").build();
      PostgresSpool spoolB = PostgresSpool.builder(pool).tablePrefix("outbox3_").nodeId("b").build();
      // Node a reaches only a failing SparkPost, node b a healthy one: b ends up delivering a's message.
      try (EmailClient a = client(spoolA, broken); EmailClient b = client(spoolB, sparkPost)) {
        SubmitReceipt receipt = a.submit(confirmation(5));

        assertThat(a.result(receipt)).succeedsWithin(Duration.ofMinutes(2))
            .isInstanceOf(DeliveryResult.Delivered.class);
        assertThat(sparkPost.transmissionCountFor("order-5")).isEqualTo(1);
        assertThat(broken.transmissions()).isEmpty();
        assertThat(b.spoolOperations().inspect(receipt.spoolId()).orElseThrow().receipt()).isNotNull();
      }
    }
  }

  @Test
  void spoolsThatCannotJoinATransactionRefuseWithAClearMessage() throws Exception {
    try (EmailClient client = client(SqliteSpool.open(temp.resolve("spool"))); Connection c = pool.getConnection()) {
      c.setAutoCommit(false);

      assertThatThrownBy(() -> client.submit(confirmation(4), c))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("SqliteSpool").hasMessageContaining("PostgresSpool");
    }
  }
}
