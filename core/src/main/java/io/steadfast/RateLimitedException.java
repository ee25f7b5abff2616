package io.steadfast;

import io.steadfast.spi.Failure;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost refused the request because too many arrived too quickly (HTTP 429): the message was not
 * sent; retry no sooner than {@link #retryAfter()}.
 */
public final class RateLimitedException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the last failed attempt.
   *
   * @param failure what the transport observed
   * @param route the route that failed
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   * @param retryAfter the server's Retry-After, or {@code null} if it sent none
   */
  public RateLimitedException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey, @Nullable Duration retryAfter) {
    super("SparkPost rate-limited the request (HTTP 429)" + where(route, attempts) + requestIdSuffix(failure)
        + ". The message was not sent; retry "
        + (retryAfter == null ? "after a pause" : "in no less than " + retryAfter.toSeconds() + "s")
        + " and keep at most 10 concurrent connections, as SparkPost advises.",
        failure, route, attempts, idempotencyKey, retryAfter);
  }
}
