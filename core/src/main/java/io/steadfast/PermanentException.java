package io.steadfast;

import io.steadfast.spi.Failure;
import org.jspecify.annotations.Nullable;

/** A failure that will repeat: the message, the key or the account must change before a retry. */
public abstract sealed class PermanentException extends SteadfastException
    permits InvalidMessageException, AuthenticationFailedException, RejectedByProviderException,
        IdempotencyConflictException {
  private static final long serialVersionUID = 1L;

  PermanentException(String message, @Nullable Failure failure, @Nullable String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super(message, failure, route, attempts, idempotencyKey);
  }
}
