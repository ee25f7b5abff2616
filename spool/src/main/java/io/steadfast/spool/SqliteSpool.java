package io.steadfast.spool;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolFullException;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import io.steadfast.spool.internal.ChangeWatcher;
import io.steadfast.spool.internal.DamageReport;
import io.steadfast.spool.internal.GroupCommitWriter;
import io.steadfast.spool.internal.MessageCodec;
import io.steadfast.spool.internal.Quarantine;
import io.steadfast.spool.internal.SqliteFailure;
import io.steadfast.spool.internal.SqliteNativeLibrary;
import io.steadfast.spool.internal.SqliteSalvage;
import io.steadfast.spool.internal.SpoolLocks;
import io.steadfast.spool.internal.SpoolMove;
import io.steadfast.spool.internal.SpoolOwnership;
import io.steadfast.spool.internal.StatementCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A {@link Spool} in one SQLite file, {@code spool.db}, in a directory only its owner can read.
 *
 * <pre>{@code
 * Spool spool = SqliteSpool.open(Path.of("/var/spool/steadfast"));
 * }</pre>
 *
 * <p>The database runs in WAL mode with {@code synchronous=FULL}: every commit is fsynced before a
 * method returns. One writer thread runs all work and commits whatever has queued in one transaction
 * (group commit), so concurrent submits share an fsync. Message bodies live apart from the small state
 * rows that claims and acknowledgements rewrite; the small bodies of one commit share one row (a pack),
 * which is deleted once all of them are delivered. Times are stored as epoch
 * milliseconds. The file can be opened with the {@code sqlite3} shell for inspection.
 *
 * <p><b>Processes.</b> One process dispatches a spool ({@link #open}, which holds the dispatcher lock
 * {@code spool.lock}: a second dispatcher is refused with {@link SpoolOpenException.Reason#IN_USE}); any
 * number submit to it at the same time ({@link #openForSubmit}), as local programs hand mail to one
 * queue manager. Each writing process commits its own group commits, durable before they return, and the
 * processes take turns for SQLite's write lock (WAL mode, with a busy timeout); readers never wait.
 * Every writing process holds {@code spool.writers.lock} shared while its connection is open, and
 * creating, migrating or salvaging the file holds it exclusively, so no process ever writes into a file
 * that is being replaced. {@link #openReadOnly} takes no lock and changes nothing, for inspection while
 * the others run. A database written by a newer schema version is refused, unchanged.
 *
 * <p><b>Damage.</b> Only a verified integrity failure counts as damage (SQLite's {@code quick_check}
 * fails, or SQLite answers SQLITE_CORRUPT or SQLITE_NOTADB). {@link #open} then salvages every entry still
 * readable, row by row, into a fresh spool that replaces the damaged file; the original is kept unchanged
 * in {@value #CORRUPT_DIRECTORY}{@code /spool.db.<epoch millis>} (with its {@code -wal} and {@code -shm})
 * beside a report, {@code spool.db.<epoch millis>}{@value #DAMAGE_REPORT_SUFFIX}, a small properties file
 * (found-at, recovered, unreadable, unreadable-keys, cleared). The log says "N entries recovered, M
 * unreadable"; while a report with unreadable entries is not cleared, {@link #damage()} returns it, and
 * {@link #clearDamage} clears it once an operator has re-sent or given up those messages. A SIGKILL at
 * any point of a salvage loses nothing: the next open finishes it, or does it again.
 *
 * <p><b>Environment.</b> A native library that cannot be loaded, a temporary directory that cannot be
 * written, a file-size limit ({@code ulimit -f}), a full disk or a refused permission is never taken for
 * damage: opening fails with {@link SpoolOpenException.Reason#ENVIRONMENT} and a message naming the cause
 * and the fix, touching no file, and a write that fails for one of these reasons throws an
 * {@link UncheckedIOException} whose message says so in one line. sqlite-jdbc's native library is
 * extracted once per version to a private directory (system property
 * {@value #NATIVE_DIRECTORY_PROPERTY}, by default {@code $XDG_CACHE_HOME/steadfast/native} or
 * {@code ~/.cache/steadfast/native}) instead of into the temporary directory at every start, unless
 * sqlite-jdbc's own {@code org.sqlite.lib.path}, {@code org.sqlite.lib.name} or {@code org.sqlite.tmpdir}
 * is set; if that directory cannot be written, sqlite-jdbc's default applies.
 *
 * <p><b>Ownership.</b> Whoever can write the spool can read its queued mail and add messages that the
 * dispatcher sends with the operator's API key, so every open refuses, with
 * {@link SpoolOpenException.Reason#UNSAFE_FILES} and before SQLite opens anything or a lock file is
 * created, a spool directory, {@code spool.db} or one of its companion files ({@code -wal}, {@code -shm},
 * {@code -journal}, the lock files, the salvage files and {@code corrupt/}) that is owned by another user
 * or writable by others, and a companion file that is a symbolic link (dangling or not; the directory
 * itself may be a link). A group may be named as trusted, for a spool shared with the submitters in that
 * group: files of that group may then be group-writable and owned by any of its members. Files this
 * class creates are created new (never through an existing link) and owner-only. On a file system without
 * POSIX attributes (Windows) only the symbolic-link rule applies; protect the directory with its ACL.
 */
public final class SqliteSpool implements Spool {
  private static final Logger log = LoggerFactory.getLogger(SqliteSpool.class);

  /** The schema version this code writes; older versions are migrated on open. */
  public static final int SCHEMA_VERSION = 5;
  /** The database file's name inside the spool directory. */
  public static final String DATABASE_FILE = "spool.db";
  /**
   * The dispatcher lock's file inside the spool directory: the process that dispatches the spool holds
   * it, and a second dispatcher is refused.
   */
  public static final String LOCK_FILE = SpoolLocks.DISPATCHER;
  /**
   * The writers lock's file inside the spool directory: every process with the spool open for writing
   * (dispatching or submitting) holds it shared; creating, migrating or salvaging the database holds it
   * exclusively.
   */
  public static final String WRITERS_LOCK_FILE = SpoolLocks.WRITERS;
  /**
   * The default lock timeout: 10 seconds. How long a write waits for another process's write to the
   * spool, and an open for another process's salvage or migration (or, to salvage or migrate, for the
   * other processes to close the spool).
   */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);
  /**
   * The longest pause between two looks at whether another process changed the spool, once a dispatcher
   * watches it ({@link #onAppend}): 250 milliseconds. After a change the watcher looks again at once and
   * doubles its pause from {@value #WATCH_MIN_MILLIS} ms while nothing changes.
   */
  static final Duration WATCH_MAX_PAUSE = Duration.ofMillis(250);
  /** The first pause of the watcher after a change, in milliseconds. */
  static final long WATCH_MIN_MILLIS = 10;
  /** The folder, inside the spool directory, that keeps damaged databases and their damage reports. */
  public static final String CORRUPT_DIRECTORY = Quarantine.DIRECTORY;
  /**
   * The suffix of a damage report in {@link #CORRUPT_DIRECTORY}: {@code spool.db.<epoch millis>.report}
   * describes the damaged copy {@code spool.db.<epoch millis>} beside it.
   */
  public static final String DAMAGE_REPORT_SUFFIX = Quarantine.REPORT_SUFFIX;
  /**
   * The system property naming the directory sqlite-jdbc's native library is kept in (extracted once into
   * {@code sqlite-jdbc-<version>/<os>-<arch>/} inside it, owner-only). If not set, defaults to
   * {@code $XDG_CACHE_HOME/steadfast/native}, or {@code ~/.cache/steadfast/native}.
   */
  public static final String NATIVE_DIRECTORY_PROPERTY = SqliteNativeLibrary.DIRECTORY_PROPERTY;

  private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

  private static final List<String> MIGRATION_1 = List.of(
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

  /**
   * Version 2: running totals of undelivered mail, kept by triggers in the same transaction as the
   * change, so the limit check on every append reads one row instead of counting the whole spool.
   * (Counting made submits O(spool size): 4.6x slower with 35k entries queued.) Triggers, not Java
   * counters, because a rolled-back savepoint or a failed commit must roll the totals back too.
   */
  private static final List<String> MIGRATION_2 = List.of(
      "CREATE TABLE undelivered (id INTEGER PRIMARY KEY CHECK (id = 1), entries INTEGER NOT NULL, "
          + "bytes INTEGER NOT NULL)",
      "INSERT INTO undelivered (id, entries, bytes) SELECT 1, count(*), coalesce(sum(size_bytes), 0) "
          + "FROM entries WHERE state IN ('PENDING', 'IN_FLIGHT')",
      "CREATE TRIGGER undelivered_insert AFTER INSERT ON entries WHEN NEW.state IN ('PENDING', 'IN_FLIGHT') "
          + "BEGIN UPDATE undelivered SET entries = entries + 1, bytes = bytes + NEW.size_bytes; END",
      "CREATE TRIGGER undelivered_delete AFTER DELETE ON entries WHEN OLD.state IN ('PENDING', 'IN_FLIGHT') "
          + "BEGIN UPDATE undelivered SET entries = entries - 1, bytes = bytes - OLD.size_bytes; END",
      // Claims (PENDING -> IN_FLIGHT) change nothing here, so the WHEN clause skips them.
      "CREATE TRIGGER undelivered_update AFTER UPDATE OF state, size_bytes ON entries "
          + "WHEN (OLD.state IN ('PENDING', 'IN_FLIGHT')) <> (NEW.state IN ('PENDING', 'IN_FLIGHT')) "
          + "OR OLD.size_bytes <> NEW.size_bytes "
          + "BEGIN UPDATE undelivered SET "
          + "entries = entries + (NEW.state IN ('PENDING', 'IN_FLIGHT')) - (OLD.state IN ('PENDING', 'IN_FLIGHT')), "
          + "bytes = bytes + (CASE WHEN NEW.state IN ('PENDING', 'IN_FLIGHT') THEN NEW.size_bytes ELSE 0 END) "
          + "- (CASE WHEN OLD.state IN ('PENDING', 'IN_FLIGHT') THEN OLD.size_bytes ELSE 0 END); END");

  /**
   * Version 3: packed bodies. The small bodies of one group commit are stored as one row of
   * {@code body_packs}, each entry pointing at its slice, instead of a {@code bodies} row each: a 2 KB
   * message encodes to about 2.8 KB, more than half a 4 KB page, so every body took a b-tree leaf of its
   * own, and bodies were 12 of the 20 pages a commit of ten messages wrote. {@code body_pack_refs} counts
   * the entries still needing a pack's bytes; the pack goes when the last is delivered. (The count is
   * its own table because SQLite rewrites a whole row, blob included, when one column changes.) Dead
   * letters take a copy into {@code bodies}, so a dead letter never holds a pack. Bodies stored before
   * version 3 stay in {@code bodies} and read as before. From version 3 bodies are also written in the
   * codec's compact form, which an older Steadfast could not read; it refuses a version 3 spool instead.
   */
  private static final List<String> MIGRATION_3 = List.of(
      "CREATE TABLE body_packs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
      "CREATE TABLE body_pack_refs (pack_id INTEGER PRIMARY KEY REFERENCES body_packs (id) ON DELETE CASCADE, "
          + "live INTEGER NOT NULL)",
      "ALTER TABLE entries ADD COLUMN pack_id INTEGER",
      "ALTER TABLE entries ADD COLUMN pack_offset INTEGER",
      "ALTER TABLE entries ADD COLUMN pack_length INTEGER");

  /** The undelivered states (pending, in flight, reconciling), as SQL, for the version 4 triggers. */
  private static final String UNDELIVERED_NEW = SpoolMove.undelivered("NEW.state");
  private static final String UNDELIVERED_OLD = SpoolMove.undelivered("OLD.state");

  /**
   * Version 4: the {@code RECONCILING} state (an attempt whose answer was lost waits to be looked up in
   * SparkPost's events), with {@code reconcile_looks}, {@code unknown_since} (epoch milliseconds) and
   * {@code lease_token} (which claim holds a lease: the attempt count for a delivery claim, a number
   * above 2^40 for a reconcile claim). SQLite cannot change a CHECK constraint, so {@code entries} is
   * rebuilt as its documented ALTER TABLE procedure says (sqlite.org/lang_altertable.html, "Making Other
   * Kinds Of Table Schema Changes"): create the new table, copy, drop, rename, recreate the index and
   * the triggers, with foreign keys off (else dropping the old table would cascade to the bodies) and
   * checked before the commit. The triggers now count reconciling entries as undelivered, and the
   * totals are counted again. A version 3 Steadfast refuses the file afterwards (NEWER_SCHEMA).
   */
  private static final List<String> MIGRATION_4 = List.of(
      "CREATE TABLE entries_v4 ("
          + " id INTEGER PRIMARY KEY,"
          + " idempotency_key TEXT NOT NULL UNIQUE,"
          + " fingerprint TEXT NOT NULL,"
          + " state TEXT NOT NULL CHECK (state IN ('PENDING', 'IN_FLIGHT', 'RECONCILING', 'DELIVERED', 'DEAD')),"
          + " attempts INTEGER NOT NULL DEFAULT 0,"
          + " created_at INTEGER NOT NULL,"
          + " next_attempt_at INTEGER NOT NULL,"
          + " deliver_by INTEGER NOT NULL,"
          + " lease_until INTEGER,"
          + " last_error TEXT,"
          + " size_bytes INTEGER NOT NULL,"
          + " receipt TEXT,"
          + " pack_id INTEGER,"
          + " pack_offset INTEGER,"
          + " pack_length INTEGER,"
          + " lease_token INTEGER,"
          + " reconcile_looks INTEGER NOT NULL DEFAULT 0,"
          + " unknown_since INTEGER)",
      // An in-flight entry's claim had the attempt count as its token.
      "INSERT INTO entries_v4 (id, idempotency_key, fingerprint, state, attempts, created_at, next_attempt_at, "
          + "deliver_by, lease_until, last_error, size_bytes, receipt, pack_id, pack_offset, pack_length, lease_token) "
          + "SELECT id, idempotency_key, fingerprint, state, attempts, created_at, next_attempt_at, deliver_by, "
          + "lease_until, last_error, size_bytes, receipt, pack_id, pack_offset, pack_length, "
          + "CASE WHEN state = 'IN_FLIGHT' THEN attempts END FROM entries",
      "DROP TABLE entries",
      "ALTER TABLE entries_v4 RENAME TO entries",
      // Serves claim and nextDueAt (PENDING), claimReconciling and nextReconcileAt (RECONCILING), stats.
      "CREATE INDEX entries_due ON entries (state, next_attempt_at)",
      "CREATE TRIGGER undelivered_insert AFTER INSERT ON entries WHEN " + UNDELIVERED_NEW + " "
          + "BEGIN UPDATE undelivered SET entries = entries + 1, bytes = bytes + NEW.size_bytes; END",
      "CREATE TRIGGER undelivered_delete AFTER DELETE ON entries WHEN " + UNDELIVERED_OLD + " "
          + "BEGIN UPDATE undelivered SET entries = entries - 1, bytes = bytes - OLD.size_bytes; END",
      // Claims and reconcile moves (among the undelivered states) change nothing here.
      "CREATE TRIGGER undelivered_update AFTER UPDATE OF state, size_bytes ON entries "
          + "WHEN (" + UNDELIVERED_OLD + ") <> (" + UNDELIVERED_NEW + ") "
          + "OR OLD.size_bytes <> NEW.size_bytes "
          + "BEGIN UPDATE undelivered SET "
          + "entries = entries + (" + UNDELIVERED_NEW + ") - (" + UNDELIVERED_OLD + "), "
          + "bytes = bytes + (CASE WHEN " + UNDELIVERED_NEW + " THEN NEW.size_bytes ELSE 0 END) "
          + "- (CASE WHEN " + UNDELIVERED_OLD + " THEN OLD.size_bytes ELSE 0 END); END",
      "UPDATE undelivered SET (entries, bytes) = (SELECT count(*), coalesce(sum(size_bytes), 0) FROM entries "
          + "WHERE " + SpoolMove.undelivered("state") + ")");

  /**
   * Version 5: {@code wait_reason}, why a pending entry waits (a {@code WaitReason} name; NULL when no
   * reason was recorded), so that a recovery flush makes due only the waits of the outage and leaves
   * quota and rate-limit waits alone. A version 4 Steadfast refuses the file afterwards (NEWER_SCHEMA).
   */
  private static final List<String> MIGRATION_5 = List.of("ALTER TABLE entries ADD COLUMN wait_reason TEXT");

  private static final List<List<String>> MIGRATIONS = List.of(MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4,
      MIGRATION_5);

  /**
   * Lease tokens of reconcile claims start above this, so they never equal the attempt count that is a
   * delivery claim's token.
   */
  private static final long RECONCILE_TOKENS_FROM = 1L << 40;
  /** The last error of an in-flight entry whose lease expired, taken to be looked up. */
  static final String LEASE_EXPIRED = "lease expired mid-attempt; outcome unknown";
  /** The last error of an in-flight entry found at start-up. */
  static final String RECOVERED = "recovered after a restart; outcome of the last attempt unknown";

  /**
   * Bodies up to this size are packed with the others of their commit; a larger one gets its own row,
   * because claiming a packed message reads its whole pack.
   */
  private static final int PACK_MAX_BODY_BYTES = 16 * 1024;
  /** A pack is closed once it holds this much, so a claim never reads more than about this. */
  private static final int PACK_MAX_BYTES = 256 * 1024;

  /**
   * Rows per multi-row INSERT: a statement is prepared (and cached) for each row count up to this, so
   * it bounds the cache; 32 rows of 6 parameters stay far below SQLite's parameter limit.
   */
  private static final int ROWS_PER_STATEMENT = 32;

  /** How often {@link #stats} counts the delivered entries (the ledger) again; see {@code deliveredCount}. */
  private static final Duration DELIVERED_RECOUNT = Duration.ofSeconds(30);

  private static final String COLUMNS = "id, idempotency_key, fingerprint, state, attempts, created_at, "
      + "next_attempt_at, deliver_by, lease_until, last_error, size_bytes, receipt, reconcile_looks, unknown_since";

  /** What a spool was opened for: dispatching, submitting (and operators' changes), or reading. */
  private enum Role { DISPATCH, SUBMIT, READ }

  private final Path directory;
  private final Role role;
  /** The dispatcher lock; {@code null} unless opened for dispatch. */
  private final SpoolLocks.@Nullable Held dispatcherLock;
  /** The writers lock, held shared; {@code null} when opened read-only, which takes no lock. */
  private final SpoolLocks.@Nullable Held writersLock;
  /** How long a write waits for another process's write (the connection's busy timeout). */
  private final Duration lockTimeout;
  private final Connection connection;
  /** Watches for other processes' commits once {@link #onAppend} is called; guarded by {@code this}. */
  private @Nullable ChangeWatcher watcher;
  /**
   * The writer thread, or {@code null} when opened read-only: reads then run on the caller's thread,
   * one at a time (guarded by {@code connection}).
   */
  private final @Nullable GroupCommitWriter writer;
  /** Used only on the writer thread, inside tasks (read-only: while holding {@code connection}). */
  private final StatementCache statements = new StatementCache();
  /** Delivered entries for {@link #stats}; -1 until counted. Used only on the writer thread. */
  private long deliveredCount = -1;
  /** When {@link #deliveredCount} was last counted ({@code System.nanoTime()}). Writer thread only. */
  private long deliveredCountedAt;
  /** The last lease token a reconcile claim took. Used only on the writer thread. */
  private long lastLeaseToken;
  /** One object, so the writer combines the appends of concurrent callers into one run. */
  private final GroupCommitWriter.Combined<Append, List<SpoolEntry>> appends = this::appendAll;
  private volatile boolean closed;

  private SqliteSpool(Path directory, SpoolLocks.@Nullable Held dispatcherLock, SpoolLocks.@Nullable Held writersLock,
      Connection connection, long lastLeaseToken, Role role, Duration lockTimeout) {
    this.lastLeaseToken = lastLeaseToken;
    this.directory = directory;
    this.role = role;
    this.dispatcherLock = dispatcherLock;
    this.writersLock = writersLock;
    this.lockTimeout = lockTimeout;
    this.connection = connection;
    this.writer = role == Role.READ ? null : new GroupCommitWriter(connection, role == Role.DISPATCH
        ? "steadfast-spool-writer" : "steadfast-spool-submit-writer");
  }

  /**
   * Opens the spool in {@code directory} for dispatch, creating the directory (owner-only) and the
   * database if needed, and migrating an older schema; takes the dispatcher lock ({@value #LOCK_FILE}),
   * so that no other process dispatches the spool while this one is open. Any number of processes may
   * submit to it meanwhile ({@link #openForSubmit}), and read it ({@link #openReadOnly}).
   *
   * <p>A database that SQLite finds damaged (its integrity check fails, or it answers SQLITE_CORRUPT or
   * SQLITE_NOTADB) is salvaged: every entry still readable is copied into a fresh spool, which then
   * replaces it, and the damaged original is kept unchanged in {@code corrupt/spool.db.<epoch millis>}
   * (with its {@code -wal} and {@code -shm}) beside a report {@code spool.db.<epoch millis>.report}; the
   * open then succeeds, and {@link #damage()} tells of any entries that could not be read. Only a
   * verified integrity failure counts as damage: a native library that cannot be loaded, a file-size
   * limit, a full disk or a refused permission fails the open with {@code ENVIRONMENT} and touches no
   * file. A salvage that a crash interrupted is finished (or, if its fresh spool was not yet complete,
   * done again) by the next open. Salvaging and migrating replace or rebuild the file, so they wait (up
   * to {@link #DEFAULT_LOCK_TIMEOUT}) until no other process has the spool open for writing.
   *
   * @throws SpoolOpenException if another process dispatches the spool ({@code IN_USE}), or it must be
   *     salvaged or migrated while other processes keep it open ({@code IN_USE}), the directory or a file
   *     in it is owned by another user, writable by others or (a file) a symbolic link
   *     ({@code UNSAFE_FILES}, see "Ownership" above: nothing was created), the environment stops
   *     it ({@code ENVIRONMENT}: the message names the cause and the fix), the database was written by a
   *     newer Steadfast ({@code NEWER_SCHEMA}), or it is damaged and could not be salvaged, or could not be
   *     migrated ({@code DAMAGED_NOT_MOVED}: it is left where it was); its
   *     {@link SpoolOpenException#reason() reason} says which
   */
  public static SqliteSpool open(Path directory) {
    return open(directory, DEFAULT_LOCK_TIMEOUT);
  }

  /**
   * Opens the spool in {@code directory} for dispatch as {@link #open(Path)} does, with {@code lockTimeout}
   * for how long a write waits while a submitting process writes, and how long a salvage or migration
   * waits for the other processes to close the spool.
   *
   * @throws SpoolOpenException as {@link #open(Path)} says
   * @throws IllegalArgumentException if {@code lockTimeout} is negative
   */
  public static SqliteSpool open(Path directory, Duration lockTimeout) {
    Objects.requireNonNull(directory, "directory");
    return openWritable(directory.toAbsolutePath(), true, checkLockTimeout(lockTimeout), null);
  }

  /**
   * Opens the spool in {@code directory} for dispatch as {@link #open(Path, Duration)} does, trusting the
   * members of {@code trustedGroup} as the spool's submitters: the directory and its files may be
   * writable by that group and owned by any of its members (see "Ownership" above). Still refused: a file
   * or directory writable by every user, or group-writable for another group.
   *
   * @throws SpoolOpenException as {@link #open(Path)} says
   * @throws IllegalArgumentException if {@code lockTimeout} is negative, or {@code trustedGroup} is blank
   *     or names no group on this host
   */
  public static SqliteSpool open(Path directory, Duration lockTimeout, String trustedGroup) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(trustedGroup, "trustedGroup");
    return openWritable(directory.toAbsolutePath(), true, checkLockTimeout(lockTimeout), trustedGroup);
  }

  private static Duration checkLockTimeout(Duration lockTimeout) {
    Objects.requireNonNull(lockTimeout, "lockTimeout");
    if (lockTimeout.isNegative()) {
      throw new IllegalArgumentException("lockTimeout must not be negative but was " + lockTimeout);
    }
    return lockTimeout;
  }

  /**
   * Opens the spool in {@code directory} for submitting only, with the default lock timeout (10 seconds);
   * see {@link #openForSubmit(Path, Duration)}.
   *
   * @throws SpoolOpenException as {@link #openForSubmit(Path, Duration)} says
   */
  public static SqliteSpool openForSubmit(Path directory) {
    return openForSubmit(directory, DEFAULT_LOCK_TIMEOUT);
  }

  /**
   * Opens the spool in {@code directory} for submitting, as one of any number of processes, while one
   * other process may dispatch it: {@link #append} and the operator's changes ({@link #flush},
   * {@link #requeue}, {@link #purgeDelivered}) work, and so does every read; the dispatcher's moves
   * ({@link #claim}, {@link #recoverInFlight}, {@link #markDelivered} and the rest) throw
   * {@link IllegalStateException}, so a client on this spool must be {@code submitOnly}. The directory
   * and the database are created if needed, as by {@link #open}.
   *
   * <p>Every append is durable before it returns, as with {@link #open}: the appends of this process's
   * threads share one commit, and the processes take turns for SQLite's write lock. An append that
   * cannot get the write lock within {@code lockTimeout} (another process holds it that long) throws an
   * {@link UncheckedIOException} saying so, and stores nothing. The dispatcher notices the new entries
   * within moments (it watches the file's {@code data_version}).
   *
   * <p>A spool that must first be created, migrated or salvaged is prepared here as {@link #open} would,
   * once no other process has it open for writing (waiting up to {@code lockTimeout} for that); a spool
   * that only needs nothing opens at once, without the integrity check of a dispatching open.
   *
   * @param lockTimeout how long an append waits for another process's write, and the open for a
   *     salvage or migration elsewhere to finish; if not given, defaults to 10 seconds
   * @throws SpoolOpenException {@code IN_USE} if the spool could not be prepared within the lock timeout
   *     because other processes keep it open, or a salvage or migration by another process took longer;
   *     otherwise as {@link #open} says
   * @throws IllegalArgumentException if {@code lockTimeout} is negative
   */
  public static SqliteSpool openForSubmit(Path directory, Duration lockTimeout) {
    Objects.requireNonNull(directory, "directory");
    return openWritable(directory.toAbsolutePath(), false, checkLockTimeout(lockTimeout), null);
  }

  /**
   * Opens the spool in {@code directory} for submitting as {@link #openForSubmit(Path, Duration)} does,
   * trusting the members of {@code trustedGroup}, as {@link #open(Path, Duration, String)} does: the way
   * local programs of one group, each as its own user, submit to a spool one dispatcher delivers.
   *
   * @throws SpoolOpenException as {@link #openForSubmit(Path, Duration)} says
   * @throws IllegalArgumentException if {@code lockTimeout} is negative, or {@code trustedGroup} is blank
   *     or names no group on this host
   */
  public static SqliteSpool openForSubmit(Path directory, Duration lockTimeout, String trustedGroup) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(trustedGroup, "trustedGroup");
    return openWritable(directory.toAbsolutePath(), false, checkLockTimeout(lockTimeout), trustedGroup);
  }

  /**
   * Opens a read-write spool: takes the dispatcher lock if {@code dispatch}, then the writers lock shared.
   * A spool that needs preparing (created, an interrupted salvage finished, damage salvaged, an older
   * schema migrated) is prepared under the writers lock held exclusively, which needs every other writing
   * process to let go, and then opened again from the top: so no connection is ever open on a file that
   * is being replaced.
   */
  private static SqliteSpool openWritable(Path dir, boolean dispatch, Duration lockTimeout,
      @Nullable String trustedGroup) {
    SpoolOwnership ownership = ownership(dir, trustedGroup);
    SqliteNativeLibrary.prepare();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    SpoolLocks.Held dispatcherLock = null;
    SpoolLocks.Held writersLock = null;
    Connection connection = null;
    try {
      try {
        createDirectory(dir, posix, ownership);
        if (dispatch) {
          dispatcherLock = SpoolLocks.acquire(dir, LOCK_FILE, true, System.nanoTime());
        }
      } catch (IOException e) {
        throw environment(dir, e);
      }
      if (dispatch && dispatcherLock == null) {
        throw new SpoolOpenException(SpoolOpenException.Reason.IN_USE, "The spool at " + dir + " is being "
            + "dispatched by another process (it holds " + dir.resolve(LOCK_FILE) + "); a spool has one dispatcher "
            + "at a time. Submitting works alongside it ('steadfast submit', SqliteSpool.openForSubmit); stop the "
            + "other dispatcher to dispatch from here.");
      }
      Path db = dir.resolve(DATABASE_FILE);
      Quarantine quarantine = new Quarantine(dir);
      long leaseToken = 0;
      int prepared = 0;
      while (true) {
        writersLock = lock(dir, false, deadline, "a salvage or migration of the spool by another process is still "
            + "running");
        String preparation = preparation(db, quarantine);
        if (preparation == null) {
          Connected connected = connectPrepared(dir, db, dispatch, lockTimeout);
          if (connected.connection() != null) {
            connection = connected.connection();
            leaseToken = connected.leaseToken();
            break;
          }
          preparation = connected.preparation();
        }
        writersLock.close();
        writersLock = null;
        if (++prepared > 2) {
          throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool at " + dir + " still "
              + "needs " + preparation + " after it was prepared twice; it is where it was, nothing was deleted. "
              + "Inspect it with sqlite3, or move the directory away to start an empty spool.");
        }
        writersLock = lock(dir, true, deadline, "it needs " + preparation + " first, which replaces or rebuilds "
            + DATABASE_FILE + " and so waits until no other process has the spool open for writing (each holds "
            + dir.resolve(WRITERS_LOCK_FILE) + "; the dispatcher and every submitter do)");
        prepare(dir, db, quarantine, posix);
        writersLock.close();
        writersLock = null;
      }
      log.info("Spool opened at {}{}", dir, dispatch ? "" : " for submitting");
      return new SqliteSpool(dir, dispatcherLock, writersLock, connection, leaseToken, dispatch ? Role.DISPATCH
          : Role.SUBMIT, lockTimeout);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      closeQuietly(writersLock);
      closeQuietly(dispatcherLock);
      throw e;
    }
  }

  /**
   * Takes the writers lock, shared or exclusive, by {@code deadline}.
   *
   * @throws SpoolOpenException {@code IN_USE} naming {@code why} it could not be had
   */
  private static SpoolLocks.Held lock(Path dir, boolean exclusive, long deadline, String why) {
    SpoolLocks.Held held;
    try {
      held = SpoolLocks.acquire(dir, WRITERS_LOCK_FILE, exclusive, deadline);
    } catch (IOException e) {
      throw environment(dir, e);
    }
    if (held == null) {
      throw new SpoolOpenException(SpoolOpenException.Reason.IN_USE, "The spool at " + dir + " could not be opened "
          + "in time: " + why + ". Nothing was changed; try again once the other processes are done with it, or "
          + "stop them.");
    }
    return held;
  }

  /**
   * Returns what the spool needs before a connection may be opened on it, or {@code null} if nothing:
   * checked without opening it, from the files in the directory.
   */
  private static @Nullable String preparation(Path db, Quarantine quarantine) {
    if (quarantine.interrupted() || Files.exists(quarantine.buildFile())) {
      return "an interrupted salvage finished";
    }
    if (!Files.exists(db)) {
      return "creating";
    }
    return null;
  }

  /** An open read-write connection (and the last lease token in it), or what the spool needs first. */
  private record Connected(@Nullable Connection connection, long leaseToken, @Nullable String preparation) {}

  /**
   * Opens the read-write connection on a spool that needs no preparation by its files: a dispatching
   * open runs the integrity check first (read-only, so that finding damage changes nothing). Returns the
   * preparation needed instead if the file is damaged or its schema is older.
   *
   * @throws SpoolOpenException for a newer schema or an environment failure
   */
  private static Connected connectPrepared(Path dir, Path db, boolean dispatch, Duration lockTimeout) {
    boolean checked = false;
    if (dispatch) {
      Verdict verdict = checkReadOnly(dir, db);
      if (verdict.damage() != null) {
        return new Connected(null, 0, "salvaging (" + verdict.damage() + ")");
      }
      checked = verdict.checked();
    }
    Connection connection;
    try {
      connection = connect(db, lockTimeout);
    } catch (SQLException e) {
      if (SqliteFailure.isDamage(e)) {
        return new Connected(null, 0, "salvaging (" + SqliteFailure.brief(e) + ")");
      }
      throw environment(dir, e);
    }
    try {
      if (dispatch && !checked) {
        String verdict = quickCheck(connection);
        if (verdict != null) {
          closeQuietly(connection);
          return new Connected(null, 0, "salvaging (" + verdict + ")");
        }
      }
      int version = schemaVersion(connection);
      if (version > SCHEMA_VERSION) {
        throw newerSchema(dir, version);
      }
      if (version < SCHEMA_VERSION) {
        closeQuietly(connection);
        return new Connected(null, 0, version == 0 ? "creating" : "migrating from schema version " + version
            + " to " + SCHEMA_VERSION);
      }
      return new Connected(connection, dispatch ? lastLeaseToken(connection) : 0, null);
    } catch (SQLException e) {
      closeQuietly(connection);
      if (SqliteFailure.isDamage(e)) {
        return new Connected(null, 0, "salvaging (" + SqliteFailure.brief(e) + ")");
      }
      throw environment(dir, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /**
   * Prepares the spool while this process holds the writers lock exclusively, so no other connection is
   * open on it: finishes an interrupted salvage, salvages a damaged file, creates a missing one and
   * migrates an older schema. Leaves no connection open; the caller opens the spool again.
   */
  private static void prepare(Path dir, Path db, Quarantine quarantine, boolean posix) {
    try {
      quarantine.finishInterrupted();
    } catch (IOException e) {
      throw new SpoolOpenException(SpoolOpenException.Reason.ENVIRONMENT, "The spool at " + dir + " cannot be "
          + "opened: an interrupted salvage could not be finished (" + SqliteFailure.of(e, dir).description()
          + "). Nothing was deleted; opening the spool again continues it.", e);
    }
    boolean checked = false;
    if (Files.exists(db)) {
      Verdict verdict = checkReadOnly(dir, db);
      checked = verdict.checked();
      if (verdict.damage() != null) {
        salvage(dir, db, verdict.damage(), quarantine, posix);
      }
    } else {
      try {
        createOwnerOnly(db, posix);
      } catch (IOException e) {
        throw environment(dir, e);
      }
    }
    Opened opened;
    try {
      opened = connectForDispatch(dir, db, checked);
    } catch (FoundDamage e) {
      // The integrity check passed (or could not run read-only) but SQLite reported damage afterwards.
      salvage(dir, db, e.getMessage(), quarantine, posix);
      try {
        opened = connectForDispatch(dir, db, true);
      } catch (FoundDamage again) {
        throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool database " + db
            + " salvaged from a damaged one is damaged too (" + again.getMessage() + "). It is where it was, "
            + "and the damaged original is in " + dir.resolve(CORRUPT_DIRECTORY) + "; nothing was deleted.");
      }
    }
    closeQuietly(opened.connection());
  }

  /**
   * Creates {@code dir} owner-only if it is missing, then checks it and its files ({@link SpoolOwnership}).
   * The last component is created new, so a directory another user made first (or a link put in its
   * place) is checked, and refused, rather than taken over.
   *
   * @throws SpoolOpenException {@code UNSAFE_FILES} if the directory or a file in it is not safe to use
   */
  private static void createDirectory(Path dir, boolean posix, SpoolOwnership ownership) throws IOException {
    if (!Files.isDirectory(dir)) {
      FileAttribute<?>[] ownerOnly = posix
          ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY)} : new FileAttribute<?>[0];
      Path parent = dir.getParent();
      if (parent != null) {
        Files.createDirectories(parent, ownerOnly);
      }
      boolean created = false;
      try {
        Files.createDirectory(dir, ownerOnly);
        created = true;
      } catch (FileAlreadyExistsException e) {
        // Made by someone else meanwhile, or a link or file is in the way: the checks below decide.
      }
      if (created) {
        if (posix) {
          // The umask may have taken bits the spool needs; it cannot have added any.
          Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
        }
        return;
      }
    }
    ownership.checkDirectory(dir);
    ownership.checkFiles(dir);
    if (posix && !Files.getPosixFilePermissions(dir).equals(OWNER_DIRECTORY)) {
      log.warn("Spool directory {} is readable by others ({}); spooled messages contain email content. "
          + "Run chmod 700 on it.", dir, PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }
  }

  /**
   * Returns the ownership checks for a spool in {@code dir} trusting {@code trustedGroup}.
   *
   * @throws IllegalArgumentException if {@code trustedGroup} is blank or names no group
   * @throws SpoolOpenException {@code ENVIRONMENT} if the current user cannot be looked up
   */
  private static SpoolOwnership ownership(Path dir, @Nullable String trustedGroup) {
    try {
      return SpoolOwnership.of(dir.getFileSystem(), trustedGroup);
    } catch (IOException e) {
      throw environment(dir, e);
    }
  }

  /** A database connection opened for dispatch and the last lease token found in it. */
  private record Opened(Connection connection, long leaseToken) {}

  /** SQLite reported damage after the read-only integrity check let the file through; the message says what. */
  private static final class FoundDamage extends Exception {
    private static final long serialVersionUID = 1L;

    FoundDamage(String cause) {
      super(cause, null, false, false);
    }
  }

  /**
   * What the read-only integrity check found: whether it ran (a hot rollback journal needs a writer, which
   * then runs it) and, if the file is damaged, how SQLite knows.
   */
  private record Verdict(boolean checked, @Nullable String damage) {}

  /**
   * Checks the file's integrity over a read-only connection, so that finding it damaged changes nothing:
   * a read-write connection would fold its WAL into it when closed.
   *
   * @throws SpoolOpenException {@code ENVIRONMENT} if the environment stops even reading the file
   */
  private static Verdict checkReadOnly(Path dir, Path db) {
    Connection connection;
    try {
      connection = connectReadOnly(db);
    } catch (SQLException e) {
      return readOnlyVerdict(dir, e);
    }
    try {
      return new Verdict(true, quickCheck(connection));
    } catch (SQLException e) {
      return readOnlyVerdict(dir, e);
    } finally {
      closeQuietly(connection);
    }
  }

  private static Verdict readOnlyVerdict(Path dir, SQLException e) {
    if (SqliteFailure.isDamage(e)) {
      return new Verdict(true, SqliteFailure.brief(e));
    }
    if (e instanceof SQLiteException sqlite && (sqlite.getResultCode() == SQLiteErrorCode.SQLITE_READONLY_ROLLBACK
        || sqlite.getResultCode() == SQLiteErrorCode.SQLITE_READONLY_RECOVERY
        || sqlite.getResultCode() == SQLiteErrorCode.SQLITE_READONLY_CANTINIT)) {
      return new Verdict(false, null);
    }
    throw environment(dir, e);
  }

  /**
   * Opens the read-write connection, runs the integrity check unless the read-only one did, migrates,
   * and reads the last lease token.
   *
   * @throws FoundDamage if SQLite reports the file damaged; the connection is closed
   * @throws SpoolOpenException for every other failure
   */
  private static Opened connectForDispatch(Path dir, Path db, boolean checked) throws FoundDamage {
    Connection connection;
    try {
      connection = connect(db, DEFAULT_LOCK_TIMEOUT);
    } catch (SQLException e) {
      if (SqliteFailure.isDamage(e)) {
        throw new FoundDamage(SqliteFailure.brief(e));
      }
      throw environment(dir, e);
    }
    boolean migrating = false;
    try {
      if (!checked) {
        String verdict = quickCheck(connection);
        if (verdict != null) {
          throw new FoundDamage(verdict);
        }
      }
      migrating = true;
      migrate(connection, dir);
      migrating = false;
      return new Opened(connection, lastLeaseToken(connection));
    } catch (SQLException e) {
      closeQuietly(connection);
      if (SqliteFailure.isDamage(e)) {
        throw new FoundDamage(SqliteFailure.brief(e));
      }
      SqliteFailure failure = SqliteFailure.of(e, dir);
      if (migrating && !failure.kind().environment()) {
        throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool database " + db
            + " could not be migrated to schema version " + SCHEMA_VERSION + " (" + SqliteFailure.brief(e)
            + "); the migration was rolled back and the file left as it was, nothing deleted. Its schema is not "
            + "one Steadfast wrote: inspect it with sqlite3, or move it away to start an empty spool.", e);
      }
      throw environment(dir, e);
    } catch (FoundDamage | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /**
   * Salvages the damaged {@code db} into a fresh spool that replaces it; the original goes to
   * {@code corrupt/} with a report. See {@link Quarantine} for the order that makes a crash harmless.
   *
   * @throws SpoolOpenException {@code DAMAGED_NOT_MOVED} if the salvage fails; the original stays where it was
   */
  private static void salvage(Path dir, Path db, String cause, Quarantine quarantine, boolean posix) {
    // Milliseconds, as in the damaged copy's name.
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    log.warn("Spool database {} is damaged ({}); salvaging its readable entries into a fresh spool", db, cause);
    String copy;
    SqliteSalvage.Result result;
    try {
      copy = quarantine.prepare(now);
      Path build = quarantine.buildFile();
      createOwnerOnly(build, posix);
      try (Connection source = connectReadOnly(db); Connection fresh = connectBuild(build)) {
        migrate(fresh, dir);
        // In-flight entries are looked up after the default settle delay, as a dispatcher does at start-up.
        result = SqliteSalvage.salvage(source, fresh, now, now.plus(ReconcilePolicy.DEFAULT.settleDelay()));
      }
      try (FileChannel file = FileChannel.open(build, StandardOpenOption.WRITE)) {
        file.force(true);
      }
    } catch (IOException | SQLException e) {
      try {
        quarantine.deleteBuild();
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool database " + db
          + " is damaged (" + cause + ") and could not be salvaged: " + SqliteFailure.of(e, dir).description()
          + ". It is where it was, nothing was deleted; opening the spool again salvages it once that is fixed.", e);
    }
    DamageReport report = new DamageReport(copy, now, cause, result.recovered(), result.rebuilt(),
        result.unreadable(), result.unreadableKeys(), result.deliveredUnreadable(), false, null);
    try {
      quarantine.commit(report);
    } catch (IOException e) {
      throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED_NOT_MOVED, "The spool database " + db
          + " is damaged (" + cause + "); its readable entries were salvaged but the files could not be put in "
          + "place (" + SqliteFailure.of(e, dir).description() + "). Nothing was deleted; opening the spool again "
          + "finishes it.", e);
    }
    Path kept = dir.resolve(CORRUPT_DIRECTORY).resolve(copy);
    String unreadable = result.unreadable() < 0 ? "an unknown number" : Long.toString(result.unreadable());
    String rebuilt = result.rebuilt() == 0 ? "" : " (" + result.rebuilt() + " rebuilt from their bodies and indexes)";
    String ledger = result.deliveredUnreadable() == 0 ? ""
        : "; " + result.deliveredUnreadable() + " delivered entries of the idempotency ledger were lost";
    if (result.unreadable() != 0) {
      log.error("Spool database {} was damaged ({}): {} entries recovered{}, {} unreadable{}{}; the damaged file "
          + "is kept at {}. Re-send or give up the unreadable messages, then run 'steadfast spool clear-damage'.",
          db, cause, result.recovered(), rebuilt, unreadable, result.unreadableKeys().isEmpty() ? ""
              : " (keys " + String.join(", ", result.unreadableKeys()) + ")", ledger, kept);
    } else {
      log.warn("Spool database {} was damaged ({}): {} entries recovered{}, 0 unreadable{}; the damaged file is "
          + "kept at {}", db, cause, result.recovered(), rebuilt, ledger, kept);
    }
  }

  private static SpoolOpenException environment(Path dir, Exception cause) {
    SqliteFailure failure = SqliteFailure.of(cause, dir);
    return new SpoolOpenException(SpoolOpenException.Reason.ENVIRONMENT, "The spool at " + dir + " cannot be opened: "
        + failure.description() + ". No file was changed.", cause);
  }

  private static void createOwnerOnly(Path file, boolean posix) throws IOException {
    try {
      if (posix) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      // An existing spool: keep its contents.
    }
  }

  private static Connection connect(Path db, Duration busyTimeout) throws SQLException {
    Properties properties = new Properties();
    // The spool reads ids through RETURNING. With this on (the driver's default), sqlite-jdbc runs a
    // regular expression over the SQL and fetches last_insert_rowid() after every statement, on the
    // writer thread that every submit waits for.
    properties.setProperty("jdbc.get_generated_keys", "false");
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db, properties);
    try (Statement statement = connection.createStatement()) {
      // How long a write waits while another process writes (WAL mode: readers never wait). Submitting
      // processes and the dispatcher take turns for this one lock.
      statement.execute("PRAGMA busy_timeout = " + Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
      // Sorts and statement journals in memory: the spool's are small, and a temporary directory that is
      // read-only or full then cannot stop it.
      statement.execute("PRAGMA temp_store = MEMORY");
      try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
        if (!mode.next() || !"wal".equalsIgnoreCase(mode.getString(1))) {
          throw new SQLException("could not switch the spool to WAL mode");
        }
      }
      // FULL: the WAL is fsynced at every commit, so a returned append survives power loss.
      statement.execute("PRAGMA synchronous = FULL");
      statement.execute("PRAGMA foreign_keys = ON");
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  /**
   * Opens {@code db} read-only. SQLite needs the {@code -shm} and {@code -wal} files of a WAL database
   * even to read it (sqlite.org/wal.html, "Read-Only Databases"): it uses them if they are there and
   * creates them, empty, if the directory allows, but never changes the database file itself, never
   * checkpoints, and leaves a WAL that another process is writing as it is.
   */
  private static Connection connectReadOnly(Path db) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    Properties properties = config.toProperties();
    properties.setProperty("jdbc.get_generated_keys", "false");
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db, properties);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 10000");
      statement.execute("PRAGMA temp_store = MEMORY");
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  /** Opens the file a salvage builds the fresh spool in: a rollback journal, since it is written once and closed. */
  private static Connection connectBuild(Path file) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode = DELETE");
      statement.execute("PRAGMA synchronous = FULL");
      statement.execute("PRAGMA temp_store = MEMORY");
      statement.execute("PRAGMA foreign_keys = ON");
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  /** Runs SQLite's quick integrity check; returns {@code null} if it passed, else its first complaints. */
  private static @Nullable String quickCheck(Connection connection) throws SQLException {
    List<String> complaints = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("PRAGMA quick_check(3)")) {
      while (result.next()) {
        // A complaint may start with "*** in database main ***" and a line break.
        String line = String.valueOf(result.getString(1)).replaceFirst("^\\*\\*\\* in database \\w+ \\*\\*\\*\\s*", "")
            .replace('\n', ' ').trim();
        if (!line.isEmpty()) {
          complaints.add(line);
        }
      }
    }
    if (complaints.equals(List.of("ok"))) {
      return null;
    }
    String text = "integrity check failed: " + (complaints.isEmpty() ? "no answer" : String.join("; ", complaints));
    return text.length() > 300 ? text.substring(0, 297) + "..." : text;
  }

  private static void migrate(Connection connection, Path dir) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          + "applied_at INTEGER NOT NULL)");
      int current;
      try (ResultSet result = statement.executeQuery("SELECT coalesce(max(version), 0) FROM schema_migrations")) {
        current = result.next() ? result.getInt(1) : 0;
      }
      if (current > SCHEMA_VERSION) {
        throw newerSchema(dir, current);
      }
      if (current == SCHEMA_VERSION) {
        return;
      }
      // Off outside the transactions (SQLite ignores the pragma inside one): version 4 rebuilds the
      // entries table, and dropping the old one would otherwise delete every body by cascade.
      statement.execute("PRAGMA foreign_keys = OFF");
      try {
        for (int version = current + 1; version <= SCHEMA_VERSION; version++) {
          statement.execute("BEGIN IMMEDIATE");
          try {
            for (String sql : MIGRATIONS.get(version - 1)) {
              statement.execute(sql);
            }
            try (ResultSet broken = statement.executeQuery("PRAGMA foreign_key_check")) {
              if (broken.next()) {
                throw new SQLException("migration to schema version " + version + " broke a reference from table "
                    + broken.getString(1) + " (row " + broken.getLong(2) + ")");
              }
            }
            statement.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (" + version + ", "
                + System.currentTimeMillis() + ")");
            statement.execute("COMMIT");
          } catch (SQLException e) {
            statement.execute("ROLLBACK");
            throw e;
          }
          if (current > 0) {
            log.info("Spool at {} migrated to schema version {}", dir, version);
          }
        }
      } finally {
        statement.execute("PRAGMA foreign_keys = ON");
      }
    }
  }

  /** Returns the highest lease token of a live claim, so that this run's reconcile claims use new ones. */
  private static long lastLeaseToken(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet r = statement.executeQuery("SELECT max(lease_token) FROM entries WHERE "
            + SpoolMove.in("state", SpoolMove.UNDELIVERED))) {
      long last = r.next() ? r.getLong(1) : 0;
      return Math.max(last, RECONCILE_TOKENS_FROM);
    }
  }

  /**
   * Opens the spool in {@code directory} for reading only, for inspection while a dispatcher may hold
   * it: no lock is taken, nothing is created, migrated, moved or changed (SQLite may add the empty
   * {@code -wal} and {@code -shm} files it needs to read a WAL database), and every method that would
   * change the spool throws {@link IllegalStateException}. Reads see the last committed state of a
   * spool another process is writing. {@link #damage()} reports the uncleared damage reports in
   * {@code corrupt/}. An older schema is read as it is, without migrating it.
   *
   * @throws SpoolOpenException {@code DAMAGED} if the database fails the integrity check (it was left as
   *     it is; opening it for dispatch salvages it), {@code ENVIRONMENT} if the environment stops even
   *     reading it, {@code NEWER_SCHEMA} if a newer Steadfast wrote it, {@code NO_SPOOL} if there is no
   *     spool in {@code directory}, {@code UNSAFE_FILES} if the directory or a file in it is owned by
   *     another user, writable by others or (a file) a symbolic link (see "Ownership" above)
   */
  public static SqliteSpool openReadOnly(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return readOnly(directory.toAbsolutePath(), null);
  }

  /**
   * Opens the spool in {@code directory} for reading only as {@link #openReadOnly(Path)} does, trusting
   * the members of {@code trustedGroup} as {@link #open(Path, Duration, String)} does.
   *
   * @throws SpoolOpenException as {@link #openReadOnly(Path)} says
   * @throws IllegalArgumentException if {@code trustedGroup} is blank or names no group on this host
   */
  public static SqliteSpool openReadOnly(Path directory, String trustedGroup) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(trustedGroup, "trustedGroup");
    return readOnly(directory.toAbsolutePath(), trustedGroup);
  }

  private static SqliteSpool readOnly(Path dir, @Nullable String trustedGroup) {
    SpoolOwnership ownership = ownership(dir, trustedGroup);
    try {
      ownership.checkDirectory(dir);
      ownership.checkFiles(dir);
    } catch (IOException e) {
      throw environment(dir, e);
    }
    SqliteNativeLibrary.prepare();
    Path db = dir.resolve(DATABASE_FILE);
    if (!Files.isRegularFile(db)) {
      if (new Quarantine(dir).interrupted()) {
        throw new SpoolOpenException(SpoolOpenException.Reason.DAMAGED, "The spool at " + dir + " is being "
            + "salvaged from a damaged file, and the salvage was interrupted; it was not changed. Opening the "
            + "spool for dispatch ('steadfast drain' or 'steadfast dispatch') finishes it.");
      }
      throw new SpoolOpenException(SpoolOpenException.Reason.NO_SPOOL, "There is no spool at " + dir + " (no "
          + DATABASE_FILE + "); nothing was created. Check the directory, or submit to it first.");
    }
    Connection connection;
    try {
      connection = connectReadOnly(db);
    } catch (SQLException e) {
      throw readOnlyFailure(dir, db, e);
    }
    try {
      String damage = quickCheck(connection);
      if (damage != null) {
        throw damagedReadOnly(db, damage, null);
      }
      int version = schemaVersion(connection);
      if (version == 0) {
        throw new SpoolOpenException(SpoolOpenException.Reason.NO_SPOOL, "There is no spool at " + dir + " yet: "
            + db + " holds no spool tables; nothing was changed.");
      }
      if (version > SCHEMA_VERSION) {
        throw newerSchema(dir, version);
      }
      if (version < SCHEMA_VERSION) {
        readOlderSchema(connection);
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA query_only = ON");
      }
    } catch (SQLException e) {
      closeQuietly(connection);
      throw readOnlyFailure(dir, db, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
    log.debug("Spool opened read-only at {}", dir);
    return new SqliteSpool(dir, null, null, connection, 0, Role.READ, DEFAULT_LOCK_TIMEOUT);
  }

  private static SpoolOpenException readOnlyFailure(Path dir, Path db, SQLException e) {
    if (SqliteFailure.isDamage(e)) {
      return damagedReadOnly(db, SqliteFailure.brief(e), e);
    }
    return environment(dir, e);
  }

  private static SpoolOpenException damagedReadOnly(Path db, String cause, @Nullable Throwable e) {
    String message = "The spool database " + db + " is damaged (" + cause + "); it was not changed. Opening the "
        + "spool for dispatch ('steadfast drain' or 'steadfast dispatch') salvages the entries it can still read "
        + "into a fresh spool and keeps the damaged file in " + db.resolveSibling(CORRUPT_DIRECTORY) + ".";
    return e == null ? new SpoolOpenException(SpoolOpenException.Reason.DAMAGED, message)
        : new SpoolOpenException(SpoolOpenException.Reason.DAMAGED, message, e);
  }

  private static SpoolOpenException newerSchema(Path dir, int version) {
    return new SpoolOpenException(SpoolOpenException.Reason.NEWER_SCHEMA, "The spool at " + dir
        + " was written by a newer Steadfast (schema version "
        + version + "; this version understands up to " + SCHEMA_VERSION + "). Upgrade Steadfast, or use "
        + "another spool directory; the spool was not changed.");
  }

  /** Returns the schema version recorded in the file, 0 if it holds no spool. */
  private static int schemaVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      try (ResultSet tables = statement.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
          + "AND name = 'schema_migrations'")) {
        if (!tables.next() || tables.getInt(1) == 0) {
          return 0;
        }
      }
      try (ResultSet result = statement.executeQuery("SELECT coalesce(max(version), 0) FROM schema_migrations")) {
        return result.next() ? result.getInt(1) : 0;
      }
    }
  }

  /**
   * Lets the read queries run on a schema older than this code's without migrating it: a temporary view
   * named {@code entries}, which SQLite resolves before the file's own table (temporary objects come
   * first), adds the columns the old table lacks with the values a migration would give them.
   */
  private static void readOlderSchema(Connection connection) throws SQLException {
    Set<String> present = new java.util.HashSet<>();
    try (Statement statement = connection.createStatement();
        ResultSet columns = statement.executeQuery("SELECT name FROM pragma_table_info('entries')")) {
      while (columns.next()) {
        present.add(columns.getString(1));
      }
    }
    StringBuilder added = new StringBuilder();
    for (String column : List.of("pack_id", "pack_offset", "pack_length", "lease_token", "reconcile_looks",
        "unknown_since", "wait_reason")) {
      if (!present.contains(column)) {
        added.append(", ").append("reconcile_looks".equals(column) ? "0" : "NULL").append(" AS ").append(column);
      }
    }
    if (added.length() > 0) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE TEMP VIEW entries AS SELECT *" + added + " FROM main.entries");
      }
    }
  }

  /**
   * Clears the damage reports in {@code directory}'s {@code corrupt/} folder: an operator has dealt with
   * the unreadable entries (re-sent or given them up). The damaged copies stay; only the reports that
   * still stand (not cleared, naming unreadable entries) are marked {@code cleared=true}, each rewritten
   * whole, so it is safe while a dispatcher or a read-only spool reads them.
   *
   * @return how many reports were cleared
   * @throws UncheckedIOException if the reports cannot be written
   */
  public static int clearDamage(Path directory) {
    Objects.requireNonNull(directory, "directory");
    Path dir = directory.toAbsolutePath();
    try {
      int cleared = new Quarantine(dir).clear(Instant.now());
      if (cleared > 0) {
        log.info("Cleared {} damage report(s) of the spool at {}; the damaged copies stay in {}", cleared, dir,
            dir.resolve(CORRUPT_DIRECTORY));
      }
      return cleared;
    } catch (IOException e) {
      throw new UncheckedIOException("could not clear the damage reports in " + dir.resolve(CORRUPT_DIRECTORY) + ": "
          + SqliteFailure.of(e, dir).description(), e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from the reports in {@code corrupt/} at each call, so a {@link #clearDamage} by another
   * process shows at once; several reports are combined (copies listed, counts added).
   */
  @Override
  public Optional<SpoolDamage> damage() {
    return new Quarantine(directory).damage();
  }

  /** Returns the spool directory. */
  public Path directory() {
    return directory;
  }

  @Override
  public List<SpoolEntry> append(List<NewEntry> entries, Limits limits) {
    List<NewEntry> batch = List.copyOf(Objects.requireNonNull(entries, "entries"));
    Objects.requireNonNull(limits, "limits");
    // Encode outside the writer thread: it is the bottleneck, serialisation is not.
    List<byte[]> bodies = new ArrayList<>(batch.size());
    for (NewEntry entry : batch) {
      bodies.add(MessageCodec.encodeCompact(entry.message()));
    }
    if (closed) {
      throw new IllegalStateException("spool is closed");
    }
    GroupCommitWriter w = requireWritable();
    try {
      return w.execute(appends, new Append(batch, bodies, limits));
    } catch (UncheckedIOException e) {
      throw failure(e);
    }
  }

  /** One caller's append: its entries, their encoded bodies, and the limits it must stay within. */
  private record Append(List<NewEntry> entries, List<byte[]> bodies, Limits limits) {}

  /**
   * Stores the appends of every caller in a group commit with one multi-row statement per table. The
   * statements of sixteen entries took the single writer thread about 330 µs as five statements and a
   * savepoint each, about 160 µs this way (same schema, same commit).
   * Over a limit, a group of several callers throws, and the writer runs each caller alone, so the
   * callers that fit are stored and only the rest hear that the spool is full.
   */
  private List<List<SpoolEntry>> appendAll(Connection c, List<Append> appends) throws SQLException {
    List<NewEntry> all = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (Append append : appends) {
      all.addAll(append.entries());
      bodies.addAll(append.bodies());
    }
    Slices slices = packable(bodies) ? insertPacks(c, bodies) : null;
    long[] ids = insertEntries(c, all, slices);
    long addedCount = 0;
    long addedBytes = 0;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= 0) {
        addedCount++;
        addedBytes += all.get(i).sizeBytes();
      }
    }
    if (addedCount > 0) {
      // The triggers have counted the new entries; over a limit, throwing rolls them back.
      try (ResultSet r = statements.get(c, "SELECT entries, bytes FROM undelivered").executeQuery()) {
        r.next();
        long count = r.getLong(1);
        long bytes = r.getLong(2);
        for (Append append : appends) {
          Limits limits = append.limits();
          if (count > limits.maxEntries() || bytes > limits.maxBytes()) {
            throw new SpoolFullException((count - addedCount) + " undelivered entries of " + (bytes - addedBytes)
                + " bytes, and this append adds " + addedCount + " of " + addedBytes + " bytes; limits "
                + limits.maxEntries() + " entries and " + limits.maxBytes() + " bytes");
          }
        }
      }
      if (slices == null) {
        insertBodies(c, ids, bodies);
      }
    }
    if (slices != null) {
      countPackReferences(c, ids, slices);
    }
    List<List<SpoolEntry>> results = new ArrayList<>(appends.size());
    int index = 0;
    for (Append append : appends) {
      List<SpoolEntry> result = new ArrayList<>(append.entries().size());
      for (NewEntry entry : append.entries()) {
        long id = ids[index++];
        if (id < 0) {
          // Already spooled (by an earlier submit, or earlier in this group): the caller compares fingerprints.
          result.add(findIn(c, entry.idempotencyKey()).orElseThrow());
        } else {
          result.add(new SpoolEntry(id, entry.idempotencyKey(), entry.fingerprint(), SpoolState.PENDING, 0,
              millis(entry.createdAt()), millis(entry.createdAt()), millis(entry.deliverBy()), null, null,
              entry.sizeBytes(), null));
        }
      }
      results.add(List.copyOf(result));
    }
    return results;
  }

  /**
   * Inserts the entries' rows, skipping keys already spooled; returns each entry's new id, or -1 where
   * its key was already there (also when an earlier entry of the same list has the same key).
   */
  private long[] insertEntries(Connection c, List<NewEntry> entries, @Nullable Slices slices) throws SQLException {
    long[] ids = new long[entries.size()];
    Arrays.fill(ids, -1);
    for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
      int rows = Math.min(ROWS_PER_STATEMENT, entries.size() - from);
      PreparedStatement insert = statements.get(c, "INSERT INTO entries (idempotency_key, fingerprint, state, "
          + "attempts, created_at, next_attempt_at, deliver_by, size_bytes, pack_id, pack_offset, pack_length) VALUES "
          + rowsOf("(?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?, ?)", rows)
          + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key");
      int p = 1;
      Map<String, Integer> firstIndex = new HashMap<>();
      for (int i = from; i < from + rows; i++) {
        NewEntry entry = entries.get(i);
        firstIndex.putIfAbsent(entry.idempotencyKey().value(), i);
        insert.setString(p++, entry.idempotencyKey().value());
        insert.setString(p++, entry.fingerprint());
        insert.setLong(p++, entry.createdAt().toEpochMilli());
        insert.setLong(p++, entry.createdAt().toEpochMilli());
        insert.setLong(p++, entry.deliverBy().toEpochMilli());
        insert.setLong(p++, entry.sizeBytes());
        if (slices == null) {
          insert.setNull(p++, Types.INTEGER);
          insert.setNull(p++, Types.INTEGER);
          insert.setNull(p++, Types.INTEGER);
        } else {
          insert.setLong(p++, slices.packIds()[i]);
          insert.setInt(p++, slices.offsets()[i]);
          insert.setInt(p++, slices.lengths()[i]);
        }
      }
      // RETURNING rather than getGeneratedKeys(), which makes sqlite-jdbc parse the SQL. Its row order
      // is unspecified, so rows are matched by key; a key repeated in one statement is inserted once.
      try (ResultSet keys = insert.executeQuery()) {
        while (keys.next()) {
          ids[firstIndex.get(keys.getString(2))] = keys.getLong(1);
        }
      }
    }
    return ids;
  }

  /** Where each body of a packed append lives: its pack and its byte range there. */
  private record Slices(long[] packIds, int[] offsets, int[] lengths) {}

  /** Packing pays when two or more bodies share a commit and each is small enough to read with its pack. */
  private static boolean packable(List<byte[]> bodies) {
    if (bodies.size() < 2) {
      return false;
    }
    for (byte[] body : bodies) {
      if (body.length > PACK_MAX_BODY_BYTES) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the bodies as packs of up to {@link #PACK_MAX_BYTES}, one row each, before the entries that
   * point at them. Bodies of entries that turn out to be spooled already take space in a pack and are
   * never referenced; the pack goes with the last of its other entries.
   */
  private Slices insertPacks(Connection c, List<byte[]> bodies) throws SQLException {
    int n = bodies.size();
    Slices slices = new Slices(new long[n], new int[n], new int[n]);
    PreparedStatement insert = statements.get(c, "INSERT INTO body_packs (data) VALUES (?) RETURNING id");
    int first = 0;
    while (first < n) {
      int end = first;
      int bytes = 0;
      while (end < n && (end == first || bytes + bodies.get(end).length <= PACK_MAX_BYTES)) {
        bytes += bodies.get(end).length;
        end++;
      }
      byte[] pack = new byte[bytes];
      int offset = 0;
      for (int i = first; i < end; i++) {
        byte[] body = bodies.get(i);
        System.arraycopy(body, 0, pack, offset, body.length);
        slices.offsets()[i] = offset;
        slices.lengths()[i] = body.length;
        offset += body.length;
      }
      insert.setBytes(1, pack);
      long packId;
      try (ResultSet r = insert.executeQuery()) {
        r.next();
        packId = r.getLong(1);
      }
      Arrays.fill(slices.packIds(), first, end, packId);
      first = end;
    }
    return slices;
  }

  /** Records how many new entries use each pack; a pack no new entry uses (all duplicates) is dropped. */
  private void countPackReferences(Connection c, long[] ids, Slices slices) throws SQLException {
    Map<Long, Integer> live = new LinkedHashMap<>();
    for (int i = 0; i < ids.length; i++) {
      live.merge(slices.packIds()[i], ids[i] >= 0 ? 1 : 0, Integer::sum);
    }
    PreparedStatement refs = statements.get(c, "INSERT INTO body_pack_refs (pack_id, live) VALUES (?, ?)");
    for (Map.Entry<Long, Integer> pack : live.entrySet()) {
      if (pack.getValue() == 0) {
        deletePack(c, pack.getKey());
      } else {
        refs.setLong(1, pack.getKey());
        refs.setInt(2, pack.getValue());
        refs.executeUpdate();
      }
    }
  }

  private void deletePack(Connection c, long packId) throws SQLException {
    PreparedStatement delete = statements.get(c, "DELETE FROM body_packs WHERE id = ?");
    delete.setLong(1, packId);
    delete.executeUpdate();
  }

  /**
   * Lets entry {@code id} go of its packed body, if it has one: with {@code keepCopy} its slice is
   * first copied into a {@code bodies} row of its own (a dead letter, which may be requeued); the pack
   * is deleted when no other entry needs it.
   */
  private void releasePack(Connection c, long id, boolean keepCopy) throws SQLException {
    // A SELECT first: RETURNING would give the pack_id after the update, which is NULL.
    PreparedStatement find = statements.get(c, "SELECT pack_id FROM entries WHERE id = ? AND pack_id IS NOT NULL");
    find.setLong(1, id);
    long packId;
    try (ResultSet r = find.executeQuery()) {
      if (!r.next()) {
        return;
      }
      packId = r.getLong(1);
    }
    if (keepCopy) {
      PreparedStatement copy = statements.get(c, "INSERT INTO bodies (entry_id, message) "
          + "SELECT e.id, substr(p.data, e.pack_offset + 1, e.pack_length) FROM entries e "
          + "JOIN body_packs p ON p.id = e.pack_id WHERE e.id = ?");
      copy.setLong(1, id);
      copy.executeUpdate();
    }
    PreparedStatement detach = statements.get(c, "UPDATE entries SET pack_id = NULL, pack_offset = NULL, "
        + "pack_length = NULL WHERE id = ?");
    detach.setLong(1, id);
    detach.executeUpdate();
    PreparedStatement release = statements.get(c, "UPDATE body_pack_refs SET live = live - 1 WHERE pack_id = ? "
        + "RETURNING live");
    release.setLong(1, packId);
    long left;
    try (ResultSet r = release.executeQuery()) {
      left = r.next() ? r.getLong(1) : 0;
    }
    if (left <= 0) {
      deletePack(c, packId);
    }
  }

  /** Inserts the bodies of the entries that got an id. */
  private void insertBodies(Connection c, long[] ids, List<byte[]> bodies) throws SQLException {
    List<Integer> added = new ArrayList<>(ids.length);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= 0) {
        added.add(i);
      }
    }
    for (int from = 0; from < added.size(); from += ROWS_PER_STATEMENT) {
      int rows = Math.min(ROWS_PER_STATEMENT, added.size() - from);
      PreparedStatement insert = statements.get(c, "INSERT INTO bodies (entry_id, message) VALUES "
          + rowsOf("(?, ?)", rows));
      int p = 1;
      for (int i = from; i < from + rows; i++) {
        insert.setLong(p++, ids[added.get(i)]);
        insert.setBytes(p++, bodies.get(added.get(i)));
      }
      insert.executeUpdate();
    }
  }

  private static String rowsOf(String row, int rows) {
    StringBuilder sql = new StringBuilder(rows * (row.length() + 2));
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append(row);
    }
    return sql.toString();
  }

  @Override
  public Optional<SpoolEntry> find(IdempotencyKey key) {
    Objects.requireNonNull(key, "key");
    return execute(c -> findIn(c, key));
  }

  private Optional<SpoolEntry> findIn(Connection c, IdempotencyKey key) throws SQLException {
    PreparedStatement q = statements.get(c, "SELECT " + COLUMNS + " FROM entries WHERE idempotency_key = ?");
    q.setString(1, key.value());
    try (ResultSet r = q.executeQuery()) {
      return r.next() ? Optional.of(read(r)) : Optional.empty();
    }
  }

  @Override
  public List<Claimed> claim(int max, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    if (max < 1) {
      return List.of();
    }
    long nowMillis = now.toEpochMilli();
    long leaseUntil = now.plus(lease).toEpochMilli();
    return dispatch(c -> {
      List<SpoolEntry> due = new ArrayList<>();
      PreparedStatement pending = statements.get(c, "SELECT " + COLUMNS + " FROM entries "
          + "WHERE state = 'PENDING' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
      pending.setLong(1, nowMillis);
      pending.setInt(2, max);
      readAll(pending, due);
      List<Claimed> claimed = new ArrayList<>();
      // The new attempt count is the lease token (the Claimed constructor's default): stored, so that
      // markReconciling can tell this claim from a later one.
      PreparedStatement claim = statements.get(c, "UPDATE entries SET state = 'IN_FLIGHT', "
          + "attempts = attempts + 1, lease_until = ?, lease_token = attempts + 1 WHERE id = ? AND "
          + SpoolMove.CLAIM.from("state"));
      for (SpoolEntry e : due) {
        claim.setLong(1, leaseUntil);
        claim.setLong(2, e.id());
        claim.executeUpdate();
        SpoolEntry updated = new SpoolEntry(e.id(), e.idempotencyKey(), e.fingerprint(), SpoolState.IN_FLIGHT,
            e.attempts() + 1, e.createdAt(), e.nextAttemptAt(), e.deliverBy(), Instant.ofEpochMilli(leaseUntil),
            e.lastError(), e.sizeBytes(), null);
        claimed.add(readBody(c, updated, updated.attempts()));
      }
      return List.copyOf(claimed);
    });
  }

  @Override
  public boolean markReconciling(Claimed claim, Instant now, Instant checkAt, String lastError) {
    Objects.requireNonNull(claim, "claim");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(checkAt, "checkAt");
    Objects.requireNonNull(lastError, "lastError");
    return dispatch(c -> {
      PreparedStatement u = statements.get(c, "UPDATE entries SET state = 'RECONCILING', lease_until = NULL, "
          + "next_attempt_at = ?, unknown_since = ?, reconcile_looks = 0, last_error = ? "
          + "WHERE id = ? AND lease_token = ? AND " + SpoolMove.MARK_RECONCILING.from("state"));
      u.setLong(1, checkAt.toEpochMilli());
      u.setLong(2, now.toEpochMilli());
      u.setString(3, lastError);
      u.setLong(4, claim.entry().id());
      u.setLong(5, claim.leaseToken());
      return u.executeUpdate() == 1;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each claim's lease token is new to this spool file, above any attempt count.
   */
  @Override
  public List<Claimed> claimReconciling(int max, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    if (max < 1) {
      return List.of();
    }
    long nowMillis = now.toEpochMilli();
    long leaseUntil = now.plus(lease).toEpochMilli();
    return dispatch(c -> {
      // Two range scans of the (state, next_attempt_at) index, merged here; one query with OR made
      // SQLite sort every row it matched.
      List<SpoolEntry> due = new ArrayList<>();
      PreparedStatement waiting = statements.get(c, "SELECT " + COLUMNS + " FROM entries "
          + "WHERE state = 'RECONCILING' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) "
          + "ORDER BY next_attempt_at, id LIMIT ?");
      waiting.setLong(1, nowMillis);
      waiting.setLong(2, nowMillis);
      waiting.setInt(3, max);
      readAll(waiting, due);
      PreparedStatement expired = statements.get(c, "SELECT " + COLUMNS + " FROM entries "
          + "WHERE state = 'IN_FLIGHT' AND lease_until <= ? ORDER BY next_attempt_at, id LIMIT ?");
      expired.setLong(1, nowMillis);
      expired.setInt(2, max);
      readAll(expired, due);
      due.sort(Comparator.comparing(SpoolEntry::nextAttemptAt).thenComparingLong(SpoolEntry::id));
      if (due.size() > max) {
        due = due.subList(0, max);
      }
      PreparedStatement lookUp = statements.get(c, "UPDATE entries SET lease_until = ?, lease_token = ? "
          + "WHERE id = ? AND state = 'RECONCILING'");
      PreparedStatement orphaned = statements.get(c, "UPDATE entries SET state = 'RECONCILING', lease_until = ?, "
          + "lease_token = ?, next_attempt_at = ?, unknown_since = ?, reconcile_looks = 0, last_error = ? "
          + "WHERE id = ? AND state = 'IN_FLIGHT'");
      List<Claimed> claimed = new ArrayList<>();
      for (SpoolEntry e : due) {
        long token = ++lastLeaseToken;
        SpoolEntry updated;
        if (e.state() == SpoolState.IN_FLIGHT) {
          orphaned.setLong(1, leaseUntil);
          orphaned.setLong(2, token);
          orphaned.setLong(3, nowMillis);
          orphaned.setLong(4, nowMillis);
          orphaned.setString(5, LEASE_EXPIRED);
          orphaned.setLong(6, e.id());
          orphaned.executeUpdate();
          updated = new SpoolEntry(e.id(), e.idempotencyKey(), e.fingerprint(), SpoolState.RECONCILING, e.attempts(),
              e.createdAt(), millis(now), e.deliverBy(), Instant.ofEpochMilli(leaseUntil), LEASE_EXPIRED,
              e.sizeBytes(), null, 0, millis(now));
        } else {
          lookUp.setLong(1, leaseUntil);
          lookUp.setLong(2, token);
          lookUp.setLong(3, e.id());
          lookUp.executeUpdate();
          updated = new SpoolEntry(e.id(), e.idempotencyKey(), e.fingerprint(), SpoolState.RECONCILING, e.attempts(),
              e.createdAt(), e.nextAttemptAt(), e.deliverBy(), Instant.ofEpochMilli(leaseUntil), e.lastError(),
              e.sizeBytes(), null, e.reconcileLooks(), e.unknownSince());
        }
        claimed.add(readBody(c, updated, token));
      }
      return List.copyOf(claimed);
    });
  }

  @Override
  public boolean deferReconciling(Claimed claim, Instant nextCheckAt, boolean foundNothing, String note) {
    Objects.requireNonNull(claim, "claim");
    Objects.requireNonNull(nextCheckAt, "nextCheckAt");
    Objects.requireNonNull(note, "note");
    return dispatch(c -> {
      PreparedStatement u = statements.get(c, "UPDATE entries SET lease_until = NULL, next_attempt_at = ?, "
          + "reconcile_looks = reconcile_looks + ?, last_error = ? "
          + "WHERE id = ? AND lease_token = ? AND " + SpoolMove.DEFER_RECONCILING.from("state"));
      u.setLong(1, nextCheckAt.toEpochMilli());
      u.setInt(2, foundNothing ? 1 : 0);
      u.setString(3, note);
      u.setLong(4, claim.entry().id());
      u.setLong(5, claim.leaseToken());
      return u.executeUpdate() == 1;
    });
  }

  @Override
  public Optional<Instant> nextReconcileAt() {
    return execute(c -> earliest(c, "SELECT min(next_attempt_at) FROM entries WHERE state = 'RECONCILING'"));
  }

  private Optional<Instant> earliest(Connection c, String sql) throws SQLException {
    // Prepared once: the dispatcher asks after every pass.
    try (ResultSet r = statements.get(c, sql).executeQuery()) {
      if (r.next()) {
        long value = r.getLong(1);
        return r.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(value));
      }
      return Optional.<Instant>empty();
    }
  }

  private static void readAll(PreparedStatement query, List<SpoolEntry> into) throws SQLException {
    try (ResultSet r = query.executeQuery()) {
      while (r.next()) {
        into.add(read(r));
      }
    }
  }

  private Claimed readBody(Connection c, SpoolEntry entry, long token) throws SQLException {
    PreparedStatement q = statements.get(c, "SELECT CASE WHEN e.pack_id IS NULL "
        + "THEN (SELECT message FROM bodies WHERE entry_id = e.id) "
        + "ELSE (SELECT substr(data, e.pack_offset + 1, e.pack_length) FROM body_packs WHERE id = e.pack_id) END "
        + "FROM entries e WHERE e.id = ?");
    q.setLong(1, entry.id());
    try (ResultSet r = q.executeQuery()) {
      byte[] json = r.next() ? r.getBytes(1) : null;
      if (json == null) {
        return new Claimed(entry, null, "the message body is missing from the spool", token);
      }
      try {
        return new Claimed(entry, MessageCodec.decode(json), null, token);
      } catch (RuntimeException e) {
        // Never let one unreadable message block the rest: the dispatcher dead-letters it.
        return new Claimed(entry, null, e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()), token);
      }
    }
  }


  private static String firstLine(@Nullable String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  @Override
  public Optional<Instant> nextDueAt() {
    return execute(c -> earliest(c, "SELECT min(next_attempt_at) FROM entries WHERE state = 'PENDING'"));
  }

  @Override
  public boolean markDelivered(long id, SendReceipt receipt, Instant now) {
    String json = MessageCodec.encodeReceipt(Objects.requireNonNull(receipt, "receipt"));
    return dispatch(c -> {
      int updated = recordOutcome(c, id, SpoolMove.MARK_DELIVERED, now, "receipt", json);
      if (updated == 1) {
        if (deliveredCount >= 0) {
          deliveredCount++;
        }
        // The body is no longer needed; the state row stays as the idempotency ledger entry.
        PreparedStatement d = statements.get(c, "DELETE FROM bodies WHERE entry_id = ?");
        d.setLong(1, id);
        d.executeUpdate();
        releasePack(c, id, false);
      }
      return updated == 1;
    });
  }

  @Override
  public boolean reschedule(long id, Instant nextAttemptAt, String lastError) {
    Objects.requireNonNull(lastError, "lastError");
    return dispatch(c -> recordOutcome(c, id, SpoolMove.RESCHEDULE, nextAttemptAt, "last_error", lastError) == 1);
  }

  @Override
  public boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError, WaitReason reason) {
    Objects.requireNonNull(lastError, "lastError");
    Objects.requireNonNull(reason, "reason");
    long id = claim.entry().id();
    return dispatch(c -> recordOutcome(c, id, SpoolMove.RESCHEDULE, nextAttemptAt, "last_error", lastError,
        reason) == 1);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One UPDATE over the {@code (state, next_attempt_at)} index.
   */
  @Override
  public int flush(Instant now, Set<WaitReason> reasons) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(reasons, "reasons");
    if (reasons.isEmpty()) {
      return 0;
    }
    // Enum names, not user text: safe to put in the statement.
    String names = String.join(", ", reasons.stream().map(reason -> "'" + reason.name() + "'").sorted().toList());
    String matching = "state = 'PENDING' AND coalesce(wait_reason, 'PROVIDER') IN (" + names + ")";
    return write(c -> {
      int waiting;
      try (PreparedStatement q = c.prepareStatement("SELECT count(*) FROM entries WHERE " + matching
          + " AND next_attempt_at > ?")) {
        q.setLong(1, now.toEpochMilli());
        try (ResultSet r = q.executeQuery()) {
          waiting = r.next() ? r.getInt(1) : 0;
        }
      }
      // Also the due ones whose backoff ended after their creation, so none queues behind the flushed.
      try (PreparedStatement u = c.prepareStatement("UPDATE entries SET next_attempt_at = min(created_at, ?), "
          + "wait_reason = NULL WHERE " + matching + " AND next_attempt_at > min(created_at, ?)")) {
        u.setLong(1, now.toEpochMilli());
        u.setLong(2, now.toEpochMilli());
        u.executeUpdate();
      }
      return waiting;
    });
  }

  @Override
  public boolean deadLetter(long id, String reason, Instant now) {
    Objects.requireNonNull(reason, "reason");
    return dispatch(c -> {
      if (recordOutcome(c, id, SpoolMove.DEAD_LETTER, now, "last_error", reason) != 1) {
        return false;
      }
      releasePack(c, id, true);
      return true;
    });
  }

  /**
   * Makes {@code move} for entry {@code id}, out of its lease and out of reconciling (no looks, no
   * unknown-since time), if its state allows it, with {@code next_attempt_at} set to {@code at} and
   * {@code column} to {@code value}; returns how many rows changed. Prepared once: every delivery attempt
   * ends here.
   */
  private int recordOutcome(Connection c, long id, SpoolMove move, Instant at, String column, String value)
      throws SQLException {
    return recordOutcome(c, id, move, at, column, value, null);
  }

  /** As above, keeping {@code waitReason} (for a reschedule); every other move clears it. */
  private int recordOutcome(Connection c, long id, SpoolMove move, Instant at, String column, String value,
      @Nullable WaitReason waitReason) throws SQLException {
    PreparedStatement u = statements.get(c, "UPDATE entries SET state = '" + move.target().name() + "', "
        + "lease_until = NULL, reconcile_looks = 0, unknown_since = NULL, wait_reason = ?, "
        + "next_attempt_at = ?, " + column + " = ? WHERE id = ? AND " + move.from("state"));
    u.setString(1, waitReason == null ? null : waitReason.name());
    u.setLong(2, at.toEpochMilli());
    u.setString(3, value);
    u.setLong(4, id);
    return u.executeUpdate();
  }

  @Override
  public boolean requeue(long id, Instant now, Instant deliverBy) {
    return write(c -> {
      try (PreparedStatement u = c.prepareStatement("UPDATE entries SET state = 'PENDING', next_attempt_at = ?, "
          + "deliver_by = ? WHERE id = ? AND state = 'DEAD' "
          + "AND (pack_id IS NOT NULL OR EXISTS (SELECT 1 FROM bodies WHERE entry_id = ?))")) {
        u.setLong(1, now.toEpochMilli());
        u.setLong(2, deliverBy.toEpochMilli());
        u.setLong(3, id);
        u.setLong(4, id);
        return u.executeUpdate() == 1;
      }
    });
  }

  @Override
  public int recoverInFlight(Instant now, Instant checkAt) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(checkAt, "checkAt");
    return dispatch(c -> {
      try (PreparedStatement u = c.prepareStatement("UPDATE entries SET state = 'RECONCILING', lease_until = NULL, "
          + "next_attempt_at = ?, unknown_since = ?, reconcile_looks = 0, last_error = ? WHERE "
          + SpoolMove.RECOVER.from("state"));
          PreparedStatement release = c.prepareStatement("UPDATE entries SET lease_until = NULL "
              + "WHERE state = 'RECONCILING' AND lease_until IS NOT NULL")) {
        u.setLong(1, checkAt.toEpochMilli());
        u.setLong(2, now.toEpochMilli());
        u.setString(3, RECOVERED);
        int recovered = u.executeUpdate();
        release.executeUpdate();
        return recovered;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Also called when another process commits to the spool (a submit from another process, an
   * operator's flush): a watcher thread, started by the first call, reads SQLite's {@code data_version}
   * and looks again at once after a change, then after pauses that double while nothing changes, up to
   * 250 milliseconds. This process's own commits call it too, which a wake-up tolerates.
   */
  @Override
  public void onAppend(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
    synchronized (this) {
      if (closed) {
        return;
      }
      if (watcher == null) {
        Path db = directory.resolve(DATABASE_FILE);
        watcher = new ChangeWatcher(() -> connectReadOnly(db), Duration.ofMillis(WATCH_MIN_MILLIS), WATCH_MAX_PAUSE,
            "steadfast-spool-watch");
      }
      watcher.add(wakeUp);
    }
  }

  @Override
  public SpoolStats stats(Instant now) {
    return execute(c -> {
      Map<SpoolState, Long> counts = new EnumMap<>(SpoolState.class);
      // One pass over the undelivered and dead rows (the state index), never over the delivered bulk:
      // this runs on the thread every submit waits for, and counting a million-row ledger took 90 ms.
      long bytes;
      Duration age = Duration.ZERO;
      try (ResultSet r = statements.get(c, "SELECT coalesce(sum(e.state = 'PENDING'), 0), "
          + "coalesce(sum(e.state = 'IN_FLIGHT'), 0), coalesce(sum(e.state = 'RECONCILING'), 0), "
          + "coalesce(sum(e.state = 'DEAD'), 0), "
          + "coalesce(sum(CASE WHEN b.entry_id IS NOT NULL OR e.pack_id IS NOT NULL THEN e.size_bytes END), 0), "
          + "min(CASE WHEN " + SpoolMove.undelivered("e.state") + " THEN e.created_at END) "
          + "FROM entries e LEFT JOIN bodies b ON b.entry_id = e.id "
          + "WHERE e.state IN ('PENDING', 'IN_FLIGHT', 'RECONCILING', 'DEAD')").executeQuery()) {
        r.next();
        counts.put(SpoolState.PENDING, r.getLong(1));
        counts.put(SpoolState.IN_FLIGHT, r.getLong(2));
        counts.put(SpoolState.RECONCILING, r.getLong(3));
        counts.put(SpoolState.DEAD, r.getLong(4));
        bytes = r.getLong(5);
        long oldest = r.getLong(6);
        if (!r.wasNull() && oldest < now.toEpochMilli()) {
          age = Duration.ofMillis(now.toEpochMilli() - oldest);
        }
      }
      counts.put(SpoolState.DELIVERED, deliveredCount(c));
      return new SpoolStats(counts, bytes, age);
    });
  }

  @Override
  public List<SpoolEntry> list(SpoolState state, int limit) {
    Objects.requireNonNull(state, "state");
    return execute(c -> {
      List<SpoolEntry> result = new ArrayList<>();
      try (PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE state = ? "
          + "ORDER BY id LIMIT ?")) {
        q.setString(1, state.name());
        q.setInt(2, limit);
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            result.add(read(r));
          }
        }
      }
      return List.copyOf(result);
    });
  }

  @Override
  public Optional<SpoolEntry> inspect(long id) {
    return execute(c -> {
      try (PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM entries WHERE id = ?")) {
        q.setLong(1, id);
        try (ResultSet r = q.executeQuery()) {
          return r.next() ? Optional.of(read(r)) : Optional.<SpoolEntry>empty();
        }
      }
    });
  }

  @Override
  public int purgeDelivered(Instant deliveredBefore) {
    return write(c -> {
      try (PreparedStatement d = c.prepareStatement("DELETE FROM entries WHERE state = 'DELIVERED' "
          + "AND next_attempt_at < ?")) {
        d.setLong(1, deliveredBefore.toEpochMilli());
        int deleted = d.executeUpdate();
        if (deleted > 0 && deliveredCount >= 0) {
          deliveredCount -= deleted;
        }
        return deleted;
      }
    });
  }

  /**
   * Returns the number of delivered entries: counted on the first call and again every
   * {@link #DELIVERED_RECOUNT}, with this spool's deliveries and purges applied in between (only the
   * dispatcher delivers). The recount corrects the rare drift of a commit that failed after a delivery
   * was counted, and a purge by another process (an operator's {@code steadfast spool purge}). A spool
   * opened for submitting sees the dispatcher's deliveries only at a recount, so its count is up to
   * that old: counting on every call would cost its writer thread, which its submits wait for, a scan
   * of the whole ledger per health check. A read-only spool (an operator's command) counts every time.
   */
  private long deliveredCount(Connection c) throws SQLException {
    long now = System.nanoTime();
    if (role == Role.READ || deliveredCount < 0 || now - deliveredCountedAt >= DELIVERED_RECOUNT.toNanos()) {
      try (ResultSet r = statements.get(c, "SELECT count(*) FROM entries WHERE state = 'DELIVERED'").executeQuery()) {
        r.next();
        deliveredCount = r.getLong(1);
        deliveredCountedAt = now;
      }
    }
    return deliveredCount;
  }

  private <T> T execute(GroupCommitWriter.Task<T> task) {
    if (closed) {
      throw new IllegalStateException("spool is closed");
    }
    GroupCommitWriter w = writer;
    if (w == null) {
      synchronized (connection) {
        try {
          return task.run(connection);
        } catch (SQLException e) {
          throw failure(e);
        }
      }
    }
    try {
      return w.execute(task);
    } catch (UncheckedIOException e) {
      throw failure(e);
    }
  }

  /** Runs a task that changes the spool: refused when it was opened read-only. */
  private <T> T write(GroupCommitWriter.Task<T> task) {
    requireWritable();
    return execute(task);
  }

  /**
   * Runs one of the dispatcher's moves (claims, outcomes, recovery): refused unless this spool was opened
   * for dispatch, which holds the dispatcher lock, so that two processes never deliver the same spool.
   */
  private <T> T dispatch(GroupCommitWriter.Task<T> task) {
    requireWritable();
    if (role != Role.DISPATCH) {
      throw new IllegalStateException("opened for submitting: the spool at " + directory + " takes messages here "
          + "but is dispatched by one process only; make this client submitOnly, or open the spool with "
          + "SqliteSpool.open to dispatch it (refused while another process dispatches it)");
    }
    return execute(task);
  }

  private GroupCommitWriter requireWritable() {
    GroupCommitWriter w = writer;
    if (w == null) {
      throw new IllegalStateException("opened read-only: the spool at " + directory + " can be inspected but not "
          + "changed; open it with SqliteSpool.openForSubmit to submit, or SqliteSpool.open to dispatch");
    }
    return w;
  }

  /**
   * Returns a spool failure as one line naming the cause and the fix (a full disk, a file-size limit, a
   * refused permission), keeping SQLite's error as the cause: callers show the message to people (core
   * turns a failed append into a retryable SpoolUnavailableException with it).
   */
  private UncheckedIOException failure(Exception e) {
    Throwable cause = e instanceof UncheckedIOException unchecked && unchecked.getCause() != null
        ? unchecked.getCause() : e;
    SqliteFailure failure = SqliteFailure.of(e, directory);
    String text = failure.description();
    if (failure.kind() == SqliteFailure.Kind.BUSY) {
      // The one lock every writer takes turns for: say how long this one waited, and what to change.
      text = "waited " + human(lockTimeout) + " (the lock timeout) for the spool's write lock: " + text;
    }
    return new UncheckedIOException(new IOException(text, cause));
  }

  private static String human(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static SpoolEntry read(ResultSet r) throws SQLException {
    long leaseUntil = r.getLong("lease_until");
    Instant lease = r.wasNull() ? null : Instant.ofEpochMilli(leaseUntil);
    String receiptJson = r.getString("receipt");
    SendReceipt receipt = receiptJson == null ? null : MessageCodec.decodeReceipt(receiptJson);
    long unknownSince = r.getLong("unknown_since");
    Instant unknown = r.wasNull() ? null : Instant.ofEpochMilli(unknownSince);
    return new SpoolEntry(r.getLong("id"), IdempotencyKey.of(r.getString("idempotency_key")),
        r.getString("fingerprint"), SpoolState.valueOf(r.getString("state")), r.getInt("attempts"),
        Instant.ofEpochMilli(r.getLong("created_at")), Instant.ofEpochMilli(r.getLong("next_attempt_at")),
        Instant.ofEpochMilli(r.getLong("deliver_by")), lease, r.getString("last_error"), r.getLong("size_bytes"),
        receipt, r.getInt("reconcile_looks"), unknown);
  }

  private static Instant millis(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli());
  }

  /** Commits what is queued, then closes the database and releases the spool's locks. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ChangeWatcher watching = watcher;
    if (watching != null) {
      watching.close();
    }
    GroupCommitWriter w = writer;
    if (w != null) {
      w.close();
    }
    synchronized (connection) {
      statements.close();
      closeQuietly(connection);
    }
    // The connections are closed: only now may another process replace or rebuild the file.
    closeQuietly(writersLock);
    closeQuietly(dispatcherLock);
    if (w != null) {
      log.info("Spool closed at {}", directory);
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("Close failed", e);
    }
  }
}
