package io.steadfast.smtp.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A bounded pool of authenticated SMTP connections, reused across messages.
 *
 * <p>At most {@code maxConnections} connections exist at once, counting those being opened; a
 * caller beyond that waits (interruptibly) for one to come back. SparkPost recommends reusing a
 * connection for up to 100 messages, then reconnecting, and closes connections idle for a minute
 * (SparkPost SMTP API reference), so a connection is closed when it has carried {@code
 * maxMessagesPerConnection} transactions, when it is older than {@code maxConnectionAge} (which also
 * re-resolves DNS now and then), and when it has been idle longer than {@code maxIdle} (50 seconds by
 * default, safely inside SparkPost's minute). A connection idle for more than {@link
 * #VALIDATE_AFTER_IDLE} is checked with NOOP before use, so one the server closed early (a restart,
 * a load balancer) is replaced instead of failing the next message. Idle connections are used most
 * recent first, so a quiet period lets the others age out.
 */
final class ConnectionPool {
  /** How long a pooled connection may be idle before it is checked with NOOP before use. */
  static final Duration VALIDATE_AFTER_IDLE = Duration.ofSeconds(1);

  private final SmtpSettings settings;
  private final Semaphore permits;

  /** Most recently used first. Guarded by {@code this}. */
  private final Deque<SmtpConnection> idle = new ArrayDeque<>();
  /** Guarded by {@code this}. */
  private boolean closed;

  ConnectionPool(SmtpSettings settings) {
    this.settings = settings;
    this.permits = new Semaphore(settings.maxConnections(), true);
  }

  /**
   * Waits up to {@code timeoutNanos} for a free place and returns it with an idle connection if there
   * is a usable one. An idle connection is checked with NOOP under {@code control}, so the attempt's
   * deadline also bounds a check that the server never answers.
   *
   * @return the lease, or {@code null} if the pool is closed
   * @throws InterruptedException if the thread was interrupted while waiting (a cancelled attempt)
   * @throws TimeoutException if no place came free in time
   */
  @Nullable Lease acquire(long timeoutNanos, AttemptControl control) throws InterruptedException, TimeoutException {
    if (!permits.tryAcquire(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("no free SMTP connection");
    }
    Lease lease = new Lease();
    while (true) {
      SmtpConnection candidate;
      synchronized (this) {
        if (closed) {
          lease.release(null, false);
          return null;
        }
        candidate = idle.pollFirst();
      }
      if (candidate == null) {
        return lease;
      }
      Instant now = settings.clock().instant();
      if (expired(candidate, now) || idleFor(candidate, now).compareTo(settings.maxIdle()) >= 0) {
        candidate.close();
        continue;
      }
      if (idleFor(candidate, now).compareTo(VALIDATE_AFTER_IDLE) >= 0 && !isAlive(candidate, control)) {
        candidate.abort(); // isAlive() already closed it on a failed NOOP; make sure of the sockets
        continue;
      }
      lease.connection = candidate;
      return lease;
    }
  }

  private static boolean isAlive(SmtpConnection candidate, AttemptControl control) {
    control.attach(candidate.sockets());
    try {
      return candidate.isAlive() && !candidate.sockets().isAborted();
    } finally {
      control.detach();
    }
  }

  /** Returns how many idle connections the pool holds now. */
  synchronized int idleCount() {
    return idle.size();
  }

  /** Closes the idle connections and refuses new leases; connections in use close when released. */
  void close() {
    List<SmtpConnection> toClose;
    synchronized (this) {
      closed = true;
      toClose = new ArrayList<>(idle);
      idle.clear();
    }
    toClose.forEach(SmtpConnection::close);
  }

  private boolean expired(SmtpConnection connection, Instant now) {
    return connection.transactions() >= settings.maxMessagesPerConnection()
        || connection.age(now).compareTo(settings.maxConnectionAge()) >= 0;
  }

  private static Duration idleFor(SmtpConnection connection, Instant now) {
    Duration idle = Duration.between(connection.lastUsedAt(), now);
    return idle.isNegative() ? Duration.ZERO : idle;
  }

  /** A place in the pool, with or without an idle connection; released exactly once. */
  final class Lease {
    private @Nullable SmtpConnection connection;
    private boolean released;

    /** Returns the idle connection this lease came with, or {@code null} if the caller must open one. */
    @Nullable SmtpConnection pooled() {
      return connection;
    }

    /**
     * Gives the place back, keeping {@code used} for the next message if it is {@code reusable} and
     * not spent, else closing it.
     */
    void release(@Nullable SmtpConnection used, boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      try {
        if (used != null) {
          Instant now = settings.clock().instant();
          boolean keep = reusable && !expired(used, now);
          if (keep) {
            used.touch(now);
            synchronized (ConnectionPool.this) {
              if (!closed) {
                idle.addFirst(used);
                used = null;
              }
            }
          }
          if (used != null) {
            used.close();
          }
        }
      } finally {
        permits.release();
      }
    }
  }
}
