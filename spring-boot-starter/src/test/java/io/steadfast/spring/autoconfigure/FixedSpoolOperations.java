package io.steadfast.spring.autoconfigure;

import io.steadfast.SpoolOperations;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Spool operations whose statistics and damage a test sets, or that fail as an unreachable spool would.
 */
final class FixedSpoolOperations implements SpoolOperations {

  private volatile SpoolStats stats = stats(0, 0, 0, 0, 0, Duration.ZERO);
  private volatile @Nullable RuntimeException failure;
  private volatile @Nullable SpoolDamage damage;

  static SpoolStats stats(long pending, long inFlight, long delivered, long dead, long bytes, Duration oldest) {
    return stats(pending, inFlight, 0, delivered, dead, bytes, oldest);
  }

  static SpoolStats stats(long pending, long inFlight, long reconciling, long delivered, long dead, long bytes,
      Duration oldest) {
    Map<SpoolState, Long> counts = new EnumMap<>(SpoolState.class);
    counts.put(SpoolState.PENDING, pending);
    counts.put(SpoolState.IN_FLIGHT, inFlight);
    counts.put(SpoolState.RECONCILING, reconciling);
    counts.put(SpoolState.DELIVERED, delivered);
    counts.put(SpoolState.DEAD, dead);
    return new SpoolStats(counts, bytes, oldest);
  }

  void set(SpoolStats stats) {
    this.stats = stats;
  }

  void failWith(RuntimeException failure) {
    this.failure = failure;
  }

  /** Reports {@code damage} from now on, or no damage if {@code null} (an operator cleared it). */
  void damage(@Nullable SpoolDamage damage) {
    this.damage = damage;
  }

  @Override
  public Optional<SpoolDamage> damage() {
    return Optional.ofNullable(damage);
  }

  @Override
  public SpoolStats stats() {
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
    return stats;
  }

  @Override
  public List<SpoolEntry> list(SpoolState state, int limit) {
    return List.of();
  }

  @Override
  public Optional<SpoolEntry> inspect(long spoolId) {
    return Optional.empty();
  }

  @Override
  public boolean requeue(long spoolId) {
    return false;
  }

  @Override
  public int purgeDelivered(Duration age) {
    return 0;
  }

  @Override
  public int flush() {
    return 0;
  }
}
