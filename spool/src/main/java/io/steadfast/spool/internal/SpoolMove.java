package io.steadfast.spool.internal;

import io.steadfast.spi.SpoolState;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The moves of a spool entry between {@link SpoolState}s, and the states each may start from: one
 * place that both stores translate into SQL, so SQLite and PostgreSQL cannot disagree about which move
 * is legal. A move {@linkplain #underClaim() made under a claim} must also hold the lease token of that
 * claim where the store keeps tokens (both stores do for the reconcile moves; PostgreSQL, shared by a
 * fleet, also for the outcomes of a delivery claim).
 */
public enum SpoolMove {
  /** A dispatcher takes a due pending entry for an attempt. */
  CLAIM(SpoolState.IN_FLIGHT, false, SpoolState.PENDING),
  /** The attempt's answer was lost: the entry waits to be looked up in SparkPost's events. */
  MARK_RECONCILING(SpoolState.RECONCILING, true, SpoolState.IN_FLIGHT),
  /**
   * A dispatcher takes a due reconciling entry, or an in-flight entry whose lease expired (its
   * dispatcher died mid-attempt), to look it up; no attempt is counted.
   */
  CLAIM_RECONCILING(SpoolState.RECONCILING, false, SpoolState.RECONCILING, SpoolState.IN_FLIGHT),
  /** The lookup found nothing yet (or failed): the entry waits for the next one. */
  DEFER_RECONCILING(SpoolState.RECONCILING, true, SpoolState.RECONCILING),
  /** SparkPost accepted it, by its reply or by its events. */
  MARK_DELIVERED(SpoolState.DELIVERED, true, SpoolState.IN_FLIGHT, SpoolState.RECONCILING),
  /** Not sent (or, after the lookups, never taken): try again later with the same key. */
  RESCHEDULE(SpoolState.PENDING, true, SpoolState.IN_FLIGHT, SpoolState.RECONCILING),
  /** Given up on. */
  DEAD_LETTER(SpoolState.DEAD, true, SpoolState.PENDING, SpoolState.IN_FLIGHT, SpoolState.RECONCILING),
  /** An operator sends a dead letter again. */
  REQUEUE(SpoolState.PENDING, false, SpoolState.DEAD),
  /** At start-up, an attempt the previous run left unfinished is looked up before any re-send. */
  RECOVER(SpoolState.RECONCILING, false, SpoolState.IN_FLIGHT);

  /** The states of mail not yet delivered nor given up on, which count against the spool's limits. */
  public static final Set<SpoolState> UNDELIVERED =
      EnumSet.of(SpoolState.PENDING, SpoolState.IN_FLIGHT, SpoolState.RECONCILING);
  /** The states an entry is leased in, so a claim can hold it. */
  private static final Set<SpoolState> LEASED = EnumSet.of(SpoolState.IN_FLIGHT, SpoolState.RECONCILING);

  private final SpoolState target;
  private final boolean underClaim;
  private final Set<SpoolState> sources;

  SpoolMove(SpoolState target, boolean underClaim, SpoolState first, SpoolState... rest) {
    this.target = target;
    this.underClaim = underClaim;
    this.sources = EnumSet.of(first, rest);
  }

  /** Returns the state the entry ends in. */
  public SpoolState target() {
    return target;
  }

  /** Returns whether a dispatcher makes the move with a claim it holds (the Claimed variants). */
  public boolean underClaim() {
    return underClaim;
  }

  /** Returns the states the move may start from. */
  public Set<SpoolState> sources() {
    return sources;
  }

  /**
   * Returns the SQL condition that {@code column} is a state the move may start from, e.g.
   * {@code state IN ('IN_FLIGHT', 'RECONCILING')}.
   */
  public String from(String column) {
    return in(column, sources);
  }

  /**
   * Returns the SQL condition that {@code column} is a state the move may start from when a claim makes
   * it: only the leased states, since a claim holds nothing else.
   */
  public String fromClaimed(String column) {
    Set<SpoolState> leased = EnumSet.copyOf(sources);
    leased.retainAll(LEASED);
    return in(column, leased);
  }

  /** Returns the SQL condition that {@code column} is one of {@code states}. */
  public static String in(String column, Set<SpoolState> states) {
    return column + " IN (" + states.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", ")) + ")";
  }

  /** Returns the SQL condition that {@code column} is an undelivered state. */
  public static String undelivered(String column) {
    return in(column, UNDELIVERED);
  }
}
