package io.steadfast;

import io.steadfast.spi.Failure;
import org.jspecify.annotations.Nullable;

/**
 * The account's sending limit (sandbox, hourly, daily or monthly quota) is reached (HTTP 420): the
 * message was not sent, and retrying within seconds will not help.
 *
 * <p>This is a quota, not a fault: Steadfast never retries it within a call. Retry after the quota
 * resets, or raise the limit in SparkPost.
 */
public final class SendingLimitExceededException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the attempt.
   *
   * @param failure what the transport observed
   * @param route the route that answered 420
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   */
  public SendingLimitExceededException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super("SparkPost's sending limit for this account is exhausted (HTTP 420)" + where(route, attempts)
        + providerText(failure) + requestIdSuffix(failure)
        + ". The message was not sent; retry after the quota resets (hourly, daily or monthly), or ask"
        + " SparkPost to raise the limit. Sandbox sending is limited to a few messages per account.",
        failure, route, attempts, idempotencyKey, null);
  }
}
