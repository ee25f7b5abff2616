package io.steadfast.internal.dispatch;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Wakes a loop thread early: any thread calls {@link #wake()}; the loop's {@link #await} returns at the
 * first wake-up (taking it) or when its wait is over. A wake-up that comes while the loop is busy is
 * kept for its next wait, so none is lost.
 */
final class WakeSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signal = lock.newCondition();
  /** Written under {@link #lock}; volatile so that {@link #wake()} can skip the lock when already set. */
  private volatile boolean signalled;

  /** Wakes the loop, or leaves the wake-up for its next wait. */
  void wake() {
    if (signalled) {
      // The loop has not yet taken the last wake-up, and reads the spool after taking it: nothing to add.
      // The dispatcher is woken on every submit, so the lock (and a futex wake) per message is worth skipping.
      return;
    }
    lock.lock();
    try {
      signalled = true;
      signal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code wait}, until woken, or until {@code running} turns false (checked at each wake-up).
   *
   * @return false if the thread was interrupted (its interrupt flag is set again)
   */
  boolean await(Duration wait, BooleanSupplier running) {
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (!signalled && running.getAsBoolean() && nanos > 0) {
        nanos = signal.awaitNanos(nanos);
      }
      signalled = false;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }
}
