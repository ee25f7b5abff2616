package io.steadfast.spool.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells listeners when another connection (another process's submit) committed to a SQLite file, by
 * reading {@code PRAGMA data_version} on a connection of its own (sqlite.org/pragma.html#pragma_data_version:
 * the value changes when any other connection commits). One daemon thread looks again right after a
 * change and doubles its pause while nothing changes, up to a maximum: a change is seen within that
 * maximum, and an idle spool costs a few cheap reads a second (each reads the WAL index in shared
 * memory, no file I/O).
 *
 * <p>The watcher's own connection is another connection to this process's writer too, so this process's
 * commits are reported as well: a listener must be cheap and idempotent (a dispatcher's wake-up is).
 */
public final class ChangeWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeWatcher.class);

  /** Opens the watcher's connection; called again after a failure. */
  @FunctionalInterface
  public interface Opener {
    /** Opens a connection to the watched file. */
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private final long minPauseNanos;
  private final long maxPauseNanos;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  /** Opened by the constructor, then used only by the watcher's thread. */
  private @Nullable Connection firstConnection;
  private @Nullable PreparedStatement firstVersion;
  private long firstSeen = Long.MIN_VALUE;

  /** Starts watching; {@code name} names the thread. */
  public ChangeWatcher(Opener opener, Duration minPause, Duration maxPause, String name) {
    this.opener = Objects.requireNonNull(opener, "opener");
    this.minPauseNanos = minPause.toNanos();
    this.maxPauseNanos = maxPause.toNanos();
    // The first data_version is read before this returns, so a commit made after it is always reported;
    // read on the new thread, a commit made while that thread was starting became its baseline, unseen.
    try {
      firstConnection = opener.open();
      firstVersion = firstConnection.prepareStatement("PRAGMA data_version");
      firstSeen = read(firstVersion);
    } catch (SQLException | RuntimeException e) {
      log.debug("Could not read the spool's data_version yet; the watcher's thread tries again", e);
      close(firstVersion, firstConnection);
      firstVersion = null;
      firstConnection = null;
    }
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Adds {@code listener}, called on the watcher's thread after each change it sees. */
  public void add(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  private void run() {
    Connection connection = firstConnection;
    PreparedStatement version = firstVersion;
    long last = firstSeen;
    long pause = minPauseNanos;
    while (running) {
      try {
        if (connection == null) {
          connection = opener.open();
          version = connection.prepareStatement("PRAGMA data_version");
          last = read(version);
          // Without a connection nothing was watched: a commit may have been missed, so say there was one.
          tell();
        }
        long now = read(Objects.requireNonNull(version));
        if (now != last) {
          last = now;
          pause = minPauseNanos;
          tell();
        } else {
          pause = Math.min(pause * 2, maxPauseNanos);
        }
      } catch (SQLException | RuntimeException e) {
        // The file may be gone for a moment (a salvage elsewhere) or busy: look again later, on a new connection.
        log.debug("Could not read the spool's data_version; looking again in {} ms",
            TimeUnit.NANOSECONDS.toMillis(maxPauseNanos), e);
        close(version, connection);
        version = null;
        connection = null;
        pause = maxPauseNanos;
      }
      LockSupport.parkNanos(this, pause);
    }
    close(version, connection);
  }

  private static long read(PreparedStatement version) throws SQLException {
    try (ResultSet r = version.executeQuery()) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  private void tell() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("A spool change listener failed; it is called again at the next change", e);
      }
    }
  }

  private static void close(@Nullable PreparedStatement statement, @Nullable Connection connection) {
    try {
      if (statement != null) {
        statement.close();
      }
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException e) {
      log.debug("Closing the watcher's connection failed", e);
    }
  }

  /** Stops the thread and waits for it to close its connection. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
