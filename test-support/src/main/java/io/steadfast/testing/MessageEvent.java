package io.steadfast.testing;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message event in {@link FakeSparkPost}'s event store, as SparkPost's Events API ({@code GET
 * /api/v1/events/message}) would report it once it is visible.
 *
 * <p>The fake produces one event per recipient of each accepted transmission or recorded SMTP
 * injection: {@value #INJECTION}, or {@value #POLICY_REJECTION} for a suppressed recipient, or
 * {@value #GENERATION_FAILURE} / {@value #GENERATION_REJECTION} when the test made generation fail.
 * SparkPost's accounting rule is that every accepted message produces one of these four
 * (sparkpost.md, "Events API").
 *
 * @param type the event type, such as {@value #INJECTION}
 * @param eventId the event's unique id, a numeric string
 * @param timestamp when the event happened, on the fake's clock, to the millisecond
 * @param injectionTime when SparkPost accepted the message; the same as {@code timestamp} here
 * @param transmissionId the id of the transmission, as the REST answer or SMTP injection reported it
 * @param messageId the per-recipient message id, 20 hex digits like SparkPost's
 * @param rcptTo the recipient address, lower-cased as SparkPost reports it
 * @param rawRcptTo the recipient address as the client wrote it
 * @param rcptMeta the transmission's {@code metadata} merged with the recipient's (the recipient's
 *     value wins), unmodifiable; for SMTP the {@code X-MSYS-API} header's {@code metadata}
 * @param rcptTags the recipient's {@code tags} (for SMTP the header's {@code tags}), unmodifiable
 * @param campaignId the transmission's {@code campaign_id}, or {@code null} if it had none
 * @param templateId the stored template's id ({@code content.template_id}), or {@code null} if the
 *     content was not a stored template
 * @param subaccountId the subaccount from {@code X-MSYS-SUBACCOUNT}, or {@code null} for the master
 *     account
 * @param recvMethod how the message arrived: {@value #REST} or {@value #ESMTP}
 * @param reason why the message was not sent, for rejections and failures, or {@code null} for an
 *     injection
 * @param idempotencyKey the key the fake matched this message by (not a SparkPost field): {@code
 *     rcpt_meta.steadfast_idempotency_key} or the transmission's {@code Idempotency-Key} header, or
 *     {@code null} if there was none
 * @param visibleAt when the Events API starts returning this event (not a SparkPost field): the
 *     timestamp plus the fake's {@linkplain FakeSparkPost#eventLag(java.time.Duration) lag}, or {@code null}
 *     if it never will ({@link FakeSparkPost#loseEventsFor(String)})
 */
public record MessageEvent(
    String type,
    String eventId,
    Instant timestamp,
    Instant injectionTime,
    String transmissionId,
    String messageId,
    String rcptTo,
    String rawRcptTo,
    Map<String, Object> rcptMeta,
    List<String> rcptTags,
    String campaignId,
    String templateId,
    Long subaccountId,
    String recvMethod,
    String reason,
    String idempotencyKey,
    Instant visibleAt) {

  /** The type of the event for a message SparkPost accepted and will try to deliver. */
  public static final String INJECTION = "injection";

  /** The type of the event for a recipient SparkPost refused by policy, e.g. a suppressed one. */
  public static final String POLICY_REJECTION = "policy_rejection";

  /** The type of the event for a message SparkPost could not generate, e.g. a template error. */
  public static final String GENERATION_FAILURE = "generation_failure";

  /** The type of the event for a message SparkPost refused to generate, e.g. by policy. */
  public static final String GENERATION_REJECTION = "generation_rejection";

  /** The {@code recv_method} of a message that arrived over the Transmissions REST API. */
  public static final String REST = "rest";

  /** The {@code recv_method} of a message injected over SMTP. */
  public static final String ESMTP = "esmtp";

  /**
   * Validates and copies the components; {@code rcptMeta} and {@code rcptTags} become unmodifiable
   * deep copies.
   *
   * @param type the event type
   * @param eventId the event id
   * @param timestamp when it happened
   * @param injectionTime when the message was accepted
   * @param transmissionId the transmission id
   * @param messageId the message id
   * @param rcptTo the lower-cased recipient
   * @param rawRcptTo the recipient as written
   * @param rcptMeta the merged metadata
   * @param rcptTags the recipient's tags
   * @param campaignId the campaign, or {@code null}
   * @param templateId the template, or {@code null}
   * @param subaccountId the subaccount, or {@code null}
   * @param recvMethod {@value #REST} or {@value #ESMTP}
   * @param reason the reason, or {@code null}
   * @param idempotencyKey the key, or {@code null}
   * @param visibleAt when it becomes visible, or {@code null} for never
   * @throws NullPointerException if a component not documented as nullable is null
   */
  public MessageEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(injectionTime, "injectionTime");
    Objects.requireNonNull(transmissionId, "transmissionId");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(rcptTo, "rcptTo");
    Objects.requireNonNull(rawRcptTo, "rawRcptTo");
    rcptMeta = Json.copyOfMap(Objects.requireNonNull(rcptMeta, "rcptMeta"));
    rcptTags = List.copyOf(rcptTags);
    Objects.requireNonNull(recvMethod, "recvMethod");
  }

  /**
   * Returns whether the Events API returns this event at {@code now}.
   *
   * @param now the moment of the search, on the fake's clock
   * @return {@code true} if {@link #visibleAt()} is not null and not after {@code now}
   */
  public boolean visibleAt(Instant now) {
    Objects.requireNonNull(now, "now");
    return visibleAt != null && !visibleAt.isAfter(now);
  }

  /** Returns a copy that becomes visible at {@code when}, or never if {@code when} is null. */
  MessageEvent withVisibleAt(Instant when) {
    return new MessageEvent(
        type,
        eventId,
        timestamp,
        injectionTime,
        transmissionId,
        messageId,
        rcptTo,
        rawRcptTo,
        rcptMeta,
        rcptTags,
        campaignId,
        templateId,
        subaccountId,
        recvMethod,
        reason,
        idempotencyKey,
        when);
  }

  /** Returns the event as the Events API's JSON object, without the fake's own fields. */
  Map<String, Object> toWire() {
    Map<String, Object> wire = new LinkedHashMap<>();
    wire.put("type", type);
    wire.put("event_id", eventId);
    wire.put("timestamp", EventsEndpoint.format(timestamp));
    wire.put("injection_time", EventsEndpoint.format(injectionTime));
    wire.put("transmission_id", transmissionId);
    wire.put("message_id", messageId);
    wire.put("rcpt_to", rcptTo);
    wire.put("raw_rcpt_to", rawRcptTo);
    wire.put("rcpt_meta", rcptMeta);
    wire.put("rcpt_tags", rcptTags);
    if (campaignId != null) {
      wire.put("campaign_id", campaignId);
    }
    if (templateId != null) {
      wire.put("template_id", templateId);
    }
    if (subaccountId != null) {
      wire.put("subaccount_id", subaccountId);
    }
    wire.put("recv_method", recvMethod);
    if (reason != null) {
      wire.put("reason", reason);
      // SparkPost's rejection events carry the SMTP-style code of the reason separately.
      if (reason.length() >= 3 && reason.substring(0, 3).chars().allMatch(Character::isDigit)) {
        wire.put("error_code", reason.substring(0, 3));
      }
    }
    return wire;
  }
}
