package io.steadfast.spool.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a PostgreSQL channel (LISTEN/NOTIFY) on one connection of its own and runs the
 * registered callbacks when a notification arrives: a wake-up hint for dispatchers. Appends notify
 * inside their transaction, so the hint arrives when the entries commit. Lost hints cost only latency:
 * dispatchers poll anyway. If the connection fails it reconnects after {@code retryEvery}.
 */
public final class PostgresWakeups implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresWakeups.class);
  /** How long one wait for notifications blocks, so close() is noticed promptly. */
  private static final int WAIT_MILLIS = 500;

  private final DataSource dataSource;
  private final String channel;
  private final Duration retryEvery;
  private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread thread;

  /**
   * Starts listening on {@code channel} in a daemon thread, with {@code first} as the first callback:
   * registered before the thread starts, so it also gets the wake-up that follows {@code LISTEN}.
   */
  public PostgresWakeups(DataSource dataSource, String channel, Duration retryEvery, Runnable first) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.retryEvery = retryEvery;
    callbacks.add(first);
    this.thread = new Thread(this::run, "steadfast-spool-listen");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Adds a callback run on every notification, and once now, for appends made before it was added;
   * it must return quickly.
   */
  public void add(Runnable callback) {
    callbacks.add(callback);
    callback.run();
  }

  private void run() {
    while (closed.getCount() > 0) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        PGConnection pg = c.unwrap(PGConnection.class);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + channel);
        }
        // Entries appended while we were not listening: one wake-up covers them.
        fire();
        while (closed.getCount() > 0) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          if (notifications != null && notifications.length > 0) {
            fire();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed.getCount() > 0) {
          log.warn("Spool wake-ups (LISTEN {}) lost their connection; dispatchers poll meanwhile. Retrying in {}",
              channel, retryEvery, e);
          try {
            closed.await(retryEvery.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private void fire() {
    for (Runnable callback : callbacks) {
      try {
        callback.run();
      } catch (RuntimeException e) {
        log.warn("A spool wake-up callback failed", e);
      }
    }
  }

  /** Stops listening and waits briefly for the thread, which returns its connection. */
  @Override
  public void close() {
    closed.countDown();
    try {
      thread.join(WAIT_MILLIS * 4L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
