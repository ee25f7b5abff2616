package io.steadfast.spool;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.RetryPolicy;
import io.steadfast.SteadfastConfig;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The node {@link PostgresFleetTest} kills: a dispatcher on the shared PostgreSQL spool in its own
 * JVM. Prints {@code READY} once it dispatches and {@code DELIVERED <key>} for every message it
 * recorded as delivered; runs until killed.
 *
 * <p>Arguments: JDBC URL, FakeSparkPost base URL, API key, node id, table prefix.
 */
public final class FleetChild {
  private FleetChild() {}

  /** Runs the node; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(args[0]);
    pool.setMaximumPoolSize(8);
    HikariDataSource dataSource = new HikariDataSource(pool);
    PostgresSpool spool = PostgresSpool.builder(dataSource).nodeId(args[3]).tablePrefix(args[4]).build();
    EmailClient client = EmailClient.create(SteadfastConfig.builder()
        .apiKey(args[2])
        .endpoint(Endpoint.custom(args[1]))
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(PostgresFleetTest.CIRCUIT)
        .reconcilePolicy(PostgresFleetTest.RECONCILE)
        .listener(new DeliveryListener() {
          @Override
          public void delivered(DeliveryResult.Delivered result) {
            synchronized (out) {
              out.println("DELIVERED " + result.receipt().idempotencyKey().value());
              out.flush();
            }
          }
        })
        .spool(PostgresFleetTest.spoolConfig(spool).workers(8).build())
        .build());
    synchronized (out) {
      out.println("READY " + client.spoolOperations().stats());
      out.flush();
    }
    new CountDownLatch(1).await();
  }
}
