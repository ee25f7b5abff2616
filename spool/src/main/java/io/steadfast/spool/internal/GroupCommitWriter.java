package io.steadfast.spool.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches the database: callers enqueue work, the writer takes everything that
 * has queued, runs it in one transaction and commits once, then completes each caller's future. So
 * concurrent submits share one fsync (group commit), and a caller hears "done" only after the commit
 * that made its work durable.
 *
 * <p>Each task runs inside its own savepoint, so a task that fails (a full spool, say) is rolled back
 * alone. Work of one {@link Combined} kind (appends) from many callers runs in one call instead, so a
 * batch of sixteen submits costs one multi-row statement rather than sixteen statements and sixteen
 * savepoints; if that combined run fails, it is rolled back and each caller's item runs alone, so one
 * bad item still fails only its own caller. A failed commit fails every task of the batch: nothing in it
 * is acknowledged, and nothing is retried behind the caller's back.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_BATCH = 1024;
  /** How many times one transaction takes in work that queued while it ran, before it commits. */
  private static final int LATE_PASSES = 3;

  /** Work for the writer thread, run on its connection inside the batch's transaction. */
  @FunctionalInterface
  public interface Task<T> {
    /** Runs the work on {@code connection}; its changes commit with the batch. */
    T run(Connection connection) throws SQLException;
  }

  /**
   * Work that the writer may run for several callers in one call. Its only effects must be on the
   * connection: when a combined run throws, the writer rolls it back and calls it again with each item
   * alone, and an exception from a run of one item fails that item's caller only.
   *
   * @param <I> one caller's item
   * @param <T> one caller's result
   */
  @FunctionalInterface
  public interface Combined<I, T> {
    /** Runs every item; returns one result per item, in order. */
    List<T> runAll(Connection connection, List<I> items) throws SQLException;
  }

  /** A queued piece of work: {@code item} for {@code work}, whose result completes {@code future}. */
  private record Queued<I, T>(Combined<I, T> work, I item, CompletableFuture<T> future) {
    T runAlone(Connection connection) throws SQLException {
      List<T> results = work.runAll(connection, List.of(item));
      if (results.size() != 1) {
        throw new IllegalStateException("combined work returned " + results.size() + " results for one item");
      }
      return results.get(0);
    }
  }

  /** Runs a plain task, which is never combined with others. */
  private static final Combined<Task<Object>, Object> PLAIN = (connection, tasks) -> {
    List<Object> results = new ArrayList<>(tasks.size());
    for (Task<Object> task : tasks) {
      results.add(task.run(connection));
    }
    return results;
  };

  private static final Queued<?, ?> STOP = new Queued<>(PLAIN, c -> null, new CompletableFuture<>());

  private final Connection connection;
  private final BlockingQueue<Queued<?, ?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  /** Used only on the writer thread. */
  private final StatementCache controlStatements = new StatementCache();
  private volatile boolean closed;
  private final AtomicLong commits = new AtomicLong();
  /** Set once the writer thread has stopped taking work. */
  private volatile boolean stopped;
  /** What stopped the writer thread other than close, if anything. */
  private volatile @Nullable Throwable failure;

  /** Starts the writer thread over {@code connection}, which must be in auto-commit mode. */
  public GroupCommitWriter(Connection connection, String name) {
    this.connection = connection;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.setUncaughtExceptionHandler((t, e) -> log.error("The spool writer thread stopped; the spool refuses "
        + "all work until it is closed and opened again", e));
    thread.start();
  }

  /**
   * Runs {@code task} in the next group commit and returns its result once committed.
   *
   * @throws UncheckedIOException if the commit failed; the task's changes were not kept
   * @throws IllegalStateException if the writer is closed
   * @throws RuntimeException what the task itself threw, its changes rolled back
   */
  @SuppressWarnings("unchecked")
  public <T> T execute(Task<T> task) {
    Objects.requireNonNull(task, "task");
    return (T) enqueue(new Queued<>(PLAIN, (Task<Object>) task, new CompletableFuture<>()));
  }

  /**
   * Runs {@code item} with {@code work} in the next group commit, in one call together with any other
   * items queued for the same {@code work} object, and returns its result once committed.
   *
   * @throws UncheckedIOException if the commit failed; the item's changes were not kept
   * @throws IllegalStateException if the writer is closed
   * @throws RuntimeException what a run of the item alone threw, its changes rolled back
   */
  public <I, T> T execute(Combined<I, T> work, I item) {
    Objects.requireNonNull(work, "work");
    Objects.requireNonNull(item, "item");
    return enqueue(new Queued<>(work, item, new CompletableFuture<>()));
  }

  /** Returns how many transactions the writer has committed. */
  public long commits() {
    return commits.get();
  }

  /** Returns how much work waits for the writer thread, not counting the batch it is running. */
  public int backlog() {
    return queue.size();
  }

  private <T> T enqueue(Queued<?, T> queued) {
    CompletableFuture<T> future = queued.future();
    if (closed) {
      throw closedException();
    }
    queue.add(queued);
    if (stopped && queue.remove(queued)) {
      // Queued after the writer had stopped and failed what was left: nobody would ever run it.
      future.completeExceptionally(closedException());
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          // No timed wait: the writer completes every future it takes, and fails what is left when it
          // stops (see run), so this returns. An untimed park is the cheaper one, and submit waits here
          // once per message.
          return future.get();
        } catch (InterruptedException e) {
          // The work is queued and will be committed; the caller must learn how it ended.
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          if (cause instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      takeAndRunBatches();
    } finally {
      // However the loop ended (close, or an Error), no caller may be left waiting. The second pass
      // catches anything queued while the first ran; enqueue checks the flag after queueing.
      closed = true;
      failQueued();
      stopped = true;
      failQueued();
      controlStatements.close();
    }
  }

  private void takeAndRunBatches() {
    List<Queued<?, ?>> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      boolean stop = batch.remove(STOP);
      if (!batch.isEmpty()) {
        try {
          stop |= runBatch(batch);
        } catch (RuntimeException | Error e) {
          failure = e;
          IllegalStateException failed = new IllegalStateException("the spool writer failed: " + e, e);
          for (Queued<?, ?> queued : batch) {
            queued.future().completeExceptionally(failed);
          }
          throw e;
        }
      }
      if (stop) {
        return;
      }
    }
  }

  private void failQueued() {
    Queued<?, ?> left;
    while ((left = queue.poll()) != null) {
      left.future().completeExceptionally(closedException());
    }
  }

  private IllegalStateException closedException() {
    Throwable cause = failure;
    return cause == null ? new IllegalStateException("spool is closed")
        : new IllegalStateException("the spool writer stopped after an error (" + cause + "); close the spool "
            + "and open it again", cause);
  }

  /**
   * Runs {@code batch}, and whatever queues while it runs, in one transaction and completes every
   * caller once it has committed. Returns true if a stop request was taken from the queue with late work.
   */
  private boolean runBatch(List<Queued<?, ?>> batch) {
    Map<Queued<?, ?>, @Nullable Object> results = new IdentityHashMap<>(batch.size() * 2);
    Map<Queued<?, ?>, RuntimeException> failures = new IdentityHashMap<>();
    boolean stop = false;
    try {
      control("BEGIN IMMEDIATE");
      runGroups(batch, results, failures);
      // The callers the previous commit released queue again while this transaction runs its statements.
      // Taking them in before COMMIT, instead of leaving them for the next one, lets one fsync serve nearly
      // every caller rather than about half of them (each caller used to wait out two commits).
      for (int pass = 0; pass < LATE_PASSES && batch.size() < MAX_BATCH; pass++) {
        List<Queued<?, ?>> late = new ArrayList<>();
        queue.drainTo(late, MAX_BATCH - batch.size());
        stop |= late.remove(STOP);
        if (late.isEmpty()) {
          break;
        }
        batch.addAll(late);
        runGroups(late, results, failures);
      }
      control("COMMIT");
      commits.incrementAndGet();
    } catch (SQLException e) {
      log.error("Spool commit failed; {} operations are not acknowledged", batch.size(), e);
      rollbackQuietly();
      UncheckedIOException failure = new UncheckedIOException(new IOException(
          "the spool could not commit (disk full or I/O error?): " + e.getMessage() + "; nothing was stored", e));
      for (Queued<?, ?> queued : batch) {
        queued.future().completeExceptionally(failure);
      }
      return stop;
    }
    for (Queued<?, ?> queued : batch) {
      complete(queued, results.get(queued), failures.get(queued));
    }
    return stop;
  }

  private void runGroups(List<Queued<?, ?>> work, Map<Queued<?, ?>, @Nullable Object> results,
      Map<Queued<?, ?>, RuntimeException> failures) throws SQLException {
    for (List<Queued<?, ?>> group : groups(work)) {
      if (group.size() == 1 || !runCombined(group, results)) {
        for (Queued<?, ?> queued : group) {
          runAlone(queued, results, failures);
        }
      }
    }
  }

  /**
   * Splits a batch into groups run together: the combinable items of one work object form one group
   * (at the place of the first), every other task is a group of its own. The callers of one batch are
   * concurrent, so no caller can tell the order apart.
   */
  private static List<List<Queued<?, ?>>> groups(List<Queued<?, ?>> batch) {
    Map<Object, List<Queued<?, ?>>> groups = new LinkedHashMap<>();
    for (Queued<?, ?> queued : batch) {
      Object key = queued.work() == PLAIN ? queued : queued.work();
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(queued);
    }
    return new ArrayList<>(groups.values());
  }

  /** Runs a group in one call under one savepoint; false (and nothing kept) if it failed. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private boolean runCombined(List<Queued<?, ?>> group, Map<Queued<?, ?>, @Nullable Object> results)
      throws SQLException {
    List<Object> items = new ArrayList<>(group.size());
    for (Queued<?, ?> queued : group) {
      items.add(queued.item());
    }
    control("SAVEPOINT combined");
    try {
      List<?> out = ((Combined) group.get(0).work()).runAll(connection, items);
      if (out.size() != group.size()) {
        throw new IllegalStateException("combined work returned " + out.size() + " results for " + group.size()
            + " items");
      }
      control("RELEASE combined");
      for (int i = 0; i < group.size(); i++) {
        results.put(group.get(i), out.get(i));
      }
      return true;
    } catch (SQLException | RuntimeException e) {
      // One item spoiled the run (a full spool, a bad row): undo it all and give each item its own run.
      log.debug("Combined run of {} items failed; running them one by one", group.size(), e);
      rollBackTo("combined", e);
      return false;
    }
  }

  private void runAlone(Queued<?, ?> queued, Map<Queued<?, ?>, @Nullable Object> results,
      Map<Queued<?, ?>, RuntimeException> failures) throws SQLException {
    control("SAVEPOINT task");
    try {
      results.put(queued, queued.runAlone(connection));
      control("RELEASE task");
    } catch (SQLException | RuntimeException e) {
      rollBackTo("task", e);
      failures.put(queued, e instanceof SQLException sql
          ? new UncheckedIOException(new IOException("spool operation failed: " + sql.getMessage(), sql))
          : (RuntimeException) e);
    }
  }

  /**
   * Undoes the work since {@code savepoint} after {@code failure}. If SQLite has already rolled the whole
   * transaction back itself, as it may after a full disk, a file-size limit, an I/O error or a lost lock
   * (sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction"), the savepoint is gone
   * with it: the batch then fails with {@code failure}, the error that ended the transaction, and not
   * with "no such savepoint", which would hide it.
   *
   * @throws SQLException {@code failure} (or an exception carrying it) if the transaction is gone
   */
  private void rollBackTo(String savepoint, Exception failure) throws SQLException {
    try {
      control("ROLLBACK TO " + savepoint);
      control("RELEASE " + savepoint);
    } catch (SQLException gone) {
      failure.addSuppressed(gone);
      if (failure instanceof SQLException sql) {
        throw sql;
      }
      throw new SQLException(failure.getMessage(), failure);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Queued<?, T> queued, @Nullable Object result, @Nullable RuntimeException failure) {
    if (failure != null) {
      queued.future().completeExceptionally(failure);
    } else {
      queued.future().complete((T) result);
    }
  }

  /**
   * Runs a transaction-control statement, prepared once, so that BEGIN, COMMIT and the savepoints are
   * not compiled again for every batch on the one thread everything waits for.
   */
  private void control(String sql) throws SQLException {
    controlStatements.get(connection, sql).execute();
  }

  private void rollbackQuietly() {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ROLLBACK");
    } catch (SQLException e) {
      log.debug("Rollback after a failed commit failed too", e);
    }
  }

  /** Commits what is queued, stops the thread and waits for it; later tasks fail. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
