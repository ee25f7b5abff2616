package io.steadfast;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Per-send overrides.
 *
 * @param idempotencyKey the key to send the message with, or {@code null} to use the message's own
 *     key or generate one
 * @param deadline the longest this call may take, waits included, or {@code null} for the retry
 *     policy's deadline
 * @param reconcile {@code true} to have an attempt whose answer was lost looked up in SparkPost's message
 *     events within the call (waiting the {@link ReconcilePolicy}'s settle delay, and its recheck delay
 *     if nothing shows), instead of throwing {@link DeliveryUnknownException} at once: the call then
 *     returns a receipt {@linkplain SendReceipt#confirmedFromEvents() confirmed from events}, throws
 *     {@link RejectedByProviderException} for a rejection event, re-sends with the same key if two
 *     searches find nothing, and throws {@link DeliveryUnknownException} only if the events cannot tell
 */
public record SendOptions(@Nullable IdempotencyKey idempotencyKey, @Nullable Duration deadline, boolean reconcile) {

  /** No overrides. */
  public static final SendOptions NONE = new SendOptions(null, null, false);

  /** Creates options that do not reconcile within the call. */
  public SendOptions(@Nullable IdempotencyKey idempotencyKey, @Nullable Duration deadline) {
    this(idempotencyKey, deadline, false);
  }

  /**
   * Checks the deadline is positive.
   *
   * @throws IllegalArgumentException if the deadline is zero or negative
   */
  public SendOptions {
    if (deadline != null && (deadline.isZero() || deadline.isNegative())) {
      throw new IllegalArgumentException("deadline must be positive but was " + deadline);
    }
  }

  /** Returns options that send with {@code idempotencyKey}. */
  public static SendOptions idempotencyKey(IdempotencyKey idempotencyKey) {
    return new SendOptions(java.util.Objects.requireNonNull(idempotencyKey, "idempotencyKey"), null, false);
  }

  /** Returns a copy of these options with {@code deadline}. */
  public SendOptions withDeadline(Duration deadline) {
    return new SendOptions(idempotencyKey, java.util.Objects.requireNonNull(deadline, "deadline"), reconcile);
  }

  /** Returns a copy of these options that reconciles a lost answer within the call, or not. */
  public SendOptions withReconcile(boolean reconcile) {
    return new SendOptions(idempotencyKey, deadline, reconcile);
  }
}
