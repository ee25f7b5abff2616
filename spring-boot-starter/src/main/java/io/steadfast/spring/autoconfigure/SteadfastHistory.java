package io.steadfast.spring.autoconfigure;

import io.steadfast.internal.console.ConsoleHistory;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * The dashboard's history of the last hour ({@link ConsoleHistory}), sampling while the application
 * runs: its {@code start}, {@code stop} and {@code isRunning} are Spring's lifecycle, in a phase after
 * the client's. It is a {@link io.steadfast.DeliveryListener} bean, so the client reports its
 * deliveries to it.
 */
final class SteadfastHistory extends ConsoleHistory implements SmartLifecycle {

  SteadfastHistory(SteadfastState state, Duration interval) {
    super(state, interval);
  }

  @Override
  public int getPhase() {
    // Sample while the client runs: start after it, stop before it.
    return ManagedEmailClient.PHASE + 1;
  }
}
