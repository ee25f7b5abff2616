package io.steadfast;

import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Looks into and repairs a client's spool: statistics, entries, dead letters. Obtain it with
 * {@link EmailClient#spoolOperations()}. Thread-safe.
 */
public interface SpoolOperations {

  /** Returns counts by state, stored bytes, the age of the oldest undelivered message and dead count. */
  SpoolStats stats();

  /**
   * Returns up to {@code limit} entries in {@code state}, oldest first.
   *
   * @throws IllegalArgumentException if {@code limit} is less than 1
   */
  List<SpoolEntry> list(SpoolState state, int limit);

  /** Returns the entry with {@code spoolId}, if the spool still holds it. */
  Optional<SpoolEntry> inspect(long spoolId);

  /**
   * Returns the dead letter {@code spoolId} to the queue, due now, with a fresh deliver-by deadline.
   *
   * @return whether the entry was a dead letter and is now queued
   */
  boolean requeue(long spoolId);

  /**
   * Deletes delivered entries older than {@code age}; their keys are forgotten, so a resubmit of one
   * would send it again.
   *
   * @return how many entries were deleted
   * @throws IllegalArgumentException if {@code age} is negative
   */
  int purgeDelivered(Duration age);

  /**
   * Makes every pending entry due now, whatever it waits for (Postfix's {@code postqueue -f}): for an
   * operator who knows SparkPost is back, or has fixed a quota or key. The dispatcher then delivers
   * them oldest first at the pace SparkPost allows. Entries being delivered or reconciled are left
   * alone. The dispatcher flushes by itself when a route recovers from an outage; this is the manual
   * lever.
   *
   * @return how many entries became due
   */
  int flush();

  /**
   * Returns the damage found in the spool's storage whose unreadable entries nobody has cleared yet; a
   * health check reports it as DOWN. The default reports none.
   */
  default Optional<SpoolDamage> damage() {
    return Optional.empty();
  }
}
