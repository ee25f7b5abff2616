package io.steadfast.spool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The spool schemas of earlier releases, copied verbatim from their code (SQLite versions 1 to 3 and
 * PostgreSQL version 1, as of commit 08b81ea), so migration tests start from what those releases wrote
 * and not from today's code. Never edit these to follow the current schema: they are history.
 */
final class OldSchemas {
  private OldSchemas() {}

  private static final List<String> SQLITE_1 = List.of(
      "CREATE TABLE entries ("
          + " id INTEGER PRIMARY KEY,"
          + " idempotency_key TEXT NOT NULL UNIQUE,"
          + " fingerprint TEXT NOT NULL,"
          + " state TEXT NOT NULL CHECK (state IN ('PENDING', 'IN_FLIGHT', 'DELIVERED', 'DEAD')),"
          + " attempts INTEGER NOT NULL DEFAULT 0,"
          + " created_at INTEGER NOT NULL,"
          + " next_attempt_at INTEGER NOT NULL,"
          + " deliver_by INTEGER NOT NULL,"
          + " lease_until INTEGER,"
          + " last_error TEXT,"
          + " size_bytes INTEGER NOT NULL,"
          + " receipt TEXT)",
      "CREATE INDEX entries_due ON entries (state, next_attempt_at)",
      "CREATE TABLE bodies ("
          + " entry_id INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,"
          + " message BLOB NOT NULL)");

  private static final List<String> SQLITE_2 = List.of(
      "CREATE TABLE undelivered (id INTEGER PRIMARY KEY CHECK (id = 1), entries INTEGER NOT NULL, "
          + "bytes INTEGER NOT NULL)",
      "INSERT INTO undelivered (id, entries, bytes) SELECT 1, count(*), coalesce(sum(size_bytes), 0) "
          + "FROM entries WHERE state IN ('PENDING', 'IN_FLIGHT')",
      "CREATE TRIGGER undelivered_insert AFTER INSERT ON entries WHEN NEW.state IN ('PENDING', 'IN_FLIGHT') "
          + "BEGIN UPDATE undelivered SET entries = entries + 1, bytes = bytes + NEW.size_bytes; END",
      "CREATE TRIGGER undelivered_delete AFTER DELETE ON entries WHEN OLD.state IN ('PENDING', 'IN_FLIGHT') "
          + "BEGIN UPDATE undelivered SET entries = entries - 1, bytes = bytes - OLD.size_bytes; END",
      "CREATE TRIGGER undelivered_update AFTER UPDATE OF state, size_bytes ON entries "
          + "WHEN (OLD.state IN ('PENDING', 'IN_FLIGHT')) <> (NEW.state IN ('PENDING', 'IN_FLIGHT')) "
          + "OR OLD.size_bytes <> NEW.size_bytes "
          + "BEGIN UPDATE undelivered SET "
          + "entries = entries + (NEW.state IN ('PENDING', 'IN_FLIGHT')) - (OLD.state IN ('PENDING', 'IN_FLIGHT')), "
          + "bytes = bytes + (CASE WHEN NEW.state IN ('PENDING', 'IN_FLIGHT') THEN NEW.size_bytes ELSE 0 END) "
          + "- (CASE WHEN OLD.state IN ('PENDING', 'IN_FLIGHT') THEN OLD.size_bytes ELSE 0 END); END");

  private static final List<String> SQLITE_3 = List.of(
      "CREATE TABLE body_packs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
      "CREATE TABLE body_pack_refs (pack_id INTEGER PRIMARY KEY REFERENCES body_packs (id) ON DELETE CASCADE, "
          + "live INTEGER NOT NULL)",
      "ALTER TABLE entries ADD COLUMN pack_id INTEGER",
      "ALTER TABLE entries ADD COLUMN pack_offset INTEGER",
      "ALTER TABLE entries ADD COLUMN pack_length INTEGER");

  private static final List<List<String>> SQLITE = List.of(SQLITE_1, SQLITE_2, SQLITE_3);

  /**
   * Creates {@code dir/spool.db} as a release of SQLite schema {@code version} (1 to 3) created it, empty,
   * and returns a connection to it (WAL, foreign keys on, as the spool ran it).
   */
  static Connection sqlite(Path dir, int version) throws Exception {
    Files.createDirectories(dir);
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteSpool.DATABASE_FILE));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA foreign_keys = ON");
      s.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      for (int v = 1; v <= version; v++) {
        for (String sql : SQLITE.get(v - 1)) {
          s.execute(sql);
        }
        s.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (" + v + ", 0)");
      }
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Creates the tables of PostgreSQL schema version 1 with prefix {@code p}, as that release did. */
  static void postgresVersion1(Connection c, String p) throws SQLException {
    List<String> statements = List.of(
        "CREATE TABLE IF NOT EXISTS " + p + "schema_version (version integer NOT NULL)",
        "CREATE TABLE " + p + "entries ("
            + " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            + " idempotency_key text NOT NULL CONSTRAINT " + p + "entries_key UNIQUE,"
            + " fingerprint text NOT NULL,"
            + " state text NOT NULL CHECK (state IN ('PENDING', 'IN_FLIGHT', 'DELIVERED', 'DEAD')),"
            + " attempts integer NOT NULL DEFAULT 0,"
            + " created_at timestamptz NOT NULL,"
            + " next_attempt_at timestamptz NOT NULL,"
            + " deliver_by timestamptz NOT NULL,"
            + " lease_owner text,"
            + " lease_token bigint,"
            + " lease_until timestamptz,"
            + " last_error text,"
            + " size_bytes bigint NOT NULL,"
            + " receipt text)",
        "CREATE INDEX " + p + "entries_due ON " + p + "entries (next_attempt_at, id) WHERE state = 'PENDING'",
        "CREATE INDEX " + p + "entries_leases ON " + p + "entries (lease_until) WHERE state = 'IN_FLIGHT'",
        "CREATE INDEX " + p + "entries_delivered ON " + p + "entries (next_attempt_at) WHERE state = 'DELIVERED'",
        "CREATE INDEX " + p + "entries_state ON " + p + "entries (state, id)",
        "CREATE TABLE " + p + "bodies ("
            + " entry_id bigint PRIMARY KEY REFERENCES " + p + "entries (id) ON DELETE CASCADE,"
            + " message bytea NOT NULL)",
        "CREATE SEQUENCE " + p + "lease_tokens",
        "INSERT INTO " + p + "schema_version (version) VALUES (1)");
    try (Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** A receipt as releases before {@code confirmedFromEvents} stored it. */
  static String oldReceiptJson(String transmissionId, String key) {
    return "{\"transmissionId\":\"" + transmissionId + "\",\"acceptedRecipients\":1,\"rejectedRecipients\":0,"
        + "\"idempotencyKey\":{\"value\":\"" + key + "\"},\"route\":\"rest-us\",\"attempts\":1,\"requestId\":null}";
  }
}
