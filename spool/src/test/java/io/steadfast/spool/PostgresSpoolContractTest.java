package io.steadfast.spool;

import io.steadfast.testing.EmbeddedPostgresServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.spi.Spool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The PostgreSQL spool passes the spool contract, against a real server; each test has its own tables. */
class PostgresSpoolContractTest extends SpoolContractTest {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static HikariDataSource pool;

  @BeforeAll
  static void startDatabase() {
    pool = pool(EmbeddedPostgresServer.newDatabase());
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  /** Returns a small Hikari pool over {@code dataSource}, as an application would configure one. */
  static HikariDataSource pool(javax.sql.DataSource dataSource) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(dataSource);
    config.setMaximumPoolSize(8);
    config.setPoolName("steadfast-test");
    return new HikariDataSource(config);
  }

  @Override
  protected Spool newSpool() {
    return PostgresSpool.builder(pool).tablePrefix("c" + TABLES.incrementAndGet() + "_").build();
  }
}
