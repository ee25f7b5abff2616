package io.steadfast;

import io.steadfast.spi.Failure;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost could not be reached or answered with a server error (HTTP 5xx or 408, an SMTP 4xx
 * reply): the message was not sent and may be retried.
 */
public final class ProviderUnavailableException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the last failed attempt.
   *
   * @param failure what the transport observed
   * @param route the route that failed, e.g. {@code rest-us}
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   * @param retryAfter the server's Retry-After, or {@code null} if it sent none
   */
  public ProviderUnavailableException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey, @Nullable Duration retryAfter) {
    super("SparkPost is unavailable" + where(route, attempts) + ": " + failure.summary()
        + providerText(failure) + requestIdSuffix(failure)
        + ". The message was not sent; retry later with the same idempotency key, or submit() it to"
        + " the spool so it is delivered when SparkPost recovers.",
        failure, route, attempts, idempotencyKey, retryAfter);
  }
}
