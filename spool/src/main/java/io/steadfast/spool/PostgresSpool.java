package io.steadfast.spool;

import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolFullException;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import io.steadfast.spi.TransactionalSpool;
import io.steadfast.spool.internal.MessageCodec;
import io.steadfast.spool.internal.PostgresSchema;
import io.steadfast.spool.internal.PostgresWakeups;
import io.steadfast.spool.internal.SpoolMove;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link io.steadfast.spi.Spool} in PostgreSQL, shared by every node of a fleet: when a host dies,
 * the others deliver what it had spooled.
 *
 * <pre>{@code
 * HikariDataSource dataSource = new HikariDataSource(hikariConfig);
 * Spool spool = PostgresSpool.open(dataSource);
 * }</pre>
 *
 * <p>A claim is one short transaction that takes due entries with {@code SELECT ... FOR UPDATE SKIP
 * LOCKED}, so nodes never wait for each other, and gives each a lease: this node's id, an expiry and
 * a fresh token from a database sequence. The claim commits before anything is sent (no row lock is
 * held across a call to SparkPost). Outcomes are recorded only where the token still matches, so a
 * node whose lease expired cannot overwrite the work of the node that took over. A running dispatcher
 * renews its leases; an entry whose lease expired (a dead node) may have reached SparkPost, so any node
 * takes it with {@link #claimReconciling} to look its key up in SparkPost's events before a re-send.
 *
 * <p>The idempotency ledger is the entries table's unique key, shared by all nodes: a key is stored
 * once however many nodes submit it at the same moment. {@link #append(List, Limits, Connection)}
 * writes entries in the application's own transaction (the outbox pattern). Appends send a
 * {@code NOTIFY}, delivered at commit, which wakes idle dispatchers on every node ({@code LISTEN} on
 * one pooled connection while a dispatcher runs); polling remains the correctness path.
 *
 * <p>Times come from the caller (the dispatcher's clock), as for every spool: keep the nodes' clocks
 * synchronised (NTP); the lease, minutes by default, absorbs ordinary skew. The spool limits are
 * checked against a count of undelivered entries at most a second old plus this node's own appends,
 * without a lock, so the nodes of a fleet together may overshoot them by what they append in a second. Tables are created (or migrated) on open; a schema written by a newer Steadfast is
 * refused, unchanged. Every method takes a connection from the data source and returns it.
 *
 * <p>No local file is involved, so the file ownership and symbolic-link checks of {@link SqliteSpool}
 * (reason {@link SpoolOpenException.Reason#UNSAFE_FILES}) do not apply: who may read and write the
 * spool is the database's grants on its tables.
 */
public final class PostgresSpool implements TransactionalSpool {
  private static final Logger log = LoggerFactory.getLogger(PostgresSpool.class);

  /** The schema version this code writes; older versions are migrated on open. */
  public static final int SCHEMA_VERSION = PostgresSchema.VERSION;
  /** The table name prefix if none is set. */
  public static final String DEFAULT_TABLE_PREFIX = "steadfast_";
  /** The most entries one claim takes if not set, however many the dispatcher asks for. */
  public static final int DEFAULT_MAX_CLAIM_BATCH = 100;
  /** How long the wake-up listener waits before reconnecting, if not set. */
  public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(5);
  /** How often {@link #stats(Instant)} recounts delivered entries, unless the builder says otherwise. */
  public static final Duration DEFAULT_DELIVERED_RECOUNT = Duration.ofSeconds(30);

  /** The position of {@code lease_token} after {@link #columns} in a RETURNING clause. */
  private static final int TOKEN_COLUMN = 15;
  /** The last error of an in-flight entry whose lease expired, taken to be looked up. */
  static final String LEASE_EXPIRED = "lease expired mid-attempt; outcome unknown";

  private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");
  /** Delivered entries deleted per statement when purging. */
  private static final int PURGE_BATCH = 10_000;

  private final DataSource dataSource;
  private final String nodeId;
  private final String p;
  private final int maxClaimBatch;
  private final Duration reconnectDelay;
  private final String channel;
  private final String columns;
  /** Undelivered entries and bytes, for the limit check; see {@link CachedTotals}. */
  private final CachedTotals undelivered;
  /** Delivered entries, for {@link #stats(Instant)}; see {@link CachedTotals}. */
  private final CachedTotals deliveredCount;
  private @Nullable PostgresWakeups wakeups;
  private volatile boolean closed;
  /** Closed after the spool; see {@link Builder#closing}. */
  private final @Nullable AutoCloseable closing;

  private PostgresSpool(Builder builder) {
    this.dataSource = builder.dataSource;
    this.closing = builder.closing;
    this.nodeId = builder.nodeId != null ? builder.nodeId : defaultNodeId();
    this.p = builder.tablePrefix;
    this.maxClaimBatch = builder.maxClaimBatch;
    this.reconnectDelay = builder.reconnectDelay;
    this.undelivered = new CachedTotals("SELECT count(*), coalesce(sum(size_bytes), 0) FROM " + p
        + "entries WHERE " + SpoolMove.undelivered("state"), 2, Duration.ofSeconds(1));
    this.deliveredCount = new CachedTotals("SELECT count(*) FROM " + p + "entries WHERE state = 'DELIVERED'", 1,
        builder.deliveredRecount);
    this.channel = p + "spool_appended";
    this.columns = "e.id, e.idempotency_key, e.fingerprint, e.state, e.attempts, e.created_at, e.next_attempt_at, "
        + "e.deliver_by, e.lease_until, e.last_error, e.size_bytes, e.receipt, e.reconcile_looks, e.unknown_since";
  }

  /**
   * Opens the spool in the database of {@code dataSource}, creating or migrating its tables, with the
   * defaults of {@link #builder(DataSource)}.
   *
   * @throws SpoolOpenException if the database holds a schema written by a newer Steadfast ({@link
   *     SpoolOpenException.Reason#NEWER_SCHEMA})
   * @throws UncheckedIOException if the database cannot be reached or refuses to create the tables
   */
  public static PostgresSpool open(DataSource dataSource) {
    return builder(dataSource).build();
  }

  /** Returns a builder for a spool in the database of {@code dataSource}. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** Returns this node's id, written as the owner of the leases it holds. */
  public String nodeId() {
    return nodeId;
  }

  private static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      host = "unknown-host";
    }
    return host + "/" + ProcessHandle.current().pid() + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  // ---------------------------------------------------------------------------------------------
  // Appending

  @Override
  public List<SpoolEntry> append(List<NewEntry> entries, Limits limits) {
    List<NewEntry> batch = List.copyOf(Objects.requireNonNull(entries, "entries"));
    Objects.requireNonNull(limits, "limits");
    checkOpen();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Appended appended = appendIn(c, batch, limits);
        c.commit();
        undelivered.add(appended.entries, appended.bytes);
        return appended.result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw failure("could not store " + batch.size() + " entries; nothing was acknowledged", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The entries count against the limits at once, even before the caller commits; a rollback gives
   * the room back within a second.
   */
  @Override
  public List<SpoolEntry> append(List<NewEntry> entries, Limits limits, Connection connection) {
    List<NewEntry> batch = List.copyOf(Objects.requireNonNull(entries, "entries"));
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(connection, "connection");
    checkOpen();
    try {
      if (connection.getAutoCommit()) {
        throw new IllegalArgumentException("The connection is in auto-commit mode, so the message would be stored "
            + "whether or not your transaction commits. Call connection.setAutoCommit(false) first.");
      }
      // A failed statement aborts a PostgreSQL transaction: the savepoint keeps the caller's usable.
      Savepoint savepoint = connection.setSavepoint();
      try {
        Appended appended = appendIn(connection, batch, limits);
        connection.releaseSavepoint(savepoint);
        undelivered.add(appended.entries, appended.bytes);
        return appended.result;
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback(savepoint);
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw failure("could not add " + batch.size() + " entries to your transaction", e);
    }
  }

  private record Appended(List<SpoolEntry> result, long entries, long bytes) {}

  /** Wakes idle dispatchers on every node once the caller's transaction commits (NOTIFY is transactional). */
  private void notifyAppended(Connection c) throws SQLException {
    try (PreparedStatement n = c.prepareStatement("SELECT pg_notify(?, '')")) {
      n.setString(1, channel);
      n.execute();
    }
  }

  private Appended appendIn(Connection c, List<NewEntry> batch, Limits limits) throws SQLException {
    long[] counted = undelivered.get(c);
    long count = counted[0];
    long bytes = counted[1];
    long addedEntries = 0;
    long addedBytes = 0;
    List<SpoolEntry> result = new ArrayList<>(batch.size());
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + p + "entries AS e (idempotency_key, "
        + "fingerprint, state, attempts, created_at, next_attempt_at, deliver_by, size_bytes) "
        + "VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING " + columns);
        PreparedStatement body = c.prepareStatement("INSERT INTO " + p + "bodies (entry_id, message) VALUES (?, ?)")) {
      for (NewEntry entry : batch) {
        insert.setString(1, entry.idempotencyKey().value());
        insert.setString(2, entry.fingerprint());
        insert.setObject(3, time(entry.createdAt()));
        insert.setObject(4, time(entry.createdAt()));
        insert.setObject(5, time(entry.deliverBy()));
        insert.setLong(6, entry.sizeBytes());
        SpoolEntry stored = null;
        try (ResultSet r = insert.executeQuery()) {
          if (r.next()) {
            stored = read(r);
          }
        }
        if (stored == null) {
          // The key is already spooled (by this batch, or any node): the unique constraint decided.
          result.add(findIn(c, entry.idempotencyKey()).orElseThrow(() -> new IllegalStateException(
              "key " + entry.idempotencyKey() + " conflicted but cannot be read")));
          continue;
        }
        if (count + addedEntries + 1 > limits.maxEntries() || bytes + addedBytes + entry.sizeBytes() > limits.maxBytes()) {
          // The caller rolls back (the transaction, or the outbox savepoint): nothing is stored.
          throw new SpoolFullException((count + addedEntries) + " undelivered entries of " + (bytes + addedBytes)
              + " bytes, limits " + limits.maxEntries() + " entries and " + limits.maxBytes() + " bytes");
        }
        body.setLong(1, stored.id());
        body.setBytes(2, MessageCodec.encode(entry.message()));
        body.executeUpdate();
        addedEntries++;
        addedBytes += entry.sizeBytes();
        result.add(stored);
      }
    }
    if (addedEntries > 0) {
      notifyAppended(c);
    }
    return new Appended(List.copyOf(result), addedEntries, addedBytes);
  }

  /**
   * Totals counted by a query, kept for {@code freshNanos}, with this node's own changes added in
   * between; {@link #invalidate()} makes the next read count again. Two uses:
   *
   * <ul>
   *   <li>the undelivered entries and bytes the limit check reads, counted at most once a second.
   *       Counting on every append would make submits O(backlog) just when an outage grows the
   *       backlog; a shared counter row would serialise every node's appends (and hold a lock for the
   *       length of each outbox transaction). Local deliveries invalidate it, so freed room is seen at
   *       once;
   *   <li>the DELIVERED count of {@link #stats(Instant)}. Delivered rows are the idempotency ledger, a
   *       week of mail by default, so counting them is the one part of the statistics that grows with
   *       traffic, and the starter reads statistics up to once a second on every node. They are
   *       counted every {@link Builder#deliveredRecount} and after a purge; other nodes' deliveries
   *       appear at the next count.
   * </ul>
   */
  private static final class CachedTotals {
    private final String query;
    private final long freshNanos;
    /** Guarded by {@code this}. */
    private final long[] totals;
    /** Guarded by {@code this}; 0 when there is no count. */
    private long countedAt;

    /** {@code query} returns one row whose columns are the totals, in order. */
    CachedTotals(String query, int columns, Duration fresh) {
      this.query = query;
      this.totals = new long[columns];
      this.freshNanos = fresh.toNanos();
    }

    long[] get(Connection c) throws SQLException {
      synchronized (this) {
        if (countedAt != 0 && System.nanoTime() - countedAt < freshNanos) {
          return totals.clone();
        }
      }
      try (PreparedStatement q = c.prepareStatement(query); ResultSet r = q.executeQuery()) {
        r.next();
        long[] counted = new long[totals.length];
        for (int i = 0; i < counted.length; i++) {
          counted[i] = r.getLong(i + 1);
        }
        synchronized (this) {
          System.arraycopy(counted, 0, totals, 0, counted.length);
          countedAt = Math.max(1, System.nanoTime());
        }
        return counted;
      }
    }

    synchronized void add(long... deltas) {
      for (int i = 0; i < deltas.length; i++) {
        totals[i] += deltas[i];
      }
    }

    synchronized void invalidate() {
      countedAt = 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  @Override
  public Optional<SpoolEntry> find(IdempotencyKey key) {
    Objects.requireNonNull(key, "key");
    return query(c -> findIn(c, key));
  }

  private Optional<SpoolEntry> findIn(Connection c, IdempotencyKey key) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT " + columns + " FROM " + p + "entries e "
        + "WHERE e.idempotency_key = ?")) {
      q.setString(1, key.value());
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? Optional.of(read(r)) : Optional.empty();
      }
    }
  }

  @Override
  public Optional<SpoolEntry> inspect(long id) {
    return query(c -> {
      try (PreparedStatement q = c.prepareStatement("SELECT " + columns + " FROM " + p + "entries e WHERE e.id = ?")) {
        q.setLong(1, id);
        try (ResultSet r = q.executeQuery()) {
          return r.next() ? Optional.of(read(r)) : Optional.<SpoolEntry>empty();
        }
      }
    });
  }

  @Override
  public List<SpoolEntry> list(SpoolState state, int limit) {
    Objects.requireNonNull(state, "state");
    return query(c -> {
      try (PreparedStatement q = c.prepareStatement("SELECT " + columns + " FROM " + p + "entries e "
          + "WHERE e.state = ? ORDER BY e.id LIMIT ?")) {
        q.setString(1, state.name());
        q.setInt(2, limit);
        List<SpoolEntry> result = new ArrayList<>();
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            result.add(read(r));
          }
        }
        return List.copyOf(result);
      }
    });
  }

  @Override
  public Optional<Instant> nextDueAt() {
    return earliest(SpoolState.PENDING);
  }

  @Override
  public Optional<Instant> nextReconcileAt() {
    return earliest(SpoolState.RECONCILING);
  }

  private Optional<Instant> earliest(SpoolState state) {
    return query(c -> {
      try (PreparedStatement q = c.prepareStatement("SELECT min(next_attempt_at) FROM " + p + "entries "
          + "WHERE state = '" + state.name() + "'"); ResultSet r = q.executeQuery()) {
        OffsetDateTime next = r.next() ? r.getObject(1, OffsetDateTime.class) : null;
        return Optional.ofNullable(next).map(OffsetDateTime::toInstant);
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Pending, in-flight, reconciling and dead entries, bytes and age are counted exactly on every call, in one
   * query that reads only those rows. The delivered count is at most {@link Builder#deliveredRecount}
   * behind other nodes' deliveries (this node's own are added at once).
   */
  @Override
  public SpoolStats stats(Instant now) {
    Objects.requireNonNull(now, "now");
    return query(c -> {
      Map<SpoolState, Long> counts = new EnumMap<>(SpoolState.class);
      // One pass over the undelivered and dead rows (the state index), never over the delivered bulk.
      long bytes;
      Duration age = Duration.ZERO;
      try (PreparedStatement q = c.prepareStatement("SELECT count(*) FILTER (WHERE e.state = 'PENDING'), "
          + "count(*) FILTER (WHERE e.state = 'IN_FLIGHT'), count(*) FILTER (WHERE e.state = 'RECONCILING'), "
          + "count(*) FILTER (WHERE e.state = 'DEAD'), "
          + "coalesce(sum(e.size_bytes) FILTER (WHERE b.entry_id IS NOT NULL), 0), "
          + "min(e.created_at) FILTER (WHERE " + SpoolMove.undelivered("e.state") + ") "
          + "FROM " + p + "entries e LEFT JOIN " + p + "bodies b ON b.entry_id = e.id "
          + "WHERE e.state IN ('PENDING', 'IN_FLIGHT', 'RECONCILING', 'DEAD')"); ResultSet r = q.executeQuery()) {
        r.next();
        counts.put(SpoolState.PENDING, r.getLong(1));
        counts.put(SpoolState.IN_FLIGHT, r.getLong(2));
        counts.put(SpoolState.RECONCILING, r.getLong(3));
        counts.put(SpoolState.DEAD, r.getLong(4));
        bytes = r.getLong(5);
        OffsetDateTime oldest = r.getObject(6, OffsetDateTime.class);
        if (oldest != null && oldest.toInstant().isBefore(now)) {
          age = Duration.between(oldest.toInstant(), now);
        }
      }
      counts.put(SpoolState.DELIVERED, deliveredCount.get(c)[0]);
      return new SpoolStats(counts, bytes, age);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Claiming and leases

  /**
   * {@inheritDoc}
   *
   * <p>Takes at most the configured claim batch. Entries whose lease expired (a node that died or
   * stalled mid-attempt) are left to {@link #claimReconciling}.
   */
  @Override
  public List<Claimed> claim(int max, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    checkOpen();
    if (max < 1) {
      return List.of();
    }
    int limit = Math.min(max, maxClaimBatch);
    return transaction("could not claim entries", c -> {
      List<SpoolEntry> entries = new ArrayList<>();
      Map<Long, Long> tokens = new HashMap<>();
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries e SET state = 'IN_FLIGHT', "
          + "attempts = e.attempts + 1, lease_owner = ?, lease_token = nextval('" + p + "lease_tokens'), "
          + "lease_until = ? FROM (SELECT id FROM " + p + "entries WHERE " + SpoolMove.CLAIM.from("state")
          + " AND next_attempt_at <= ? "
          + "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due WHERE e.id = due.id "
          + "RETURNING " + columns + ", e.lease_token")) {
        u.setString(1, nodeId);
        u.setObject(2, time(now.plus(lease)));
        u.setObject(3, time(now));
        u.setInt(4, limit);
        try (ResultSet r = u.executeQuery()) {
          while (r.next()) {
            SpoolEntry entry = read(r);
            entries.add(entry);
            tokens.put(entry.id(), r.getLong(TOKEN_COLUMN));
          }
        }
      }
      return withBodies(c, entries, tokens);
    });
  }

  /** Reads the bodies of claimed {@code entries}, in one query, and returns the claims, oldest due first. */
  private List<Claimed> withBodies(Connection c, List<SpoolEntry> entries, Map<Long, Long> tokens)
      throws SQLException {
    entries.sort(Comparator.comparing(SpoolEntry::nextAttemptAt).thenComparingLong(SpoolEntry::id));
    Map<Long, byte[]> bodies = new HashMap<>();
    if (!entries.isEmpty()) {
      try (PreparedStatement q = c.prepareStatement("SELECT entry_id, message FROM " + p + "bodies "
          + "WHERE entry_id = ANY (?)")) {
        Array ids = c.createArrayOf("bigint", entries.stream().map(SpoolEntry::id).toArray());
        q.setArray(1, ids);
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            bodies.put(r.getLong(1), r.getBytes(2));
          }
        }
      }
    }
    List<Claimed> claimed = new ArrayList<>(entries.size());
    for (SpoolEntry entry : entries) {
      claimed.add(decode(entry, bodies.get(entry.id()), tokens.get(entry.id())));
    }
    return List.copyOf(claimed);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement takes both kinds with {@code FOR UPDATE SKIP LOCKED}, at most the configured claim
   * batch, and gives each this node's id and a token from the database sequence, so a node whose
   * reconcile lease expired cannot record over the node that took over. An in-flight entry taken here
   * had its lease expire: its node died or stalled mid-attempt, so SparkPost may hold the message.
   */
  @Override
  public List<Claimed> claimReconciling(int max, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    checkOpen();
    if (max < 1) {
      return List.of();
    }
    int limit = Math.min(max, maxClaimBatch);
    return transaction("could not claim entries to reconcile", c -> {
      List<SpoolEntry> entries = new ArrayList<>();
      Map<Long, Long> tokens = new HashMap<>();
      // The CASEs read the row before the update: an orphaned in-flight entry starts reconciling now.
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries e SET state = 'RECONCILING', "
          + "lease_owner = ?, lease_token = nextval('" + p + "lease_tokens'), lease_until = ?, "
          + "next_attempt_at = CASE WHEN e.state = 'IN_FLIGHT' THEN ? ELSE e.next_attempt_at END, "
          + "unknown_since = CASE WHEN e.state = 'IN_FLIGHT' THEN ? ELSE e.unknown_since END, "
          + "reconcile_looks = CASE WHEN e.state = 'IN_FLIGHT' THEN 0 ELSE e.reconcile_looks END, "
          + "last_error = CASE WHEN e.state = 'IN_FLIGHT' THEN ? ELSE e.last_error END "
          + "FROM (SELECT id FROM " + p + "entries WHERE (state = 'RECONCILING' AND next_attempt_at <= ? "
          + "AND (lease_until IS NULL OR lease_until <= ?)) OR (state = 'IN_FLIGHT' AND lease_until <= ?) "
          + "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due WHERE e.id = due.id "
          + "AND " + SpoolMove.CLAIM_RECONCILING.from("e.state") + " RETURNING " + columns + ", e.lease_token")) {
        u.setString(1, nodeId);
        u.setObject(2, time(now.plus(lease)));
        u.setObject(3, time(now));
        u.setObject(4, time(now));
        u.setString(5, LEASE_EXPIRED);
        u.setObject(6, time(now));
        u.setObject(7, time(now));
        u.setObject(8, time(now));
        u.setInt(9, limit);
        try (ResultSet r = u.executeQuery()) {
          while (r.next()) {
            SpoolEntry entry = read(r);
            entries.add(entry);
            tokens.put(entry.id(), r.getLong(TOKEN_COLUMN));
          }
        }
      }
      return withBodies(c, entries, tokens);
    });
  }

  @Override
  public boolean markReconciling(Claimed claim, Instant now, Instant checkAt, String lastError) {
    Objects.requireNonNull(claim, "claim");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(checkAt, "checkAt");
    Objects.requireNonNull(lastError, "lastError");
    long id = claim.entry().id();
    return update("could not mark entry " + id + " reconciling", c -> {
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries SET state = 'RECONCILING', "
          + "lease_until = NULL, next_attempt_at = ?, unknown_since = ?, reconcile_looks = 0, last_error = ? "
          + "WHERE id = ? AND lease_token = ? AND " + SpoolMove.MARK_RECONCILING.from("state"))) {
        u.setObject(1, time(checkAt));
        u.setObject(2, time(now));
        u.setString(3, lastError);
        u.setLong(4, id);
        u.setLong(5, claim.leaseToken());
        return u.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean deferReconciling(Claimed claim, Instant nextCheckAt, boolean foundNothing, String note) {
    Objects.requireNonNull(claim, "claim");
    Objects.requireNonNull(nextCheckAt, "nextCheckAt");
    Objects.requireNonNull(note, "note");
    long id = claim.entry().id();
    return update("could not defer reconciling entry " + id, c -> {
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries SET lease_until = NULL, "
          + "next_attempt_at = ?, reconcile_looks = reconcile_looks + ?, last_error = ? "
          + "WHERE id = ? AND lease_token = ? AND " + SpoolMove.DEFER_RECONCILING.from("state"))) {
        u.setObject(1, time(nextCheckAt));
        u.setInt(2, foundNothing ? 1 : 0);
        u.setString(3, note);
        u.setLong(4, id);
        u.setLong(5, claim.leaseToken());
        return u.executeUpdate() == 1;
      }
    });
  }

  private static Claimed decode(SpoolEntry entry, byte @Nullable [] json, long token) {
    if (json == null) {
      return new Claimed(entry, null, "the message body is missing from the spool", token);
    }
    try {
      return new Claimed(entry, MessageCodec.decode(json), null, token);
    } catch (RuntimeException e) {
      // Never let one unreadable message block the rest: the dispatcher dead-letters it.
      String text = e.getMessage() == null ? "" : e.getMessage();
      int newline = text.indexOf('\n');
      return new Claimed(entry, null, e.getClass().getSimpleName() + ": "
          + (newline < 0 ? text : text.substring(0, newline)), token);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Renews delivery and reconcile claims alike. A lease that expired but that no node has claimed
   * again (with {@link #claimReconciling}) is taken back, so a slow delivery that outlived its lease is
   * not looked up, or sent, twice.
   */
  @Override
  public Set<Long> renewLeases(Collection<Claimed> claims, Instant now, Duration lease) {
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(lease, "lease");
    checkOpen();
    if (claims.isEmpty()) {
      return Set.of();
    }
    return transaction("could not renew leases", c -> {
      Set<Long> held = new HashSet<>();
      // lease_until IS NOT NULL: an entry whose claim already ended (e.g. marked reconciling) stays ended.
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries e SET "
          + "lease_until = ?, lease_owner = ? FROM unnest(?::bigint[], ?::bigint[]) AS c(id, token) "
          + "WHERE e.id = c.id AND e.lease_token = c.token AND e.state IN ('IN_FLIGHT', 'RECONCILING') "
          + "AND e.lease_until IS NOT NULL RETURNING e.id")) {
        u.setObject(1, time(now.plus(lease)));
        u.setString(2, nodeId);
        u.setArray(3, c.createArrayOf("bigint", claims.stream().map(x -> x.entry().id()).toArray()));
        u.setArray(4, c.createArrayOf("bigint", claims.stream().map(Claimed::leaseToken).toArray()));
        try (ResultSet r = u.executeQuery()) {
          while (r.next()) {
            held.add(r.getLong(1));
          }
        }
      }
      Set<Long> lost = new HashSet<>();
      for (Claimed claim : claims) {
        if (!held.contains(claim.entry().id())) {
          lost.add(claim.entry().id());
        }
      }
      return Set.copyOf(lost);
    });
  }

  /** Always {@code true}: several processes may use the same database. */
  @Override
  public boolean shared() {
    return true;
  }

  /** Registers {@code wakeUp} for appends on any node; the first call starts the LISTEN connection. */
  @Override
  public synchronized void onAppend(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
    checkOpen();
    if (wakeups == null) {
      wakeups = new PostgresWakeups(dataSource, channel, reconnectDelay, wakeUp);
    } else {
      wakeups.add(wakeUp);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Outcomes

  @Override
  public boolean markDelivered(long id, SendReceipt receipt, Instant now) {
    return delivered(id, null, receipt, now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Also succeeds if the claim's lease expired but no node has claimed the entry again: the send
   * happened, and a second one would be a duplicate.
   */
  @Override
  public boolean markDelivered(Claimed claim, SendReceipt receipt, Instant now) {
    return delivered(claim.entry().id(), claim.leaseToken(), receipt, now);
  }

  private boolean delivered(long id, @Nullable Long token, SendReceipt receipt, Instant now) {
    Objects.requireNonNull(receipt, "receipt");
    Objects.requireNonNull(now, "now");
    String json = MessageCodec.encodeReceipt(receipt);
    return update("could not mark entry " + id + " delivered", c -> {
      int updated = recordOutcome(c, id, token, SpoolMove.MARK_DELIVERED, now, "receipt", json);
      if (updated == 1) {
        undelivered.invalidate();
        deliveredCount.add(1);
        // The body is no longer needed; the state row stays as the idempotency ledger entry.
        try (PreparedStatement d = c.prepareStatement("DELETE FROM " + p + "bodies WHERE entry_id = ?")) {
          d.setLong(1, id);
          d.executeUpdate();
        }
      }
      return updated == 1;
    });
  }

  /**
   * Makes {@code move} for entry {@code id}, out of its lease and out of reconciling (no looks, no
   * unknown-since time), if its state allows it and, with a {@code token}, the claim of that token still
   * holds it; with {@code next_attempt_at} set to {@code at} and {@code column} to {@code value}.
   * Returns how many rows changed.
   */
  private int recordOutcome(Connection c, long id, @Nullable Long token, SpoolMove move, Instant at,
      String column, String value) throws SQLException {
    return recordOutcome(c, id, token, move, at, column, value, null);
  }

  /** Records an outcome; {@code waitReason} is kept for a reschedule, cleared by every other move. */
  private int recordOutcome(Connection c, long id, @Nullable Long token, SpoolMove move, Instant at,
      String column, String value, @Nullable WaitReason waitReason) throws SQLException {
    String condition = token == null ? move.from("state") : move.fromClaimed("state") + " AND lease_token = ?";
    try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries SET state = '" + move.target().name()
        + "', lease_until = NULL, reconcile_looks = 0, unknown_since = NULL, wait_reason = ?, next_attempt_at = ?, "
        + column + " = ? WHERE id = ? AND " + condition)) {
      u.setString(1, waitReason == null ? null : waitReason.name());
      u.setObject(2, time(at));
      u.setString(3, value);
      u.setLong(4, id);
      if (token != null) {
        u.setLong(5, token);
      }
      return u.executeUpdate();
    }
  }

  @Override
  public boolean reschedule(long id, Instant nextAttemptAt, String lastError) {
    return rescheduled(id, null, nextAttemptAt, lastError, null);
  }

  @Override
  public boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError) {
    return rescheduled(claim.entry().id(), claim.leaseToken(), nextAttemptAt, lastError, null);
  }

  @Override
  public boolean reschedule(Claimed claim, Instant nextAttemptAt, String lastError, WaitReason reason) {
    Objects.requireNonNull(reason, "reason");
    return rescheduled(claim.entry().id(), claim.leaseToken(), nextAttemptAt, lastError, reason);
  }

  private boolean rescheduled(long id, @Nullable Long token, Instant nextAttemptAt, String lastError,
      @Nullable WaitReason reason) {
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(lastError, "lastError");
    return update("could not reschedule entry " + id, c -> {
      return recordOutcome(c, id, token, SpoolMove.RESCHEDULE, nextAttemptAt, "last_error", lastError, reason) == 1;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One upsert of the single {@code probe} row, which succeeds only once its reserved time has
   * passed: the database, not the nodes' agreement, decides who probes. Times are the nodes' clocks.
   */
  @Override
  public boolean claimProbe(Instant now, Duration spacing) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(spacing, "spacing");
    if (spacing.isZero() || spacing.isNegative()) {
      return true;
    }
    return update("could not reserve the probe slot", c -> {
      try (PreparedStatement u = c.prepareStatement("INSERT INTO " + p + "probe AS probe (id, next_probe_at, node) "
          + "VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET next_probe_at = EXCLUDED.next_probe_at, "
          + "node = EXCLUDED.node WHERE probe.next_probe_at <= ?")) {
        u.setObject(1, time(now.plus(spacing)));
        u.setString(2, nodeId);
        u.setObject(3, time(now));
        return u.executeUpdate() == 1;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One UPDATE over the pending index for every node's entries; the NOTIFY at its commit wakes the
   * idle dispatchers of every node, so the whole fleet takes part in the drain.
   */
  @Override
  public int flush(Instant now, Set<WaitReason> reasons) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(reasons, "reasons");
    if (reasons.isEmpty()) {
      return 0;
    }
    String[] names = reasons.stream().map(WaitReason::name).toArray(String[]::new);
    return update("could not flush the pending entries", c -> {
      // Also the due ones whose backoff ended after their creation, so none queues behind the flushed;
      // only those that waited past now are counted.
      try (PreparedStatement u = c.prepareStatement("WITH moved AS (UPDATE " + p + "entries e SET next_attempt_at = "
          + "LEAST(e.created_at, ?), wait_reason = NULL FROM " + p + "entries old WHERE old.id = e.id "
          + "AND e.state = 'PENDING' AND e.next_attempt_at > LEAST(e.created_at, ?) "
          + "AND coalesce(e.wait_reason, 'PROVIDER') = ANY (?) RETURNING old.next_attempt_at > ? AS waited) "
          + "SELECT count(*) FILTER (WHERE waited) FROM moved")) {
        u.setObject(1, time(now));
        u.setObject(2, time(now));
        u.setArray(3, c.createArrayOf("text", names));
        u.setObject(4, time(now));
        int flushed;
        try (ResultSet r = u.executeQuery()) {
          flushed = r.next() ? r.getInt(1) : 0;
        }
        if (flushed > 0) {
          notifyAppended(c);
        }
        return flushed;
      }
    });
  }

  @Override
  public boolean deadLetter(long id, String reason, Instant now) {
    return deadLettered(id, null, reason, now);
  }

  @Override
  public boolean deadLetter(Claimed claim, String reason, Instant now) {
    return deadLettered(claim.entry().id(), claim.leaseToken(), reason, now);
  }

  private boolean deadLettered(long id, @Nullable Long token, String reason, Instant now) {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(now, "now");
    return update("could not move entry " + id + " to the dead letters", c -> {
      boolean moved = recordOutcome(c, id, token, SpoolMove.DEAD_LETTER, now, "last_error", reason) == 1;
      if (moved) {
        undelivered.invalidate();
      }
      return moved;
    });
  }

  @Override
  public boolean requeue(long id, Instant now, Instant deliverBy) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(deliverBy, "deliverBy");
    return update("could not requeue entry " + id, c -> {
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries e SET state = 'PENDING', "
          + "next_attempt_at = ?, deliver_by = ? WHERE e.id = ? AND e.state = 'DEAD' "
          + "AND EXISTS (SELECT 1 FROM " + p + "bodies b WHERE b.entry_id = e.id)")) {
        u.setObject(1, time(now));
        u.setObject(2, time(deliverBy));
        u.setLong(3, id);
        boolean requeued = u.executeUpdate() == 1;
        if (requeued) {
          notifyAppended(c);
        }
        return requeued;
      }
    });
  }

  /**
   * Moves the in-flight entries this node claimed (lease owner {@link #nodeId()}) to reconciling, due
   * for their first search at {@code checkAt}, and releases this node's reconcile leases; other nodes'
   * leases are left alone. A node restarted under the same {@linkplain Builder#nodeId node id} thus looks
   * up its own interrupted deliveries at once instead of after their leases expire.
   */
  @Override
  public int recoverInFlight(Instant now, Instant checkAt) {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(checkAt, "checkAt");
    return update("could not recover in-flight entries", c -> {
      int recovered;
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries SET state = 'RECONCILING', "
          + "lease_until = NULL, next_attempt_at = ?, unknown_since = ?, reconcile_looks = 0, "
          + "last_error = 'recovered after a restart of node ' || lease_owner || '; outcome of the last attempt "
          + "unknown' WHERE " + SpoolMove.RECOVER.from("state") + " AND lease_owner = ?")) {
        u.setObject(1, time(checkAt));
        u.setObject(2, time(now));
        u.setString(3, nodeId);
        recovered = u.executeUpdate();
      }
      try (PreparedStatement u = c.prepareStatement("UPDATE " + p + "entries SET lease_until = NULL "
          + "WHERE state = 'RECONCILING' AND lease_until IS NOT NULL AND lease_owner = ?")) {
        u.setString(1, nodeId);
        u.executeUpdate();
      }
      return recovered;
    });
  }

  @Override
  public int purgeDelivered(Instant deliveredBefore) {
    Objects.requireNonNull(deliveredBefore, "deliveredBefore");
    int total = 0;
    while (true) {
      int deleted = update("could not purge delivered entries", c -> {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM " + p + "entries WHERE id IN (SELECT id FROM "
            + p + "entries WHERE state = 'DELIVERED' AND next_attempt_at < ? LIMIT " + PURGE_BATCH + ")")) {
          d.setObject(1, time(deliveredBefore));
          return d.executeUpdate();
        }
      });
      total += deleted;
      if (deleted < PURGE_BATCH) {
        // The purge may have removed other nodes' deliveries this node has not counted yet: count again.
        deliveredCount.invalidate();
        return total;
      }
    }
  }

  /** Stops the wake-up listener; later calls throw {@link IllegalStateException}. The data source stays open. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (wakeups != null) {
      wakeups.close();
    }
    if (closing != null) {
      try {
        closing.close();
      } catch (Exception e) {
        log.warn("Could not close the resource of the PostgreSQL spool of node {}", nodeId, e);
      }
    }
    log.info("PostgreSQL spool of node {} closed", nodeId);
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("The PostgreSQL spool is closed");
    }
  }

  private <T> T query(Work<T> work) {
    checkOpen();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      return work.run(c);
    } catch (SQLException e) {
      throw failure("could not read the spool", e);
    }
  }

  private <T> T update(String what, Work<T> work) {
    return transaction(what, work);
  }

  private <T> T transaction(String what, Work<T> work) {
    checkOpen();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      log.debug("Rollback failed after an error; the connection is discarded", e);
    }
  }

  private UncheckedIOException failure(String what, SQLException e) {
    return new UncheckedIOException(new IOException("PostgreSQL spool (tables " + p + "*): " + what + " (SQLState "
        + e.getSQLState() + ": " + e.getMessage() + "). Check that the database is reachable and the user may write "
        + "these tables.", e));
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static @Nullable Instant instant(ResultSet r, int column) throws SQLException {
    OffsetDateTime value = r.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static SpoolEntry read(ResultSet r) throws SQLException {
    String receipt = r.getString(12);
    return new SpoolEntry(
        r.getLong(1),
        IdempotencyKey.of(r.getString(2)),
        r.getString(3),
        SpoolState.valueOf(r.getString(4)),
        r.getInt(5),
        Objects.requireNonNull(instant(r, 6)),
        Objects.requireNonNull(instant(r, 7)),
        Objects.requireNonNull(instant(r, 8)),
        instant(r, 9),
        r.getString(10),
        r.getLong(11),
        receipt == null ? null : MessageCodec.decodeReceipt(receipt),
        r.getInt(13),
        instant(r, 14));
  }

  /** Options for a {@link PostgresSpool}; every one has a default. */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable String nodeId;
    private String tablePrefix = DEFAULT_TABLE_PREFIX;
    private int maxClaimBatch = DEFAULT_MAX_CLAIM_BATCH;
    private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
    private Duration deliveredRecount = DEFAULT_DELIVERED_RECOUNT;
    private @Nullable AutoCloseable closing;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Sets this node's id, written as the owner of its leases and used to recover its own in-flight
     * entries after a restart. Give each live process a different one (a pod name, a host name). If
     * not set, defaults to the host name, the process id and a random suffix, unique per open.
     */
    public Builder nodeId(String nodeId) {
      Objects.requireNonNull(nodeId, "nodeId");
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId must not be blank");
      }
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Sets the prefix of the spool's table names, e.g. {@code app1_} for {@code app1_entries}; lower case
     * letters, digits and underscores. Put a schema in the data source's {@code currentSchema} instead
     * of the prefix. If not set, defaults to {@code steadfast_}.
     */
    public Builder tablePrefix(String tablePrefix) {
      Objects.requireNonNull(tablePrefix, "tablePrefix");
      if (!PREFIX.matcher(tablePrefix).matches()) {
        throw new IllegalArgumentException("tablePrefix must be lower case letters, digits and underscores "
            + "(at most 40, not starting with a digit) but was '" + tablePrefix + "'");
      }
      this.tablePrefix = tablePrefix;
      return this;
    }

    /**
     * Sets the most entries one claim takes, so one statement stays short however many workers ask.
     * If not set, defaults to 100.
     */
    public Builder maxClaimBatch(int maxClaimBatch) {
      if (maxClaimBatch < 1) {
        throw new IllegalArgumentException("maxClaimBatch must be >= 1 but was " + maxClaimBatch);
      }
      this.maxClaimBatch = maxClaimBatch;
      return this;
    }

    /**
     * Sets how long the wake-up listener waits before reconnecting after losing its connection. If not
     * set, defaults to 5 seconds.
     */
    public Builder reconnectDelay(Duration reconnectDelay) {
      Objects.requireNonNull(reconnectDelay, "reconnectDelay");
      if (reconnectDelay.isNegative() || reconnectDelay.isZero()) {
        throw new IllegalArgumentException("reconnectDelay must be positive but was " + reconnectDelay);
      }
      this.reconnectDelay = reconnectDelay;
      return this;
    }

    /**
     * Sets how often {@link PostgresSpool#stats(Instant)} counts the delivered entries again (and after
     * a purge). In between it adds this node's own deliveries; other nodes' appear at the next count.
     * Zero counts on every call. If not set, defaults to 30 seconds.
     */
    public Builder deliveredRecount(Duration deliveredRecount) {
      Objects.requireNonNull(deliveredRecount, "deliveredRecount");
      if (deliveredRecount.isNegative()) {
        throw new IllegalArgumentException("deliveredRecount must not be negative but was " + deliveredRecount);
      }
      this.deliveredRecount = deliveredRecount;
      return this;
    }

    /**
     * Makes {@link PostgresSpool#close()} close {@code resource} too, once the spool has let go of its
     * connections: for a connection pool made for this spool alone (the command line makes one). If not
     * set, closing the spool closes nothing of the caller's. If {@link #build()} fails, the resource is left open.
     */
    public Builder closing(AutoCloseable resource) {
      this.closing = Objects.requireNonNull(resource, "resource");
      return this;
    }

    /**
     * Opens the spool, creating or migrating its tables.
     *
     * @throws SpoolOpenException if the database holds a schema written by a newer Steadfast ({@link
   *     SpoolOpenException.Reason#NEWER_SCHEMA})
     * @throws UncheckedIOException if the database cannot be reached or refuses to create the tables
     */
    public PostgresSpool build() {
      PostgresSpool spool = new PostgresSpool(this);
      try (Connection c = dataSource.getConnection()) {
        String where = c.getCatalog() + " (tables " + tablePrefix + "*)";
        int found = PostgresSchema.migrate(c, tablePrefix, where);
        if (found < SCHEMA_VERSION) {
          log.info("PostgreSQL spool schema in {} {} to version {}", where, found == 0 ? "created" : "migrated",
              SCHEMA_VERSION);
        }
        log.info("PostgreSQL spool opened in {} as node {}", where, spool.nodeId);
      } catch (SQLException e) {
        throw spool.failure("could not create or migrate the tables", e);
      }
      return spool;
    }
  }
}
