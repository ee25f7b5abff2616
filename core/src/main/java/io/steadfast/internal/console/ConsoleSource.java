package io.steadfast.internal.console;

import io.steadfast.SpoolOperations;
import io.steadfast.spi.SpoolStats;
import java.time.Instant;
import java.util.Optional;

/**
 * What the console reads of the running client: whether it runs, its spool, its circuits. The starter
 * implements it over what its listener remembered; the CLI over its dispatch client. Thread-safe.
 */
public interface ConsoleSource {

  /**
   * The spool of the running client.
   *
   * @param operations the client's spool operations
   * @param store what holds the spool ({@code sqlite}, {@code postgresql} or {@code memory})
   * @param maxEntries the spool's entry limit
   * @param maxBytes the spool's byte limit
   */
  record SpoolView(SpoolOperations operations, String store, long maxEntries, long maxBytes) {}

  /** Returns whether a client is running. */
  boolean running();

  /** Returns the running client's spool, if it has one. */
  Optional<SpoolView> spool();

  /**
   * Returns the spool's statistics, possibly a moment old, or empty without a running spool.
   *
   * @throws RuntimeException whatever the spool threw when it could not be read
   */
  Optional<SpoolStats> spoolStats();

  /** Forgets any cached spool statistics, because an operator just changed the spool. */
  void spoolChanged();

  /** Returns the current time, against which ages are measured. */
  Instant now();

  /** Returns each route's last reported circuit state and since when, in failover order. */
  CircuitBoard circuits();

  /** Returns what an operator does to give a client without a spool one, for the console's error. */
  String howToAddSpool();
}
