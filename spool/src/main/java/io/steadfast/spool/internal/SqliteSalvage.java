package io.steadfast.spool.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SpoolConfig;
import io.steadfast.spi.SpoolState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Copies every entry still readable from a damaged SQLite spool into a fresh one, row by row, skipping
 * the pages SQLite cannot read.
 *
 * <p>sqlite-jdbc offers no page-level recovery: its SQLite is built without the {@code sqlite_dbpage}
 * virtual table that the {@code .recover} command and the {@code sqlite3_recover} extension need, and
 * exposes neither (its {@code PRAGMA compile_options} lists {@code ENABLE_DBSTAT_VTAB} but not
 * {@code ENABLE_DBPAGE_VTAB}). So this works through SQL: the damaged file is read with
 * {@code PRAGMA writable_schema = ON} (without it, a file shorter than its header says refuses every
 * read) and {@code cell_size_check = ON}. The entries table is scanned in rowid order; where a read fails,
 * probes at growing distances find the next rowid whose page can be read, and a binary search finds
 * the nearest one, so a damaged leaf costs only its own rows. The two indexes of the entries table, the
 * UNIQUE index on {@code idempotency_key} and {@code entries_due} (state, next attempt), are read next, in
 * both directions so that one damaged page hides only the entries past it: they name the key and the
 * state of rows whose table page is lost, and give their rowids for a direct look-up, which recovers
 * rows the scan skipped. Where a row is lost but the indexes give its key and state and its body is in
 * {@code bodies} (keyed by the entry's id), the entry is rebuilt from those, with its attempts, creation
 * time and deadline estimated. The spool's own count of undelivered entries (the {@code undelivered}
 * row its triggers keep) tells how many are lost even where the index pages naming them are gone too.
 *
 * <p>A row is recovered only whole: its columns check out, and an entry still to be delivered (or a
 * dead letter that had a body) has a body, from {@code bodies} or its slice of a {@code body_packs}
 * row, that decodes and matches the entry's fingerprint. Recovered bodies are stored unchanged in the
 * fresh spool's {@code bodies}. Ids, keys, fingerprints, states, attempts, times, receipts and last
 * errors are kept. An entry that was in flight becomes reconciling (its attempt's outcome is unknown),
 * as at a restart; a reconciling entry's lease is released. Delivered entries are kept: they are the
 * idempotency ledger. An unreadable entry is left out of the fresh spool, so that re-submitting it with
 * the same key stores it again.
 */
public final class SqliteSalvage {
  private static final Logger log = LoggerFactory.getLogger(SqliteSalvage.class);

  /** The last error of an entry that was in flight in the damaged spool. */
  public static final String SALVAGED_IN_FLIGHT =
      "salvaged from a damaged spool; outcome of the last attempt unknown";
  /** The last error of an entry rebuilt from its body and the indexes. */
  public static final String REBUILT = "rebuilt from a damaged spool: its row was lost, so its attempts, "
      + "creation time and deadline are estimates";

  /** The columns of today's entries table, in insert order; the positions below index this array. */
  private static final String[] COLUMN_NAMES = {"id", "idempotency_key", "fingerprint", "state", "attempts",
      "created_at", "next_attempt_at", "deliver_by", "lease_until", "last_error", "size_bytes", "receipt", "pack_id",
      "pack_offset", "pack_length", "lease_token", "reconcile_looks", "unknown_since", "wait_reason"};
  private static final int KEY = 1;
  private static final int FINGERPRINT = 2;
  private static final int STATE = 3;
  private static final int NEXT_ATTEMPT = 6;
  private static final int LEASE_UNTIL = 8;
  private static final int LAST_ERROR = 9;
  private static final int PACK_ID = 12;
  private static final int PACK_OFFSET = 13;
  private static final int PACK_LENGTH = 14;
  private static final int RECONCILE_LOOKS = 16;
  private static final int UNKNOWN_SINCE = 17;
  /** NOT NULL integer columns: attempts, created_at, next_attempt_at, deliver_by, size_bytes. */
  private static final int[] REQUIRED_NUMBERS = {4, 5, 6, 7, 10};

  private static final Set<String> STATES = Set.of("PENDING", "IN_FLIGHT", "RECONCILING", "DELIVERED", "DEAD");
  private static final Set<String> UNDELIVERED = Set.of("PENDING", "IN_FLIGHT", "RECONCILING");
  private static final int PACK_CACHE = 4;

  /**
   * What a salvage found.
   *
   * @param recovered entries copied, delivered ones included, and rebuilt ones
   * @param rebuilt of those, entries whose row was lost, rebuilt from their body and the indexes
   * @param unreadable entries not known to be delivered that could not be read (at least); -1 if unknown
   * @param unreadableKeys the keys of those an index still named, in id order
   * @param deliveredUnreadable delivered entries (ledger rows) that could not be read
   */
  public record Result(long recovered, long rebuilt, long unreadable, List<String> unreadableKeys,
      long deliveredUnreadable) {
    /** Copies the keys. */
    public Result {
      unreadableKeys = List.copyOf(unreadableKeys);
    }
  }

  /** What an index says about a row whose table record could not be read. */
  private static final class Lost {
    @Nullable String key;
    @Nullable String state;
    @Nullable Long nextAttemptAt;
  }

  /** A write to the fresh spool failed: not damage, the salvage stops. */
  private static final class FreshWriteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FreshWriteFailure(SQLException cause) {
      super(cause);
    }

    SQLException sql() {
      return (SQLException) getCause();
    }
  }

  /** The body of an entry cannot be read. */
  private static final class LostBody extends Exception {
    private static final long serialVersionUID = 1L;

    LostBody(String reason) {
      super(reason, null, false, false);
    }
  }

  private final Connection damaged;
  private final Connection fresh;
  private final Instant now;
  private final Instant checkAt;
  private final Ids seen = new Ids();
  private final Map<Long, Lost> lost = new TreeMap<>();
  private final Map<Long, Object> packs = new LinkedHashMap<>(8, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Object> eldest) {
      return size() > PACK_CACHE;
    }
  };
  private String select = "";
  private boolean hasBodies;
  private boolean hasPacks;
  private long recovered;
  /** Of {@link #recovered}, entries that were still to be delivered (pending, in flight, reconciling). */
  private long recoveredUndelivered;
  /** The damaged spool's own count of undelivered entries (its {@code undelivered} row), or -1 if unreadable. */
  private long undeliveredTotal = -1;
  private long rebuilt;
  /** Whether the table scan met rows a damaged page made up (no key): then it proves nothing complete. */
  private boolean madeUpRows;

  private SqliteSalvage(Connection damaged, Connection fresh, Instant now, Instant checkAt) {
    this.damaged = damaged;
    this.fresh = fresh;
    this.now = now;
    this.checkAt = checkAt;
  }

  /**
   * Copies what can be read from {@code damaged} (opened read-only) into {@code fresh} (an empty spool of
   * today's schema, in auto-commit mode), in one transaction of {@code fresh}.
   *
   * @param now when the damage was found: the moment in-flight entries became of unknown outcome
   * @param checkAt when those are first looked up in SparkPost's events
   * @throws SQLException if writing {@code fresh} fails, or reading {@code damaged} fails for a reason other
   *     than damage (an I/O error, no memory); nothing of {@code fresh} is committed then
   */
  public static Result salvage(Connection damaged, Connection fresh, Instant now, Instant checkAt)
      throws SQLException {
    Objects.requireNonNull(damaged, "damaged");
    Objects.requireNonNull(fresh, "fresh");
    return new SqliteSalvage(damaged, fresh, now, checkAt).run();
  }

  private Result run() throws SQLException {
    try (Statement s = damaged.createStatement()) {
      s.execute("PRAGMA writable_schema = ON");
      s.execute("PRAGMA cell_size_check = ON");
    }
    Set<String> present;
    String keyIndex;
    String dueIndex;
    try {
      present = columnsOf("entries");
      if (present.isEmpty()) {
        log.warn("The damaged spool's schema names no entries table; nothing can be salvaged");
        return new Result(0, 0, -1, List.of(), 0);
      }
      hasBodies = !columnsOf("bodies").isEmpty();
      hasPacks = !columnsOf("body_packs").isEmpty();
      keyIndex = index("idempotency_key");
      dueIndex = index("state");
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      log.warn("The damaged spool's schema cannot be read ({}); nothing can be salvaged", SqliteFailure.brief(e));
      return new Result(0, 0, -1, List.of(), 0);
    }
    List<String> selected = new ArrayList<>();
    for (String column : COLUMN_NAMES) {
      // An older schema lacks the newer columns: their defaults then.
      selected.add(present.contains(column) ? column : column.equals("reconcile_looks") ? "0" : "NULL");
    }
    select = "SELECT " + String.join(", ", selected) + " FROM entries";

    undeliveredTotal = undeliveredTotal();
    execute(fresh, "BEGIN");
    try {
      boolean tableWhole = scanTable() && !madeUpRows;
      boolean indexWhole = false;
      if (keyIndex != null) {
        indexWhole |= scanIndex("SELECT idempotency_key, NULL, id FROM entries INDEXED BY \"" + keyIndex
            + "\" ORDER BY idempotency_key%s", true);
      }
      if (dueIndex != null) {
        indexWhole |= scanIndex("SELECT state, next_attempt_at, id FROM entries INDEXED BY \"" + dueIndex
            + "\" ORDER BY state%s, next_attempt_at%s", false);
      }
      lookUpIndexedRows();
      execute(fresh, "COMMIT");
      return result(tableWhole || indexWhole);
    } catch (FreshWriteFailure e) {
      rollback();
      throw e.sql();
    } catch (SQLException | RuntimeException e) {
      rollback();
      throw e;
    } finally {
      closeQuietly(insertEntry);
      closeQuietly(insertBody);
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.debug("Close failed", e);
      }
    }
  }

  private Result result(boolean complete) {
    long unreadable = 0;
    long delivered = 0;
    List<String> keys = new ArrayList<>();
    for (Lost entry : lost.values()) {
      if ("DELIVERED".equals(entry.state)) {
        delivered++;
      } else {
        unreadable++;
        if (entry.key != null) {
          keys.add(entry.key);
        }
      }
    }
    if (undeliveredTotal >= 0) {
      // The spool counted its undelivered entries in the same transactions that changed them: those not
      // recovered are lost, whether or not an index still names them (a truncated file loses index pages too).
      unreadable = Math.max(unreadable, Math.max(0, undeliveredTotal - recoveredUndelivered));
    } else if (!complete && lost.isEmpty()) {
      // Neither the table nor an index could be read to its end, and nothing lost was named: rows may be
      // gone that nothing can count.
      unreadable = -1;
    }
    return new Result(recovered, rebuilt, unreadable, keys, delivered);
  }

  /** Returns the undelivered count the damaged spool kept (schema 2 and later), or -1 if it cannot be read. */
  private long undeliveredTotal() throws SQLException {
    try {
      if (columnsOf("undelivered").isEmpty()) {
        return -1;
      }
      try (Statement s = damaged.createStatement(); ResultSet r = s.executeQuery("SELECT entries FROM undelivered "
          + "WHERE id = 1")) {
        if (!r.next()) {
          return -1;
        }
        long count = r.getLong(1);
        return r.wasNull() || count < 0 ? -1 : count;
      }
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      return -1;
    }
  }

  /** Scans the table in rowid order, skipping unreadable pages; returns whether it read to the end unhindered. */
  private boolean scanTable() throws SQLException {
    boolean whole = true;
    long next = Long.MIN_VALUE;
    while (true) {
      try (PreparedStatement q = damaged.prepareStatement(select + " WHERE id >= ? ORDER BY id")) {
        q.setLong(1, next);
        try (ResultSet r = q.executeQuery()) {
          while (true) {
            if (!r.next()) {
              return whole;
            }
            long id = r.getLong(1);
            readAndCopy(r, id);
            if (id == Long.MAX_VALUE) {
              return whole;
            }
            next = id + 1;
          }
        }
      } catch (SQLException e) {
        if (!unreadable(e)) {
          throw e;
        }
      }
      // Every row below next was read; the one at or after it lies in a page that cannot be.
      whole = false;
      OptionalLong resume = resumeAfter(next);
      if (resume.isEmpty() || resume.getAsLong() <= next) {
        return false;
      }
      log.debug("Damaged spool: rows from id {} up to {} are in unreadable pages", next, resume.getAsLong());
      next = resume.getAsLong();
    }
  }

  /** The result of reading the first row at or after a rowid. */
  private enum Probe { UNREADABLE, READABLE, END }

  private Probe probe(long from) throws SQLException {
    try (PreparedStatement q = damaged.prepareStatement(select + " WHERE id >= ? ORDER BY id LIMIT 1")) {
      q.setLong(1, from);
      try (ResultSet r = q.executeQuery()) {
        if (!r.next()) {
          return Probe.END;
        }
        for (int i = 1; i <= COLUMN_NAMES.length; i++) {
          r.getObject(i);
        }
        return Probe.READABLE;
      }
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      return Probe.UNREADABLE;
    }
  }

  /**
   * Returns the smallest rowid above {@code failed} from which reading works again, or nothing if no
   * readable row follows: probes at distances 1, 2, 4, ... until one reads, then halves the gap.
   */
  private OptionalLong resumeAfter(long failed) throws SQLException {
    long bad = failed;
    long step = 1;
    while (true) {
      long at = bad > Long.MAX_VALUE - step ? Long.MAX_VALUE : bad + step;
      Probe probe = probe(at);
      if (probe == Probe.UNREADABLE) {
        if (at == Long.MAX_VALUE) {
          return OptionalLong.empty();
        }
        bad = at;
        step = step > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : step * 2;
        continue;
      }
      long good = at;
      Probe atGood = probe;
      while (good - bad > 1) {
        long mid = bad + ((good - bad) >>> 1);
        Probe p = probe(mid);
        if (p == Probe.UNREADABLE) {
          bad = mid;
        } else {
          good = mid;
          atGood = p;
        }
      }
      return atGood == Probe.END ? OptionalLong.empty() : OptionalLong.of(good);
    }
  }

  /**
   * Reads an index in its order and, where a page stops that, in reverse from the other end; notes the key
   * (or the state and next attempt) it gives for each rowid not read whole. Returns whether it read to the
   * end unhindered.
   *
   * @param sql the query, selecting (value, next attempt, rowid); {@code %s} marks where {@code DESC} goes
   */
  private boolean scanIndex(String sql, boolean keys) throws SQLException {
    if (read(sql.replace("%s", ""), keys)) {
      return true;
    }
    read(sql.replace("%s", " DESC"), keys);
    return false;
  }

  private boolean read(String sql, boolean keys) throws SQLException {
    try (Statement s = damaged.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        String value = r.getString(1);
        long next = r.getLong(2);
        boolean hasNext = !r.wasNull();
        long id = r.getLong(3);
        if (!seen.contains(id) || lost.containsKey(id)) {
          Lost entry = lost.computeIfAbsent(id, k -> new Lost());
          if (keys) {
            entry.key = value;
          } else {
            entry.state = value;
            entry.nextAttemptAt = hasNext ? next : null;
          }
        }
      }
      return true;
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      return false;
    }
  }

  /**
   * Looks up, by rowid, each row an index named that the scan did not reach, and recovers those that
   * read; rebuilds those that do not from their body where the indexes name their key and state.
   */
  private void lookUpIndexedRows() throws SQLException {
    List<Long> ids = new ArrayList<>();
    for (Map.Entry<Long, Lost> entry : lost.entrySet()) {
      if (!seen.contains(entry.getKey())) {
        ids.add(entry.getKey());
      }
    }
    for (long id : ids) {
      boolean found = false;
      try (PreparedStatement q = damaged.prepareStatement(select + " WHERE id = ?")) {
        q.setLong(1, id);
        try (ResultSet r = q.executeQuery()) {
          if (r.next()) {
            found = true;
            Lost named = lost.remove(id);
            readAndCopy(r, id);
            Lost after = lost.get(id);
            if (after != null && named != null) {
              after.key = after.key != null ? after.key : named.key;
              after.state = after.state != null ? after.state : named.state;
              after.nextAttemptAt = after.nextAttemptAt != null ? after.nextAttemptAt : named.nextAttemptAt;
            }
          }
        }
      } catch (SQLException e) {
        if (!unreadable(e)) {
          throw e;
        }
      }
      seen.add(id);
      Lost entry = lost.get(id);
      if (!found && entry != null) {
        rebuild(id, entry);
      }
    }
  }

  /**
   * Rebuilds an entry whose row is lost from what the indexes say (its key; its state and next attempt)
   * and its body in {@code bodies} (keyed by the entry's id): the message then is not stranded. Its attempts,
   * creation time and deadline are gone; they are estimated (no attempts, created at its next attempt,
   * delivered by the default window from now) and its last error says so. A delivered entry has no body
   * left, and a packed body cannot be found without the row that pointed at it: those stay unreadable.
   */
  private void rebuild(long id, Lost entry) throws SQLException {
    if (entry.state == null || !STATES.contains(entry.state) || "DELIVERED".equals(entry.state) || !hasBodies) {
      return;
    }
    byte[] body;
    try (PreparedStatement q = damaged.prepareStatement("SELECT message FROM bodies WHERE entry_id = ?")) {
      q.setLong(1, id);
      try (ResultSet r = q.executeQuery()) {
        body = r.next() ? r.getBytes(1) : null;
      }
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      return;
    }
    if (body == null) {
      return;
    }
    Message message;
    try {
      message = MessageCodec.decode(body);
    } catch (RuntimeException e) {
      return;
    }
    String key = entry.key;
    IdempotencyKey own = message.idempotencyKey();
    if (key == null && own != null) {
      key = own.value();
    }
    if (key == null || (own != null && !own.value().equals(key))) {
      return;
    }
    long nowMillis = now.toEpochMilli();
    long next = entry.nextAttemptAt != null ? entry.nextAttemptAt : nowMillis;
    String state = entry.state;
    Object[] row = new Object[COLUMN_NAMES.length];
    row[0] = id;
    row[KEY] = key;
    row[FINGERPRINT] = message.fingerprint();
    row[4] = 0;
    row[5] = Math.min(next, nowMillis);
    row[7] = nowMillis + SpoolConfig.DEFAULT_DELIVER_WITHIN.toMillis();
    row[10] = message.estimatedSizeBytes();
    row[RECONCILE_LOOKS] = 0;
    if ("IN_FLIGHT".equals(state) || "RECONCILING".equals(state)) {
      // As at a restart: an attempt may have reached SparkPost; look it up before any re-send.
      state = "RECONCILING";
      row[UNKNOWN_SINCE] = nowMillis;
      next = Math.max(next, checkAt.toEpochMilli());
      row[LAST_ERROR] = REBUILT + "; outcome of the last attempt unknown";
    } else {
      row[LAST_ERROR] = REBUILT;
    }
    row[STATE] = state;
    row[NEXT_ATTEMPT] = next;
    long before = recovered;
    copy(row, body, id, key, state);
    if (recovered > before) {
      lost.remove(id);
      rebuilt++;
    }
  }

  /** Reads the row {@code r} is on and copies it, or records it as lost; a damaged column read counts as lost. */
  private void readAndCopy(ResultSet r, long id) throws SQLException {
    seen.add(id);
    Object[] row = new Object[COLUMN_NAMES.length];
    try {
      for (int i = 0; i < row.length; i++) {
        row[i] = r.getObject(i + 1);
      }
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      lose(id, null, null, "its row cannot be read (" + SqliteFailure.brief(e) + ")");
      return;
    }
    String key = row[KEY] instanceof String s ? s : null;
    String state = row[STATE] instanceof String s ? s : null;
    String problem = check(row);
    if (problem != null) {
      if (key == null) {
        // Cells of a zeroed or overwritten page read as rows of nothing (rowid 0, every column NULL): no
        // entry of ours. Only an index naming this rowid makes it a lost entry.
        seen.remove(id);
        madeUpRows = true;
        log.debug("Damaged spool: ignoring a row without a key at rowid {} ({})", id, problem);
        return;
      }
      lose(id, key, state, problem);
      return;
    }
    byte[] body = null;
    if (!"DELIVERED".equals(state)) {
      try {
        body = body(row);
      } catch (LostBody e) {
        lose(id, key, state, e.getMessage());
        return;
      }
      if (body == null && !"DEAD".equals(state)) {
        lose(id, key, state, "its message body is missing");
        return;
      }
    }
    copy(row, body, id, key, state);
  }

  private static @Nullable String check(Object[] row) {
    if (!(row[KEY] instanceof String key)) {
      return "its idempotency key is missing";
    }
    try {
      IdempotencyKey.of(key);
    } catch (IllegalArgumentException e) {
      return "its idempotency key is malformed";
    }
    if (!(row[FINGERPRINT] instanceof String) || !(row[STATE] instanceof String state) || !STATES.contains(state)) {
      return "its fingerprint or state is malformed";
    }
    for (int i : REQUIRED_NUMBERS) {
      if (!(row[i] instanceof Number)) {
        return "its column " + COLUMN_NAMES[i] + " is malformed";
      }
    }
    return null;
  }

  private byte @Nullable [] body(Object[] row) throws SQLException, LostBody {
    if (row[PACK_ID] instanceof Number packId) {
      if (!hasPacks || !(row[PACK_OFFSET] instanceof Number offset) || !(row[PACK_LENGTH] instanceof Number length)) {
        throw new LostBody("its packed body is not described");
      }
      byte[] pack = pack(packId.longValue());
      int from = offset.intValue();
      int to = from + length.intValue();
      if (from < 0 || length.intValue() < 0 || to > pack.length) {
        throw new LostBody("its slice lies outside its body pack");
      }
      return verified(java.util.Arrays.copyOfRange(pack, from, to), row);
    }
    if (!hasBodies) {
      return null;
    }
    try (PreparedStatement q = damaged.prepareStatement("SELECT message FROM bodies WHERE entry_id = ?")) {
      q.setLong(1, ((Number) row[0]).longValue());
      try (ResultSet r = q.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        byte[] bytes = r.getBytes(1);
        if (bytes == null) {
          return null;
        }
        return verified(bytes, row);
      }
    } catch (SQLException e) {
      if (!unreadable(e)) {
        throw e;
      }
      throw new LostBody("its body cannot be read (" + SqliteFailure.brief(e) + ")");
    }
  }

  private byte[] pack(long packId) throws SQLException, LostBody {
    Object cached = packs.get(packId);
    if (cached == null) {
      try (PreparedStatement q = damaged.prepareStatement("SELECT data FROM body_packs WHERE id = ?")) {
        q.setLong(1, packId);
        try (ResultSet r = q.executeQuery()) {
          byte[] data = r.next() ? r.getBytes(1) : null;
          cached = data != null ? data : "its body pack is missing";
        }
      } catch (SQLException e) {
        if (!unreadable(e)) {
          throw e;
        }
        cached = "its body pack cannot be read (" + SqliteFailure.brief(e) + ")";
      }
      packs.put(packId, cached);
    }
    if (cached instanceof String reason) {
      throw new LostBody(reason);
    }
    return (byte[]) cached;
  }

  /** Returns {@code body} if it decodes to the message the entry's fingerprint names. */
  private static byte[] verified(byte[] body, Object[] row) throws LostBody {
    Message message;
    try {
      message = MessageCodec.decode(body);
    } catch (RuntimeException e) {
      throw new LostBody("its body does not decode (" + e.getClass().getSimpleName() + ")");
    }
    if (!message.fingerprint().equals(row[FINGERPRINT])) {
      throw new LostBody("its body does not match its fingerprint");
    }
    return body;
  }

  private void copy(Object[] row, byte @Nullable [] body, long id, String key, String state) {
    Object[] values = row.clone();
    // Packs are not carried over: each recovered body gets its own row.
    values[PACK_ID] = null;
    values[PACK_OFFSET] = null;
    values[PACK_LENGTH] = null;
    if ("IN_FLIGHT".equals(state)) {
      // As at a restart (recoverInFlight): the attempt may have reached SparkPost; look it up before any re-send.
      values[STATE] = "RECONCILING";
      values[LEASE_UNTIL] = null;
      values[LAST_ERROR] = SALVAGED_IN_FLIGHT;
      values[NEXT_ATTEMPT] = checkAt.toEpochMilli();
      values[RECONCILE_LOOKS] = 0;
      values[UNKNOWN_SINCE] = now.toEpochMilli();
    } else if ("RECONCILING".equals(state)) {
      values[LEASE_UNTIL] = null;
    }
    if (values[RECONCILE_LOOKS] == null) {
      values[RECONCILE_LOOKS] = 0;
    }
    try {
      PreparedStatement insert = insertEntry();
      for (int i = 0; i < values.length; i++) {
        if (values[i] == null) {
          insert.setNull(i + 1, Types.NULL);
        } else {
          insert.setObject(i + 1, values[i]);
        }
      }
      if (insert.executeUpdate() != 1) {
        // Two rows claim one key: only a damaged page can say so. The first is kept.
        lose(id, key, state, "another entry has its idempotency key");
        return;
      }
      if (body != null) {
        PreparedStatement b = insertBody();
        b.setLong(1, id);
        b.setBytes(2, body);
        b.executeUpdate();
      }
    } catch (SQLException e) {
      throw new FreshWriteFailure(e);
    }
    recovered++;
    if (UNDELIVERED.contains(state)) {
      recoveredUndelivered++;
    }
  }

  private @Nullable PreparedStatement insertEntry;
  private @Nullable PreparedStatement insertBody;

  private PreparedStatement insertEntry() throws SQLException {
    if (insertEntry == null) {
      StringBuilder sql = new StringBuilder("INSERT INTO entries (").append(String.join(", ", COLUMN_NAMES))
          .append(") VALUES (");
      for (int i = 0; i < COLUMN_NAMES.length; i++) {
        sql.append(i == 0 ? "?" : ", ?");
      }
      insertEntry = fresh.prepareStatement(sql.append(") ON CONFLICT DO NOTHING").toString());
    }
    return insertEntry;
  }

  private PreparedStatement insertBody() throws SQLException {
    if (insertBody == null) {
      insertBody = fresh.prepareStatement("INSERT INTO bodies (entry_id, message) VALUES (?, ?)");
    }
    return insertBody;
  }

  private void lose(long id, @Nullable String key, @Nullable String state, @Nullable String why) {
    Lost entry = lost.computeIfAbsent(id, k -> new Lost());
    entry.key = key != null ? key : entry.key;
    entry.state = state != null ? state : entry.state;
    log.debug("Damaged spool: entry {} is unreadable: {}", id, why);
  }

  private Set<String> columnsOf(String table) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Statement s = damaged.createStatement();
        ResultSet r = s.executeQuery("SELECT name FROM pragma_table_info('" + table + "')")) {
      while (r.next()) {
        names.add(r.getString(1));
      }
    }
    return names;
  }

  /** Returns the name of an index of the entries table whose first column is {@code column}, if there is one. */
  private @Nullable String index(String column) throws SQLException {
    try (Statement s = damaged.createStatement();
        ResultSet r = s.executeQuery("SELECT l.name FROM pragma_index_list('entries') l "
            + "WHERE (SELECT i.name FROM pragma_index_info(l.name) i WHERE i.seqno = 0) = '" + column + "' "
            + "ORDER BY l.\"unique\" DESC, l.name")) {
      return r.next() ? r.getString(1) : null;
    }
  }

  /** Returns whether {@code e} says the damaged file cannot be read there (damage, a failed read). */
  private static boolean unreadable(SQLException e) {
    if (SqliteFailure.isDamage(e)) {
      return true;
    }
    if (e instanceof SQLiteException sqlite) {
      SQLiteErrorCode code = sqlite.getResultCode();
      return code == SQLiteErrorCode.SQLITE_IOERR_READ || code == SQLiteErrorCode.SQLITE_IOERR_SHORT_READ
          || code == SQLiteErrorCode.SQLITE_RANGE || code == SQLiteErrorCode.SQLITE_MISMATCH
          || code == SQLiteErrorCode.SQLITE_TOOBIG;
    }
    return false;
  }

  private void rollback() {
    try {
      execute(fresh, "ROLLBACK");
    } catch (SQLException e) {
      log.debug("Rollback of the salvage failed", e);
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** Rowids seen: a bit set for the usual small positive ones, a hash set for any other. */
  private static final class Ids {
    private final BitSet small = new BitSet();
    private final Set<Long> other = new HashSet<>();

    void add(long id) {
      if (id >= 0 && id < Integer.MAX_VALUE) {
        small.set((int) id);
      } else {
        other.add(id);
      }
    }

    void remove(long id) {
      if (id >= 0 && id < Integer.MAX_VALUE) {
        small.clear((int) id);
      } else {
        other.remove(id);
      }
    }

    boolean contains(long id) {
      return id >= 0 && id < Integer.MAX_VALUE ? small.get((int) id) : other.contains(id);
    }
  }

}
