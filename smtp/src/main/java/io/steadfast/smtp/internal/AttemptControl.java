package io.steadfast.smtp.internal;

import org.jspecify.annotations.Nullable;

/**
 * Lets another thread stop one attempt: {@link #abort()} (a cancelled future) and {@link #expire()}
 * (the attempt's deadline) close the sockets the attempt is using (connecting or sending), which
 * breaks a blocked read or write at once. Socket I/O does not respond to interrupts, so this is how
 * a cancel or a deadline reaches the connection.
 */
public final class AttemptControl {
  /** Guarded by {@code this}. */
  private @Nullable SocketCapture sockets;
  /** Guarded by {@code this}. */
  private boolean aborted;
  /** Guarded by {@code this}. */
  private boolean expired;

  /** Creates a control for one attempt. */
  public AttemptControl() {}

  /** Aborts the attempt: its current connection is closed now, and any later one at once. */
  public void abort() {
    SocketCapture current;
    synchronized (this) {
      aborted = true;
      current = sockets;
    }
    if (current != null) {
      current.abort();
    }
  }

  /** Returns whether {@link #abort()} was called. */
  public synchronized boolean isAborted() {
    return aborted;
  }

  /**
   * Ends the attempt because its deadline passed: its current connection is stopped now (and reports
   * the deadline as the reason), and any later one at once.
   */
  void expire() {
    SocketCapture current;
    synchronized (this) {
      expired = true;
      current = sockets;
    }
    if (current != null) {
      current.trip(SocketCapture.Limit.DEADLINE);
    }
  }

  /** Returns whether {@link #expire()} was called. */
  synchronized boolean isExpired() {
    return expired;
  }

  /** Makes {@code capture} the sockets to close on abort; closes them at once if already aborted or expired. */
  void attach(SocketCapture capture) {
    boolean abortNow;
    boolean expireNow;
    synchronized (this) {
      sockets = capture;
      abortNow = aborted;
      expireNow = expired;
    }
    if (abortNow) {
      capture.abort();
    } else if (expireNow) {
      capture.trip(SocketCapture.Limit.DEADLINE);
    }
  }

  /** Forgets the sockets: the connection goes back to the pool and must not be closed by this attempt. */
  synchronized void detach() {
    sockets = null;
  }
}
