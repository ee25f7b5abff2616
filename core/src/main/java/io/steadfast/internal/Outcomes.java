package io.steadfast.internal;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.IdempotencyKey;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.RateLimitedException;
import io.steadfast.RejectedByProviderException;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SteadfastException;
import io.steadfast.spi.Outcome;

/** Turns a transport's {@link Outcome} into what the caller sees: a receipt or a typed exception. */
public final class Outcomes {
  private Outcomes() {}

  /** Returns the receipt for an accepted outcome. */
  public static SendReceipt receipt(Outcome.Accepted accepted, IdempotencyKey key, String route, int attempts) {
    return new SendReceipt(accepted.transmissionId(), accepted.acceptedRecipients(),
        accepted.rejectedRecipients(), key, route, attempts, accepted.requestId(), false, accepted.recipientErrors());
  }

  /** Returns the exception that reports a failed outcome. */
  public static SteadfastException exception(Outcome outcome, IdempotencyKey key, String route, int attempts) {
    if (outcome instanceof Outcome.NotSent notSent) {
      return switch (notSent.reason()) {
        case UNAVAILABLE -> new ProviderUnavailableException(
            notSent.failure(), route, attempts, key, notSent.retryAfter());
        case RATE_LIMITED -> new RateLimitedException(notSent.failure(), route, attempts, key, notSent.retryAfter());
        case QUOTA_EXCEEDED -> new SendingLimitExceededException(notSent.failure(), route, attempts, key);
      };
    }
    if (outcome instanceof Outcome.Unknown unknown) {
      return new DeliveryUnknownException(unknown.failure(), route, attempts, key);
    }
    if (outcome instanceof Outcome.Rejected rejected) {
      return rejected.reason() == Outcome.Rejected.Reason.AUTHENTICATION
          ? new AuthenticationFailedException(rejected.failure(), route, attempts, key)
          : new RejectedByProviderException(rejected.failure(), route, attempts, key, rejected.recipientErrors());
    }
    throw new IllegalArgumentException("not a failure: " + outcome);
  }
}
