package io.steadfast;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The cross-field rules of a {@link Message}, kept in one place so the constructor and the builder
 * apply exactly the same ones.
 */
final class MessageRules {
  /** Stands in for an address that failed its own check, so the other rules can still run. */
  static final EmailAddress PLACEHOLDER = EmailAddress.of("placeholder@invalid.example");

  static final int MAX_CAMPAIGN_ID_BYTES = 64;
  static final int MAX_DESCRIPTION_BYTES = 1024;

  /**
   * Headers Steadfast or SparkPost write from the message's own fields. Setting them as custom
   * headers would contradict those fields (and {@code Message-ID} is derived from the idempotency key
   * on SMTP), so they are refused with a pointer to the right builder method.
   */
  private static final Map<String, String> RESERVED_HEADERS = Map.of(
      "from", "from(...)",
      "to", "to(...)",
      "cc", "cc(...)",
      "bcc", "bcc(...)",
      "subject", "subject(...)",
      "reply-to", "replyTo(...)",
      "message-id", "idempotencyKey(...) (the Message-ID is derived from it)",
      "content-type", "text(...), html(...) or attachment(...)",
      "content-transfer-encoding", "nothing: SparkPost chooses the encoding",
      "mime-version", "nothing: SparkPost writes it");

  private MessageRules() {}

  static void check(
      @Nullable EmailAddress from,
      List<Recipient> recipients,
      @Nullable String recipientListId,
      @Nullable String subject,
      @Nullable String text,
      @Nullable String html,
      @Nullable String ampHtml,
      Map<String, String> headers,
      List<Attachment> attachments,
      List<Attachment> inlineImages,
      @Nullable String templateId,
      @Nullable String abTestId,
      @Nullable String rfc822,
      @Nullable String campaignId,
      @Nullable String description,
      List<String> tags,
      MessageOptions options,
      Map<String, Object> metadata,
      Map<String, Object> substitutionData,
      List<InvalidMessageException.Violation> violations) {
    checkRecipients(recipients, recipientListId, violations);
    checkContent(from, subject, text, html, ampHtml, headers, attachments, inlineImages,
        templateId != null ? templateId : abTestId, templateId != null ? "template" : "abTest", rfc822, violations);
    checkHeaders(headers, violations);
    checkImages(inlineImages, violations);
    if (campaignId != null) {
      checkLength("campaignId", campaignId, MAX_CAMPAIGN_ID_BYTES, violations);
    }
    if (description != null) {
      checkLength("description", description, MAX_DESCRIPTION_BYTES, violations);
    }
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      if (tag.isBlank() || HeaderText.problem(tag) != null) {
        violations.add(new InvalidMessageException.Violation("tags[" + i + "]",
            "is blank or contains a control character"));
      }
    }
    if (options.ipPool() != null && options.ipPool().isBlank()) {
      violations.add(new InvalidMessageException.Violation("ipPool", "is blank"));
    }
    if (metadata.containsKey(IdempotencyKey.METADATA_FIELD)) {
      violations.add(new InvalidMessageException.Violation("metadata." + IdempotencyKey.METADATA_FIELD,
          "is reserved for the idempotency key; set it with idempotencyKey(...)"));
    }
    long size = estimatedSizeBytes(subject, text, html, ampHtml, rfc822, headers, attachments, inlineImages);
    if (size > Message.MAX_MESSAGE_BYTES) {
      violations.add(new InvalidMessageException.Violation("size", "is about " + size
          + " bytes after encoding, over SparkPost's limit of " + Message.MAX_MESSAGE_BYTES
          + " bytes; link to large files instead of attaching them"));
    }
  }

  /**
   * Refuses combinations the Transmissions API has no place for, rather than dropping a field
   * silently: a stored template or RFC 822 message carries its own Reply-To, and a stored recipient
   * list carries its own tags.
   */
  static void checkCombinations(@Nullable EmailAddress replyTo, @Nullable String templateId,
      @Nullable String abTestId, @Nullable String rfc822, @Nullable String recipientListId, List<String> tags,
      List<InvalidMessageException.Violation> violations) {
    if (templateId != null && abTestId != null) {
      violations.add(new InvalidMessageException.Violation("content",
          "mixes a stored template and a stored A/B test; use exactly one"));
    }
    if (replyTo != null && (templateId != null || abTestId != null || rfc822 != null)) {
      violations.add(new InvalidMessageException.Violation("replyTo", "cannot be set with "
          + (templateId != null ? "a stored template" : abTestId != null ? "a stored A/B test" : "RFC 822 content")
          + ", which carries its own"));
    }
    if (recipientListId != null && !tags.isEmpty()) {
      violations.add(new InvalidMessageException.Violation("tags",
          "cannot be combined with a stored recipient list, whose recipients carry their own tags"));
    }
  }

  private static String storedKind(String storedField) {
    return storedField.equals("template") ? "a stored template" : "a stored A/B test";
  }

  /**
   * Checks the limits SparkPost enforces later, or silently applies, so they fail at build time
   * instead (Transmissions API and Recipient Lists API):
   *
   * <ul>
   *   <li>a Cc recipient with a stored template, A/B test or RFC 822 content: SparkPost adds no
   *       headers to stored content ("headers" is an inline-content attribute) and builds no To or CC
   *       header for {@code email_rfc822}, so the copy would arrive with no CC header anywhere, which
   *       is a Bcc;
   *   <li>{@code perform_substitutions=false} with stored content: the option applies to inline
   *       content only, a stored template keeps its own setting;
   *   <li>metadata over {@link Message#MAX_METADATA_BYTES}, counted as the JSON the REST transport
   *       writes, with the idempotency key it adds: the message's own key if set, otherwise a key of
   *       the longest length allowed ({@value IdempotencyKey#MAX_LENGTH} characters), so a message
   *       that passes cannot be pushed over by the key it gets later;
   *   <li>substitution data over {@link Message#MAX_SUBSTITUTION_DATA_BYTES};
   *   <li>two inline images with one name: a {@code cid:} reference can name only one;
   *   <li>more than {@link Recipient#MAX_TAGS} tags on a recipient, counting the message's tags that
   *       every recipient also gets: SparkPost ignores the rest.
   * </ul>
   */
  static void checkLimits(List<Recipient> recipients, @Nullable String templateId, @Nullable String abTestId,
      @Nullable String rfc822, List<Attachment> inlineImages, List<String> tags, MessageOptions options,
      Map<String, Object> metadata, Map<String, Object> substitutionData, @Nullable IdempotencyKey key,
      List<InvalidMessageException.Violation> violations) {
    String stored = templateId != null ? "a stored template" : abTestId != null ? "a stored A/B test"
        : rfc822 != null ? "RFC 822 content" : null;
    if (stored != null) {
      for (int i = 0; i < recipients.size(); i++) {
        if (recipients.get(i).kind() == Recipient.Kind.CC) {
          violations.add(new InvalidMessageException.Violation("recipients[" + i + "]",
              "is a Cc recipient, but SparkPost adds no CC header to " + stored + ", so the copy would arrive "
                  + "as a hidden Bcc; put the CC header in the " + (rfc822 != null ? "MIME message" : "template")
                  + " and add the address with bcc(...)"));
        }
      }
    }
    if (Boolean.FALSE.equals(options.performSubstitutions()) && (templateId != null || abTestId != null)) {
      violations.add(new InvalidMessageException.Violation("performSubstitutions",
          "false cannot be combined with " + stored + ", which keeps its own setting; leave the option out"));
    }
    long metadataBytes = metadataBytes(metadata, key);
    if (metadataBytes > Message.MAX_METADATA_BYTES) {
      violations.add(new InvalidMessageException.Violation("metadata", "is " + metadataBytes
          + " bytes of JSON with the idempotency key Steadfast adds, over SparkPost's limit of "
          + Message.MAX_METADATA_BYTES + " bytes; keep bulky data out of metadata"));
    }
    long substitutionBytes = substitutionData.isEmpty() ? 0 : JsonValues.serializedBytes(substitutionData);
    if (substitutionBytes > Message.MAX_SUBSTITUTION_DATA_BYTES) {
      violations.add(new InvalidMessageException.Violation("substitutionData", "is " + substitutionBytes
          + " bytes of JSON, over SparkPost's limit of " + Message.MAX_SUBSTITUTION_DATA_BYTES + " bytes"));
    }
    Map<String, Integer> imageNames = new java.util.HashMap<>();
    for (int i = 0; i < inlineImages.size(); i++) {
      Integer first = imageNames.putIfAbsent(inlineImages.get(i).name(), i);
      if (first != null) {
        violations.add(new InvalidMessageException.Violation("inlineImages[" + i + "].name", "'"
            + EmailAddress.sanitise(inlineImages.get(i).name()) + "' is also the name of inlineImages[" + first
            + "]; a cid: reference can name only one image, so give each its own name"));
      }
    }
    if (new java.util.LinkedHashSet<>(tags).size() > Recipient.MAX_TAGS) {
      violations.add(new InvalidMessageException.Violation("tags", "has " + tags.size()
          + " tags, over SparkPost's limit of " + Recipient.MAX_TAGS + " per recipient (it ignores the rest)"));
    }
    for (int i = 0; i < recipients.size(); i++) {
      java.util.Set<String> all = new java.util.LinkedHashSet<>(recipients.get(i).tags());
      all.addAll(tags);
      if (all.size() > Recipient.MAX_TAGS && !recipients.get(i).tags().isEmpty()) {
        violations.add(new InvalidMessageException.Violation("recipients[" + i + "].tags", "has " + all.size()
            + " tags with the message's, over SparkPost's limit of " + Recipient.MAX_TAGS
            + " per recipient (it ignores the rest)"));
      }
    }
  }

  /**
   * Returns the size in bytes of the {@code metadata} JSON the REST transport sends: the caller's
   * fields, then the idempotency key's. Without a key yet, counts one of the longest length allowed.
   */
  static long metadataBytes(Map<String, Object> metadata, @Nullable IdempotencyKey key) {
    long keyValueBytes = key != null ? key.value().length() : IdempotencyKey.MAX_LENGTH;
    // "steadfast_idempotency_key":"<key>" (a key is printable ASCII other than space: only " and \ escape).
    long keyBytes = IdempotencyKey.METADATA_FIELD.length() + 2 + 1 + 2 + keyValueBytes;
    if (key != null) {
      keyBytes += key.value().chars().filter(c -> c == '"' || c == '\\').count();
    }
    return JsonValues.serializedBytes(metadata) + (metadata.isEmpty() ? 0 : 1) + keyBytes;
  }

  /** See {@link Message#checkStartTime}. */
  static void checkStartTime(@Nullable Instant startTime, Instant now,
      List<InvalidMessageException.Violation> violations) {
    if (startTime == null) {
      return;
    }
    if (startTime.isAfter(now.plus(Message.MAX_SCHEDULE_AHEAD))) {
      violations.add(new InvalidMessageException.Violation("startTime", "is " + startTime + ", more than "
          + Message.MAX_SCHEDULE_AHEAD.toDays() + " days after now (" + now + "), SparkPost's limit for scheduling"));
    } else if (startTime.isBefore(now.minus(Message.START_TIME_TOLERANCE))) {
      violations.add(new InvalidMessageException.Violation("startTime", "is " + startTime
          + ", in the past (now is " + now + ", tolerance " + Message.START_TIME_TOLERANCE.toSeconds()
          + " s); leave startTime out to send now"));
    }
  }

  private static void checkRecipients(List<Recipient> recipients, @Nullable String recipientListId,
      List<InvalidMessageException.Violation> violations) {
    if (recipientListId != null) {
      if (!recipients.isEmpty()) {
        violations.add(new InvalidMessageException.Violation("recipients",
            "cannot be combined with a stored recipient list; use one or the other"));
      }
      if (recipientListId.isBlank() || HeaderText.problem(recipientListId) != null) {
        violations.add(new InvalidMessageException.Violation("recipientList", "is blank or contains a control character"));
      }
      return;
    }
    if (recipients.isEmpty()) {
      violations.add(new InvalidMessageException.Violation("recipients",
          "is empty; add at least one with to(...) or name a stored list with recipientList(...)"));
      return;
    }
    boolean hasTo = recipients.stream().anyMatch(r -> r.kind() == Recipient.Kind.TO);
    if (!hasTo) {
      // SparkPost sends Cc and Bcc copies with header_to set to the primary recipient's address.
      violations.add(new InvalidMessageException.Violation("recipients",
          "has Cc or Bcc recipients but no To recipient; add one with to(...)"));
    }
  }

  /**
   * Checks the content. {@code templateId} is the stored template or A/B test (whichever is set) and
   * {@code storedField} its builder name: both are stored content with the same rules.
   */
  private static void checkContent(@Nullable EmailAddress from, @Nullable String subject,
      @Nullable String text, @Nullable String html, @Nullable String ampHtml, Map<String, String> headers,
      List<Attachment> attachments, List<Attachment> inlineImages, @Nullable String templateId,
      String storedField, @Nullable String rfc822, List<InvalidMessageException.Violation> violations) {
    boolean inline = subject != null || text != null || html != null || ampHtml != null;
    int kinds = (inline ? 1 : 0) + (templateId != null ? 1 : 0) + (rfc822 != null ? 1 : 0);
    if (kinds > 1) {
      violations.add(new InvalidMessageException.Violation("content",
          "mixes inline content, a template and RFC 822 content; use exactly one (an A/B test counts as a template)"));
      return;
    }
    if (templateId != null || rfc822 != null) {
      String kind = templateId != null ? storedKind(storedField) : "RFC 822 content";
      if (templateId != null && (templateId.isBlank() || HeaderText.problem(templateId) != null)) {
        violations.add(new InvalidMessageException.Violation(storedField, "is blank or contains a control character"));
      }
      if (rfc822 != null && rfc822.isBlank()) {
        violations.add(new InvalidMessageException.Violation("rfc822", "is blank"));
      }
      // SparkPost takes sender, headers and attachments from the template or the MIME message itself.
      if (from != null) {
        violations.add(new InvalidMessageException.Violation("from", "cannot be set with " + kind + ", which carries its own"));
      }
      if (!headers.isEmpty() || !attachments.isEmpty() || !inlineImages.isEmpty()) {
        violations.add(new InvalidMessageException.Violation("content",
            "headers, attachments and inline images cannot be combined with " + kind));
      }
      return;
    }
    if (from == null) {
      violations.add(new InvalidMessageException.Violation("from", "is missing; set it with from(...)"));
    }
    if (subject == null) {
      violations.add(new InvalidMessageException.Violation("subject", "is missing; set it with subject(...)"));
    } else {
      String problem = HeaderText.problem(subject);
      if (problem != null) {
        violations.add(new InvalidMessageException.Violation("subject", problem));
      }
    }
    if (text == null && html == null && ampHtml == null) {
      violations.add(new InvalidMessageException.Violation("content",
          "has no body; set text(...), html(...) or ampHtml(...), or use template(...)"));
    } else if (ampHtml != null && text == null && html == null) {
      // AMP for Email: clients without AMP show the text or HTML part, so one must exist.
      violations.add(new InvalidMessageException.Violation("ampHtml",
          "needs a text or HTML body beside it, which clients without AMP show; add text(...) or html(...)"));
    }
  }

  private static void checkHeaders(Map<String, String> headers, List<InvalidMessageException.Violation> violations) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey();
      String field = "headers." + EmailAddress.sanitise(name);
      if (!isHeaderName(name)) {
        violations.add(new InvalidMessageException.Violation(field,
            "is not a valid header name (printable ASCII without spaces or ':', RFC 5322 2.2)"));
        continue;
      }
      String reserved = RESERVED_HEADERS.get(name.toLowerCase(Locale.ROOT));
      if (reserved != null) {
        violations.add(new InvalidMessageException.Violation(field, "is set by Steadfast; use " + reserved));
      }
      String problem = HeaderText.problem(header.getValue());
      if (problem != null) {
        violations.add(new InvalidMessageException.Violation(field, "value " + problem));
      }
    }
  }

  private static void checkImages(List<Attachment> inlineImages, List<InvalidMessageException.Violation> violations) {
    for (int i = 0; i < inlineImages.size(); i++) {
      Attachment image = inlineImages.get(i);
      if (!image.contentType().startsWith("image/")) {
        violations.add(new InvalidMessageException.Violation("inlineImages[" + i + "].contentType",
            "'" + image.contentType() + "' is not an image type; attach other files with attachment(...)"));
      }
      if (image.name().indexOf(' ') >= 0) {
        violations.add(new InvalidMessageException.Violation("inlineImages[" + i + "].name",
            "contains a space, which a cid: reference cannot hold"));
      }
    }
  }

  private static void checkLength(String field, String value, int maxBytes,
      List<InvalidMessageException.Violation> violations) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      violations.add(new InvalidMessageException.Violation(field,
          "is " + bytes + " bytes, over SparkPost's limit of " + maxBytes));
    }
    if (value.isBlank() || HeaderText.problem(value) != null) {
      violations.add(new InvalidMessageException.Violation(field, "is blank or contains a control character"));
    }
  }

  private static boolean isHeaderName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == ':') {
        return false;
      }
    }
    return true;
  }

  static long estimatedSizeBytes(@Nullable String subject, @Nullable String text, @Nullable String html,
      @Nullable String ampHtml, @Nullable String rfc822, Map<String, String> headers,
      List<Attachment> attachments, List<Attachment> inlineImages) {
    long size = utf8Length(subject) + utf8Length(text) + utf8Length(html) + utf8Length(ampHtml)
        + utf8Length(rfc822);
    for (Map.Entry<String, String> header : headers.entrySet()) {
      size += utf8Length(header.getKey()) + utf8Length(header.getValue()) + 4;
    }
    for (Attachment attachment : attachments) {
      size += attachment.encodedSizeBytes();
    }
    for (Attachment image : inlineImages) {
      size += image.encodedSizeBytes();
    }
    return size;
  }

  /** Counts UTF-8 bytes without allocating, so sizing a large body stays cheap. */
  static long utf8Length(@Nullable String text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
