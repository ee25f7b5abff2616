package io.steadfast.spi;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import java.util.Objects;

/**
 * One attempt to deliver a message: what to send, the key it carries, and which attempt this is.
 *
 * @param message the message, already validated
 * @param idempotencyKey the key to send with it, the same on every attempt
 * @param attempt 1 for the first attempt, counting up across retries and routes
 */
public record Delivery(Message message, IdempotencyKey idempotencyKey, int attempt) {
  /** Checks the parts are present and the attempt number is positive. */
  public Delivery {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1 but was " + attempt);
    }
  }
}
