package io.steadfast.smtp.internal;

import org.jspecify.annotations.Nullable;

/**
 * Lets another thread cancel one attempt: {@link #abort()} closes the sockets the attempt is using
 * (connecting or sending), which breaks a blocked read or write at once. Socket I/O does not respond
 * to interrupts, so this is how a cancelled future reaches the connection.
 */
public final class AttemptControl {
  /** Guarded by {@code this}. */
  private @Nullable SocketCapture sockets;
  /** Guarded by {@code this}. */
  private boolean aborted;

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

  /** Makes {@code capture} the sockets to close on abort; closes them at once if already aborted. */
  void attach(SocketCapture capture) {
    boolean abortNow;
    synchronized (this) {
      sockets = capture;
      abortNow = aborted;
    }
    if (abortNow) {
      capture.abort();
    }
  }

  /** Forgets the sockets: the connection goes back to the pool and must not be closed by this attempt. */
  synchronized void detach() {
    sockets = null;
  }
}
