package io.steadfast;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Proof that SparkPost accepted a message.
 *
 * <p>SparkPost may accept a transmission for some of its recipients and refuse others (its 200
 * answer with warning code 2000): {@link #rejectedRecipients()} counts them and
 * {@link #recipientErrors()} says why, as far as SparkPost said. A message none of whose recipients
 * was accepted has no receipt: it fails with {@link RejectedByProviderException}.
 *
 * @param transmissionId SparkPost's transmission id, to look the message up in its events
 * @param acceptedRecipients how many recipients SparkPost accepted
 * @param rejectedRecipients how many recipients SparkPost rejected (for example, suppressed ones)
 * @param idempotencyKey the message's key, the same on every attempt
 * @param route the route that delivered it, e.g. {@code rest-us}
 * @param attempts how many attempts it took, 1 if the first succeeded
 * @param requestId SparkPost's request id, or {@code null} if the response carried none
 * @param confirmedFromEvents {@code true} if the answer to the send was lost and SparkPost's message
 *     events showed it had accepted the message (an {@code injection} event carrying the key), so
 *     nothing was re-sent; {@code false} if SparkPost's reply said so
 * @param recipientErrors why SparkPost refused the rejected recipients (its {@code rcpt_to_errors});
 *     empty if none was refused or SparkPost did not say
 */
public record SendReceipt(
    String transmissionId,
    long acceptedRecipients,
    long rejectedRecipients,
    IdempotencyKey idempotencyKey,
    String route,
    int attempts,
    @Nullable String requestId,
    boolean confirmedFromEvents,
    List<RecipientError> recipientErrors) {

  /** Checks the required parts are present and the counts are sane, and copies the errors. */
  public SendReceipt {
    Objects.requireNonNull(transmissionId, "transmissionId");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(route, "route");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1 but was " + attempts);
    }
    recipientErrors = List.copyOf(recipientErrors);
  }

  /** Creates a receipt without per-recipient errors. */
  public SendReceipt(String transmissionId, long acceptedRecipients, long rejectedRecipients,
      IdempotencyKey idempotencyKey, String route, int attempts, @Nullable String requestId,
      boolean confirmedFromEvents) {
    this(transmissionId, acceptedRecipients, rejectedRecipients, idempotencyKey, route, attempts, requestId,
        confirmedFromEvents, List.of());
  }

  /** Creates a receipt from SparkPost's reply to the send ({@code confirmedFromEvents} false). */
  public SendReceipt(String transmissionId, long acceptedRecipients, long rejectedRecipients,
      IdempotencyKey idempotencyKey, String route, int attempts, @Nullable String requestId) {
    this(transmissionId, acceptedRecipients, rejectedRecipients, idempotencyKey, route, attempts, requestId, false);
  }
}
