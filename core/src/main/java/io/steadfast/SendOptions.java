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
 */
public record SendOptions(@Nullable IdempotencyKey idempotencyKey, @Nullable Duration deadline) {

  /** No overrides. */
  public static final SendOptions NONE = new SendOptions(null, null);

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
    return new SendOptions(java.util.Objects.requireNonNull(idempotencyKey, "idempotencyKey"), null);
  }

  /** Returns a copy of these options with {@code deadline}. */
  public SendOptions withDeadline(Duration deadline) {
    return new SendOptions(idempotencyKey, java.util.Objects.requireNonNull(deadline, "deadline"));
  }
}
