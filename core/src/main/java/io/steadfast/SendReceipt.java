package io.steadfast;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Proof that SparkPost accepted a message.
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
 */
public record SendReceipt(
    String transmissionId,
    long acceptedRecipients,
    long rejectedRecipients,
    IdempotencyKey idempotencyKey,
    String route,
    int attempts,
    @Nullable String requestId,
    boolean confirmedFromEvents) {

  /** Checks the required parts are present and the counts are sane. */
  public SendReceipt {
    Objects.requireNonNull(transmissionId, "transmissionId");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(route, "route");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1 but was " + attempts);
    }
  }

  /** Creates a receipt from SparkPost's reply to the send ({@code confirmedFromEvents} false). */
  public SendReceipt(String transmissionId, long acceptedRecipients, long rejectedRecipients,
      IdempotencyKey idempotencyKey, String route, int attempts, @Nullable String requestId) {
    this(transmissionId, acceptedRecipients, rejectedRecipients, idempotencyKey, route, attempts, requestId, false);
  }
}
