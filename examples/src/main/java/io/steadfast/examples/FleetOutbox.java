package io.steadfast.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spool.PostgresSpool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * One node of a fleet whose spool lives in PostgreSQL: any node delivers what any other spooled, so a
 * dead host strands no mail. Order confirmations are submitted in the same transaction as the order
 * (the outbox pattern): an order that rolls back sends no email, one that commits sends exactly one.
 *
 * <p>Run with the API key, a base URL (or {@code us}) and a JDBC URL as arguments; the build runs it
 * against a local FakeSparkPost and an embedded PostgreSQL.
 */
public final class FleetOutbox {
  private FleetOutbox() {}

  /**
   * Places order 1001 (committed) and order 1002 (rolled back), and waits for 1001's confirmation.
   *
   * @param args the API key, a base URL or {@code us}, and a JDBC URL such as
   *     {@code jdbc:postgresql://db:5432/shop?user=shop}
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("Usage: FleetOutbox <api-key> <base-url|us> <jdbc-url>");
      System.exit(2);
      return;
    }
    Endpoint endpoint = args[1].equals("us") ? Endpoint.US : Endpoint.custom(args[1]);
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(args[2]);
    hikari.setMaximumPoolSize(10);
    try (HikariDataSource dataSource = new HikariDataSource(hikari);
        EmailClient client = EmailClient.create(SteadfastConfig.builder()
            .apiKey(args[0])
            .endpoint(endpoint)
            // Every node opens the same tables; each gets its own node id for its leases.
            .spool(SpoolConfig.builder(PostgresSpool.open(dataSource)).build())
            .build())) {
      createOrdersTable(dataSource);

      SubmitReceipt placed = placeOrder(dataSource, client, 1001, "alice@example.com", true);
      placeOrder(dataSource, client, 1002, "bob@example.com", false);

      DeliveryResult result = client.result(placed).get(60, TimeUnit.SECONDS);
      System.out.println("Order 1001 confirmation: " + result);
    }
  }

  /**
   * Inserts an order and submits its confirmation in one transaction, then commits it or, to show the
   * outbox at work, rolls it back.
   */
  static SubmitReceipt placeOrder(DataSource dataSource, EmailClient client, int order, String email,
      boolean commit) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, email) VALUES (?, ?)")) {
        insert.setInt(1, order);
        insert.setString(2, email);
        insert.executeUpdate();
      }
      SubmitReceipt receipt = client.submit(Message.builder()
          .from("orders@shop.example", "Shop")
          .to(email)
          .subject("Order " + order + " confirmed")
          .text("Thank you for your order.")
          .idempotencyKey(IdempotencyKey.of("order-" + order)) // one email per order, whichever node sends it
          .build(), c);
      if (commit) {
        c.commit(); // the confirmation exists from here on, and is delivered after this commit
      } else {
        c.rollback(); // neither the order nor its confirmation ever existed
      }
      return receipt;
    }
  }

  private static void createOrdersTable(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS orders (id integer PRIMARY KEY, email text NOT NULL)");
    }
  }
}
