package io.steadfast;

import io.steadfast.spi.Failure;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost refused this message for a reason that will not change on retry (HTTP 400, 404, 409,
 * 413, 422, an SMTP 5xx reply): for example an unconfigured sending domain or an invalid template.
 */
public final class RejectedByProviderException extends PermanentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the attempt.
   *
   * @param failure what the transport observed, including SparkPost's error code
   * @param route the route that rejected the message
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   */
  public RejectedByProviderException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super("SparkPost rejected the message (" + failure.summary() + ")" + where(route, attempts)
        + providerText(failure) + requestIdSuffix(failure)
        + ". Fix the message or the account setting named above; retrying unchanged will fail again.",
        failure, route, attempts, idempotencyKey);
  }
}
