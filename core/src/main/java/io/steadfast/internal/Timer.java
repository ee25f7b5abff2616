package io.steadfast.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Waits for retries. Injected so that tests move a fake clock forward instead of sleeping; the
 * asynchronous path only ever schedules, never blocks a thread.
 */
interface Timer {
  /** Blocks the calling thread for {@code delay} (the synchronous {@code send} path). */
  void sleep(Duration delay) throws InterruptedException;

  /** Returns a future that completes after {@code delay}; cancelling it cancels the wait. */
  CompletableFuture<Void> after(Duration delay);
}
