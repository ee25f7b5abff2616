package io.steadfast;

import java.time.Duration;
import java.util.Objects;

/**
 * What Steadfast does when an attempt's answer is lost ({@link DeliveryUnknownException}): SparkPost
 * may have accepted the message, and SparkPost does not deduplicate, so a blind re-send may be a
 * second email.
 *
 * <p>Under {@link Mode#RECONCILE} (the default) a spooled message becomes
 * {@link io.steadfast.spi.SpoolState#RECONCILING}; after {@link #settleDelay()} (SparkPost's events
 * are "generally available within 1 minute") the dispatcher searches SparkPost's message events for
 * the key. An {@code injection} event means SparkPost took it: it is delivered, nothing is re-sent. A
 * {@code policy_rejection}, {@code generation_failure} or {@code generation_rejection} means SparkPost
 * received it and will not send it: it is dead-lettered with SparkPost's reason. Nothing found: it
 * looks once more after {@link #recheckDelay()}, and only then re-sends it with the same key.
 *
 * <pre>{@code
 * SteadfastConfig.builder().apiKey(key)
 *     .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofMinutes(2)))
 * }</pre>
 *
 * @param mode what to do with an unknown outcome, and when the events cannot tell
 * @param settleDelay how long after the lost answer the first search waits
 * @param recheckDelay how long after a search that found nothing the second one waits
 * @param timeout how long the events may fail to answer (Events API down, slow or rate-limited) before
 *     the mode's fallback applies; never more than SparkPost's event retention of 10 days
 */
public record ReconcilePolicy(Mode mode, Duration settleDelay, Duration recheckDelay, Duration timeout) {

  /** Default {@link #settleDelay()}: 90 seconds. */
  public static final Duration DEFAULT_SETTLE_DELAY = Duration.ofSeconds(90);
  /** Default {@link #recheckDelay()}: 90 seconds. */
  public static final Duration DEFAULT_RECHECK_DELAY = Duration.ofSeconds(90);
  /** Default {@link #timeout()}: 30 minutes. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  /** SparkPost keeps message events for 10 days; a search after that finds nothing, whatever happened. */
  public static final Duration EVENT_RETENTION = Duration.ofDays(10);

  /** Reconcile, with the default delays and timeout. */
  public static final ReconcilePolicy DEFAULT =
      new ReconcilePolicy(Mode.RECONCILE, DEFAULT_SETTLE_DELAY, DEFAULT_RECHECK_DELAY, DEFAULT_TIMEOUT);

  /** What to do with an unknown outcome. */
  public enum Mode {
    /**
     * Search SparkPost's events first; when they cannot tell within the timeout (or the API key lacks
     * the "Events Search: Read-only" grant), re-send with the same key.
     */
    RECONCILE,
    /**
     * Re-send at once with the same key, without searching (Steadfast before reconciliation): a
     * duplicate whenever the lost answer was an acceptance.
     */
    RESEND,
    /**
     * Search SparkPost's events first; when they cannot tell, dead-letter the message with reason
     * {@link DeliveryResult.Reason#OUTCOME_UNKNOWN} so a person decides.
     */
    DEAD_LETTER
  }

  /**
   * Checks the parts are present and the durations sensible.
   *
   * @throws IllegalArgumentException if a delay is negative, or the timeout is not positive or is
   *     longer than {@link #EVENT_RETENTION}
   */
  public ReconcilePolicy {
    Objects.requireNonNull(mode, "mode");
    requireNotNegative(settleDelay, "settleDelay");
    requireNotNegative(recheckDelay, "recheckDelay");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(EVENT_RETENTION) > 0) {
      throw new IllegalArgumentException("timeout must be positive and at most " + EVENT_RETENTION
          + " (SparkPost's event retention) but was " + timeout);
    }
  }

  private static void requireNotNegative(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
  }

  /** Returns a copy with {@code mode}. */
  public ReconcilePolicy withMode(Mode mode) {
    return new ReconcilePolicy(mode, settleDelay, recheckDelay, timeout);
  }

  /** Returns a copy with {@code settleDelay}. */
  public ReconcilePolicy withSettleDelay(Duration settleDelay) {
    return new ReconcilePolicy(mode, settleDelay, recheckDelay, timeout);
  }

  /** Returns a copy with {@code recheckDelay}. */
  public ReconcilePolicy withRecheckDelay(Duration recheckDelay) {
    return new ReconcilePolicy(mode, settleDelay, recheckDelay, timeout);
  }

  /** Returns a copy with {@code timeout}. */
  public ReconcilePolicy withTimeout(Duration timeout) {
    return new ReconcilePolicy(mode, settleDelay, recheckDelay, timeout);
  }
}
