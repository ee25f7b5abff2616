package io.steadfast;

import io.steadfast.spi.Failure;
import org.jspecify.annotations.Nullable;

/**
 * The request reached SparkPost but no answer came back (a read timeout, or the connection dropped
 * after the body was written): SparkPost may have accepted the message.
 *
 * <p>SparkPost does not deduplicate requests, so a retry may send a second email. Retry with the same
 * idempotency key, which SparkPost reports in the events of both copies, or check SparkPost's message
 * events for the key before retrying.
 */
public final class DeliveryUnknownException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the last attempt.
   *
   * @param failure what the transport observed
   * @param route the route whose answer was lost
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   */
  public DeliveryUnknownException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super("No answer from SparkPost after the message was sent" + where(route, attempts) + ": "
        + failure.summary() + requestIdSuffix(failure)
        + ". SparkPost may have accepted it; retry only with the same idempotency key on the same"
        + " route, or look the key up in SparkPost's message events first.",
        failure, route, attempts, idempotencyKey, null);
  }

  /** Returns {@code true}: SparkPost may have accepted the message. */
  @Override
  public boolean mayHaveBeenSent() {
    return true;
  }
}
