package io.steadfast;

import java.nio.charset.StandardCharsets;
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
      @Nullable String rfc822,
      @Nullable String campaignId,
      @Nullable String description,
      List<String> tags,
      MessageOptions options,
      Map<String, Object> metadata,
      Map<String, Object> substitutionData,
      List<InvalidMessageException.Violation> violations) {
    checkRecipients(recipients, recipientListId, violations);
    checkContent(from, subject, text, html, ampHtml, headers, attachments, inlineImages, templateId,
        rfc822, violations);
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
      @Nullable String rfc822, @Nullable String recipientListId, List<String> tags,
      List<InvalidMessageException.Violation> violations) {
    if (replyTo != null && (templateId != null || rfc822 != null)) {
      violations.add(new InvalidMessageException.Violation("replyTo", "cannot be set with "
          + (templateId != null ? "a stored template" : "RFC 822 content") + ", which carries its own"));
    }
    if (recipientListId != null && !tags.isEmpty()) {
      violations.add(new InvalidMessageException.Violation("tags",
          "cannot be combined with a stored recipient list, whose recipients carry their own tags"));
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

  private static void checkContent(@Nullable EmailAddress from, @Nullable String subject,
      @Nullable String text, @Nullable String html, @Nullable String ampHtml, Map<String, String> headers,
      List<Attachment> attachments, List<Attachment> inlineImages, @Nullable String templateId,
      @Nullable String rfc822, List<InvalidMessageException.Violation> violations) {
    boolean inline = subject != null || text != null || html != null || ampHtml != null;
    int kinds = (inline ? 1 : 0) + (templateId != null ? 1 : 0) + (rfc822 != null ? 1 : 0);
    if (kinds > 1) {
      violations.add(new InvalidMessageException.Violation("content",
          "mixes inline content, a template and RFC 822 content; use exactly one"));
      return;
    }
    if (templateId != null || rfc822 != null) {
      String kind = templateId != null ? "a stored template" : "RFC 822 content";
      if (templateId != null && (templateId.isBlank() || HeaderText.problem(templateId) != null)) {
        violations.add(new InvalidMessageException.Violation("template", "is blank or contains a control character"));
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
  private static long utf8Length(@Nullable String text) {
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
