package io.steadfast.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of a spool's contents.
 *
 * @param countByState how many entries are in each state; every state is present
 * @param bytes the size of all stored messages, in bytes
 * @param oldestPendingAge the age of the oldest pending, in-flight or reconciling entry; zero if there is
 *     none
 */
public record SpoolStats(Map<SpoolState, Long> countByState, long bytes, Duration oldestPendingAge) {

  /** Copies the counts and checks the parts are present. */
  public SpoolStats {
    countByState = Map.copyOf(Objects.requireNonNull(countByState, "countByState"));
    Objects.requireNonNull(oldestPendingAge, "oldestPendingAge");
  }

  /** Returns how many entries are in {@code state}. */
  public long count(SpoolState state) {
    return countByState.getOrDefault(state, 0L);
  }

  /** Returns how many entries are dead letters. */
  public long deadCount() {
    return count(SpoolState.DEAD);
  }

  /** Returns how many entries still wait for delivery (pending, in flight or reconciling). */
  public long undeliveredCount() {
    return count(SpoolState.PENDING) + count(SpoolState.IN_FLIGHT) + count(SpoolState.RECONCILING);
  }

  /** Returns how many entries wait for SparkPost's events to say whether an attempt was accepted. */
  public long reconcilingCount() {
    return count(SpoolState.RECONCILING);
  }
}
