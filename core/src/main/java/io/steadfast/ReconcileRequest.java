package io.steadfast;

import io.steadfast.spi.MessageEvents;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a later check needs to learn whether SparkPost accepted a message whose answer was lost: its
 * key, its recipients and the moment before which no attempt was made. Carried by
 * {@link DeliveryUnknownException#reconcileRequest()} and answered by {@link EmailClient#reconcile}.
 *
 * @param idempotencyKey the key the message carried
 * @param recipients the recipients' addresses, as SparkPost's events report them in {@code rcpt_to};
 *     empty for a stored recipient list
 * @param campaignId the message's campaign, or {@code null}; narrows the search for a stored list
 * @param templateId the message's stored template, or {@code null}; narrows the search for a stored list
 * @param sentAfter no attempt of the message started before this moment; the search starts here
 * @param route the route whose answer was lost, or {@code null} if unknown
 */
public record ReconcileRequest(IdempotencyKey idempotencyKey, List<String> recipients, @Nullable String campaignId,
    @Nullable String templateId, Instant sentAfter, @Nullable String route) {

  /** Checks the parts are present and copies the recipients. */
  public ReconcileRequest {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(sentAfter, "sentAfter");
  }

  /** Returns the request for {@code message} sent with {@code key}, no earlier than {@code sentAfter}. */
  public static ReconcileRequest of(Message message, IdempotencyKey key, Instant sentAfter, @Nullable String route) {
    MessageEvents.Lookup lookup = MessageEvents.Lookup.of(message, key, sentAfter);
    return new ReconcileRequest(key, lookup.recipients(), lookup.campaignId(), lookup.templateId(), sentAfter, route);
  }

  /** Returns the events search for this request. */
  public MessageEvents.Lookup lookup() {
    return new MessageEvents.Lookup(idempotencyKey, recipients, campaignId, templateId, sentAfter);
  }
}
