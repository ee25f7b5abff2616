package io.steadfast;

import io.steadfast.spi.Failure;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost refused this message for a reason that will not change on retry (HTTP 400, 404, 409,
 * 413, 422, an SMTP 5xx reply): for example an unconfigured sending domain or an invalid template.
 *
 * <p>It is also what a send ends with when SparkPost answers 200 but accepts none of the recipients
 * ({@code total_accepted_recipients: 0}): nothing will be delivered, and {@link #recipientErrors()}
 * says why each recipient was refused, as far as SparkPost said.
 */
public final class RejectedByProviderException extends PermanentException {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // List.copyOf returns a serializable list.
  private final List<RecipientError> recipientErrors;

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
    this(failure, route, attempts, idempotencyKey, List.of());
  }

  /**
   * Creates the exception for a message SparkPost refused recipient by recipient.
   *
   * @param failure what the transport observed
   * @param route the route that rejected the message
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   * @param recipientErrors why SparkPost refused each recipient; may be empty if it did not say
   */
  public RejectedByProviderException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey, List<RecipientError> recipientErrors) {
    super(text(failure, route, attempts, recipientErrors), failure, route, attempts, idempotencyKey);
    this.recipientErrors = List.copyOf(recipientErrors);
  }

  /** Returns why SparkPost refused each recipient, when it refused them all; otherwise empty. */
  public List<RecipientError> recipientErrors() {
    return recipientErrors;
  }

  private static String text(Failure failure, String route, int attempts, List<RecipientError> recipientErrors) {
    if (recipientErrors.isEmpty()) {
      return "SparkPost rejected the message (" + failure.summary() + ")" + where(route, attempts)
          + providerText(failure) + requestIdSuffix(failure)
          + ". Fix the message or the account setting named above; retrying unchanged will fail again.";
    }
    return "SparkPost accepted none of the message's recipients (" + failure.summary() + ")" + where(route, attempts)
        + requestIdSuffix(failure) + ": "
        + recipientErrors.stream().map(RecipientError::describe).collect(Collectors.joining("; "))
        + ". Nothing will be delivered; fix the recipients named above, retrying unchanged will fail again.";
  }
}
