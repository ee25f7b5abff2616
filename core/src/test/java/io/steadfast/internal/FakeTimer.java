package io.steadfast.internal;

import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A timer that "waits" by moving a {@link FakeClock} forward at once, and records every wait. */
final class FakeTimer implements Timer {
  private final FakeClock clock;
  private final List<Duration> waits = new ArrayList<>();

  FakeTimer(FakeClock clock) {
    this.clock = clock;
  }

  synchronized List<Duration> waits() {
    return List.copyOf(waits);
  }

  @Override
  public void sleep(Duration delay) {
    synchronized (this) {
      waits.add(delay);
    }
    clock.advance(delay);
  }

  @Override
  public CompletableFuture<Void> after(Duration delay) {
    sleep(delay);
    return CompletableFuture.completedFuture(null);
  }
}
