package io.steadfast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The tests' PostgreSQL server starts on a fresh machine, as root or not, and hands out databases. */
class EmbeddedPostgresServerTest {

  @Test
  void startsARealServerWithSkipLockedAndSeparateDatabases() throws Exception {
    DataSource first = EmbeddedPostgresServer.newDatabase();
    DataSource second = EmbeddedPostgresServer.newDatabase();

    try (Connection a = first.getConnection(); Connection b = second.getConnection();
        Statement s = a.createStatement(); Statement t = b.createStatement()) {
      s.execute("CREATE TABLE t (id int)");
      s.execute("INSERT INTO t VALUES (1), (2)");
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM (SELECT id FROM t FOR UPDATE SKIP LOCKED) locked")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(2);
      }
      try (ResultSet r = t.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 't'")) {
        r.next();
        assertThat(r.getInt(1)).isZero();
      }
      try (ResultSet r = s.executeQuery("SHOW server_version_num")) {
        r.next();
        assertThat(r.getInt(1)).isGreaterThanOrEqualTo(140000);
      }
    }
  }
}
