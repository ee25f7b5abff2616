package io.steadfast.spool.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * alone. A failed commit fails every task of the batch: nothing in it is acknowledged, and nothing is
 * retried behind the caller's back.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_BATCH = 1024;

  /** Work for the writer thread, run on its connection inside the batch's transaction. */
  @FunctionalInterface
  public interface Task<T> {
    /** Runs the work on {@code connection}; its changes commit with the batch. */
    T run(Connection connection) throws SQLException;
  }

  private record Queued<T>(Task<T> task, CompletableFuture<T> future) {}

  private static final Queued<Object> STOP = new Queued<>(c -> null, new CompletableFuture<>());

  private final Connection connection;
  private final BlockingQueue<Queued<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  /** Starts the writer thread over {@code connection}, which must be in auto-commit mode. */
  public GroupCommitWriter(Connection connection, String name) {
    this.connection = connection;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Runs {@code task} in the next group commit and returns its result once committed.
   *
   * @throws UncheckedIOException if the commit failed; the task's changes were not kept
   * @throws IllegalStateException if the writer is closed
   * @throws RuntimeException what the task itself threw, its changes rolled back
   */
  public <T> T execute(Task<T> task) {
    CompletableFuture<T> future = new CompletableFuture<>();
    if (closed) {
      throw new IllegalStateException("spool is closed");
    }
    queue.add(new Queued<>(task, future));
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          if (!thread.isAlive() && !future.isDone()) {
            // Queued just after the writer drained its last batch at close: it will never run.
            future.completeExceptionally(new IllegalStateException("spool is closed"));
          }
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
    List<Queued<?>> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      boolean stop = batch.remove(STOP);
      if (!batch.isEmpty()) {
        runBatch(batch);
      }
      if (stop) {
        break;
      }
    }
    Queued<?> left;
    while ((left = queue.poll()) != null) {
      left.future().completeExceptionally(new IllegalStateException("spool is closed"));
    }
  }

  private void runBatch(List<Queued<?>> batch) {
    List<@Nullable Object> results = new ArrayList<>(batch.size());
    List<@Nullable RuntimeException> failures = new ArrayList<>(batch.size());
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      for (Queued<?> queued : batch) {
        statement.execute("SAVEPOINT task");
        try {
          results.add(queued.task().run(connection));
          failures.add(null);
          statement.execute("RELEASE task");
        } catch (SQLException e) {
          statement.execute("ROLLBACK TO task");
          statement.execute("RELEASE task");
          results.add(null);
          failures.add(new UncheckedIOException(new IOException("spool operation failed: " + e.getMessage(), e)));
        } catch (RuntimeException e) {
          statement.execute("ROLLBACK TO task");
          statement.execute("RELEASE task");
          results.add(null);
          failures.add(e);
        }
      }
      statement.execute("COMMIT");
    } catch (SQLException e) {
      log.error("Spool commit failed; {} operations are not acknowledged", batch.size(), e);
      rollbackQuietly();
      UncheckedIOException failure = new UncheckedIOException(new IOException(
          "the spool could not commit (disk full or I/O error?): " + e.getMessage() + "; nothing was stored", e));
      for (Queued<?> queued : batch) {
        queued.future().completeExceptionally(failure);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results.get(i), failures.get(i));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Queued<T> queued, @Nullable Object result, @Nullable RuntimeException failure) {
    if (failure != null) {
      queued.future().completeExceptionally(failure);
    } else {
      queued.future().complete((T) result);
    }
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
