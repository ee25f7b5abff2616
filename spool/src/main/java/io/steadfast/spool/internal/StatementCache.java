package io.steadfast.spool.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepared statements kept open for the life of one connection, for the spool's hot paths (append,
 * claim, acknowledge). sqlite-jdbc does not cache statements itself, and compiling the same SQL for
 * every submit cost a measurable share of the single writer thread.
 *
 * <p>Not thread-safe: only the thread that owns the connection (the group-commit writer) may use it.
 * Callers must not close the statements they get; they close the result sets.
 */
public final class StatementCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatementCache.class);

  private final Map<String, PreparedStatement> statements = new HashMap<>();

  /** Returns the statement for {@code sql} on {@code connection}, prepared once, parameters cleared. */
  public PreparedStatement get(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    } else {
      statement.clearParameters();
    }
    return statement;
  }

  /** Closes every statement. */
  @Override
  public void close() {
    for (PreparedStatement statement : statements.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        log.debug("Closing a cached statement failed", e);
      }
    }
    statements.clear();
  }
}
