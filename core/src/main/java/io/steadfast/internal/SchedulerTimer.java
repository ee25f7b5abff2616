package io.steadfast.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The production {@link Timer}: real sleeps for {@code send}, a scheduler for {@code sendAsync}. */
final class SchedulerTimer implements Timer {
  private final ScheduledExecutorService scheduler;

  SchedulerTimer(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public void sleep(Duration delay) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(delay.toNanos());
  }

  @Override
  public CompletableFuture<Void> after(Duration delay) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledFuture<?> task = scheduler.schedule(() -> done.complete(null), delay.toNanos(), TimeUnit.NANOSECONDS);
    done.whenComplete((ignored, error) -> {
      if (done.isCancelled()) {
        task.cancel(false);
      }
    });
    return done;
  }
}
