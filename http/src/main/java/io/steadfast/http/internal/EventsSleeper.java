package io.steadfast.http.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waits between retries of an Events request; a test passes one that records the wait instead. */
@FunctionalInterface
interface EventsSleeper {

  /** Sleeps on the calling thread. */
  EventsSleeper SYSTEM = duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());

  /**
   * Waits for {@code duration}.
   *
   * @throws InterruptedException if the thread was interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;
}
