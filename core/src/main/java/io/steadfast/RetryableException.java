package io.steadfast;

import io.steadfast.spi.Failure;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A failure that may go away: sending the same message again, with the same idempotency key, may
 * succeed.
 */
public abstract sealed class RetryableException extends SteadfastException
    permits ProviderUnavailableException, RateLimitedException, SendingLimitExceededException,
        DeliveryUnknownException, SpoolFullException, SpoolUnavailableException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Duration retryAfter;

  RetryableException(String message, Failure failure, @Nullable String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey, @Nullable Duration retryAfter) {
    super(message, failure, route, attempts, idempotencyKey);
    this.retryAfter = retryAfter;
  }

  /** Returns how long the server asked us to wait before trying again, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
