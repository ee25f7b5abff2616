package io.steadfast.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A spool's storage was found damaged and its readable entries were salvaged into a fresh spool, but
 * some entries could not be read: acknowledged mail that Steadfast can no longer deliver. It stays
 * reported (health DOWN, {@code drain} and {@code dispatch} never exit 0) until an operator has dealt
 * with the unreadable entries and cleared it explicitly.
 *
 * @param damagedCopy where the damaged original is kept, unchanged, for inspection or recovery by hand
 * @param foundAt when the damage was found
 * @param recovered how many entries were salvaged into the fresh spool
 * @param unreadable how many entries could not be read (at least this many; {@code -1} if unknown)
 * @param unreadableKeys the idempotency keys of unreadable entries, where an index still named them
 */
public record SpoolDamage(String damagedCopy, Instant foundAt, long recovered, long unreadable,
    List<String> unreadableKeys) {

  /** Checks the parts and copies the keys. */
  public SpoolDamage {
    Objects.requireNonNull(damagedCopy, "damagedCopy");
    Objects.requireNonNull(foundAt, "foundAt");
    unreadableKeys = List.copyOf(Objects.requireNonNull(unreadableKeys, "unreadableKeys"));
  }

  /** Returns the one sentence every surface (CLI, health, logs) shows for this damage. */
  public String summary() {
    String lost = unreadable < 0 ? "an unknown number unreadable" : unreadable + " unreadable";
    return "The spool was damaged (found " + foundAt + "): " + recovered + " entries recovered, " + lost
        + "; the damaged file is kept at " + damagedCopy + ". Re-send or give up the unreadable messages, then "
        + "clear this with 'steadfast spool clear-damage'.";
  }
}
