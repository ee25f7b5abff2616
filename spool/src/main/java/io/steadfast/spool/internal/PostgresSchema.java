package io.steadfast.spool.internal;

import io.steadfast.spool.SpoolOpenException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL spool's tables, versioned: {@link #migrate} creates them or brings an older version
 * up to date, in one transaction, under an advisory lock so that nodes starting together migrate once.
 */
public final class PostgresSchema {
  /** The schema version this code writes; older versions are migrated on open. */
  public static final int VERSION = 3;

  private PostgresSchema() {}

  /** Returns the statements of each version, for tables whose names start with {@code p}. */
  private static List<List<String>> migrations(String p) {
    return List.of(List.of(
        "CREATE TABLE " + p + "entries ("
            + " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            // The shared idempotency ledger: the unique constraint, not a read-then-write, decides.
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
        // Partial indexes keep claims fast at millions of rows: delivered rows, the bulk, are in neither.
        "CREATE INDEX " + p + "entries_due ON " + p + "entries (next_attempt_at, id) WHERE state = 'PENDING'",
        "CREATE INDEX " + p + "entries_leases ON " + p + "entries (lease_until) WHERE state = 'IN_FLIGHT'",
        "CREATE INDEX " + p + "entries_delivered ON " + p + "entries (next_attempt_at) WHERE state = 'DELIVERED'",
        "CREATE INDEX " + p + "entries_state ON " + p + "entries (state, id)",
        // Bodies apart from the small state rows that claims and acknowledgements rewrite.
        "CREATE TABLE " + p + "bodies ("
            + " entry_id bigint PRIMARY KEY REFERENCES " + p + "entries (id) ON DELETE CASCADE,"
            + " message bytea NOT NULL)",
        // Lease tokens come from the database, so no two claims anywhere share one.
        "CREATE SEQUENCE " + p + "lease_tokens"),
        migration2(p),
        migration3(p));
  }

  /**
   * Version 3: {@code wait_reason}, why a pending entry waits (a {@code WaitReason} name; NULL when no
   * reason was recorded), so that a recovery flush makes due only the waits of the outage and leaves
   * quota and rate-limit waits alone. Nullable without a default: added without rewriting the table.
   * And {@code probe}, the fleet's probe slot, so that nodes whose circuits are all open probe
   * SparkPost once per interval between them.
   */
  private static List<String> migration3(String p) {
    return List.of("ALTER TABLE " + p + "entries ADD COLUMN wait_reason text",
        // One row: when the fleet may next probe SparkPost while every circuit is open, and who did last.
        "CREATE TABLE " + p + "probe (id integer PRIMARY KEY CHECK (id = 1), next_probe_at timestamptz NOT NULL, "
            + "node text NOT NULL)");
  }

  /**
   * Version 2: the {@code RECONCILING} state (an attempt whose answer was lost waits to be looked up in
   * SparkPost's events), with {@code reconcile_looks} and {@code unknown_since}. The state's CHECK
   * constraint is replaced: version 1 created it unnamed, so it is found in the catalog by its table and
   * column. Both new columns are added without rewriting the table (a constant default). The partial
   * index serves claimReconciling and nextReconcileAt; expired in-flight leases use the leases index.
   * A version 1 Steadfast refuses the schema afterwards (NEWER_SCHEMA).
   */
  private static List<String> migration2(String p) {
    return List.of(
        "DO $$ DECLARE c text; BEGIN "
            + "FOR c IN SELECT con.conname FROM pg_constraint con "
            + "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey) "
            + "WHERE con.conrelid = '" + p + "entries'::regclass AND con.contype = 'c' AND a.attname = 'state' "
            + "LOOP EXECUTE format('ALTER TABLE " + p + "entries DROP CONSTRAINT %I', c); END LOOP; END $$",
        "ALTER TABLE " + p + "entries ADD CONSTRAINT " + p + "entries_state CHECK "
            + "(state IN ('PENDING', 'IN_FLIGHT', 'RECONCILING', 'DELIVERED', 'DEAD'))",
        "ALTER TABLE " + p + "entries ADD COLUMN reconcile_looks integer NOT NULL DEFAULT 0",
        "ALTER TABLE " + p + "entries ADD COLUMN unknown_since timestamptz",
        "CREATE INDEX " + p + "entries_reconciling ON " + p + "entries (next_attempt_at, id) "
            + "WHERE state = 'RECONCILING'");
  }

  /**
   * Creates or migrates the tables and returns the version found before.
   *
   * @throws SpoolOpenException if the database holds a newer schema version; nothing is changed
   */
  public static int migrate(Connection c, String prefix, String where) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        lock.setString(1, "steadfast-spool-schema:" + prefix);
        lock.execute();
      }
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS " + prefix + "schema_version (version integer NOT NULL)");
      }
      int current = 0;
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT max(version) FROM " + prefix + "schema_version")) {
        if (r.next()) {
          current = r.getInt(1);
        }
      }
      if (current > VERSION) {
        throw new SpoolOpenException(SpoolOpenException.Reason.NEWER_SCHEMA, "The PostgreSQL spool in " + where
            + " was written by a newer Steadfast "
            + "(schema version " + current + "; this version understands up to " + VERSION + "). Upgrade "
            + "Steadfast on this node, or give it another table prefix.");
      }
      List<List<String>> migrations = migrations(prefix);
      for (int version = current + 1; version <= VERSION; version++) {
        try (Statement s = c.createStatement()) {
          for (String sql : migrations.get(version - 1)) {
            s.execute(sql);
          }
          s.execute("DELETE FROM " + prefix + "schema_version");
          s.execute("INSERT INTO " + prefix + "schema_version (version) VALUES (" + version + ")");
        }
      }
      c.commit();
      return current;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
