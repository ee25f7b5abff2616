package io.steadfast.http.internal;

import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.MessageOptions;
import io.steadfast.Recipient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Message} and its idempotency key into the Transmissions JSON, sending only the
 * fields the caller set.
 *
 * <p>Sources: the Transmissions API (developers.sparkpost.com/api/transmissions: transmission,
 * options, inline content, attachment and template attributes), the Recipient Lists API for the
 * recipient and address objects, and SparkPost's Cc/Bcc guidance (support article "How do I send a
 * message with CC or BCC recipients?", mirrored in SparkPost's client libraries): every copy is its own
 * recipient, a Cc or Bcc copy carries {@code address.header_to} (the primary recipient, shown in its
 * {@code To} header), and visible Cc addresses go in a {@code CC} header in {@code content.headers}.
 */
final class TransmissionMapper {

  /**
   * SparkPost's documented {@code start_time} format, {@code YYYY-MM-DDTHH:MM:SS+-HH:MM}: always an
   * offset ({@code +00:00}), never {@code Z}, and no fraction of a second.
   */
  private static final DateTimeFormatter START_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

  /** RFC 5322 3.2.3 atext, the characters a display name may hold without quotes (plus spaces). */
  private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

  private TransmissionMapper() {}

  /** Returns the transmission for {@code message}, carrying {@code key} in its metadata. */
  static TransmissionJson toJson(Message message, IdempotencyKey key) {
    Map<String, Object> metadata = new LinkedHashMap<>(message.metadata());
    // SparkPost does not deduplicate; the key rides in metadata so it appears in every event and
    // webhook of the message, where reconciliation can find it.
    metadata.put(IdempotencyKey.METADATA_FIELD, key.value());
    return new TransmissionJson(
        options(message.options()),
        message.campaignId(),
        message.description(),
        message.returnPath() == null ? null : message.returnPath().email(),
        metadata,
        emptyToNull(message.substitutionData()),
        recipients(message),
        content(message));
  }

  /** Formats {@code startTime} as SparkPost documents it, e.g. {@code 2026-11-25T10:00:00+00:00}. */
  static String startTime(Instant startTime) {
    return START_TIME.format(startTime.truncatedTo(ChronoUnit.SECONDS));
  }

  private static TransmissionJson.@Nullable OptionsJson options(MessageOptions options) {
    if (options.isEmpty()) {
      return null;
    }
    return new TransmissionJson.OptionsJson(
        options.startTime() == null ? null : startTime(options.startTime()),
        options.openTracking(),
        options.clickTracking(),
        options.transactional(),
        options.sandbox(),
        options.skipSuppression(),
        options.ipPool(),
        options.inlineCss(),
        options.performSubstitutions());
  }

  private static Object recipients(Message message) {
    if (message.recipientListId() != null) {
      return new TransmissionJson.ListIdJson(message.recipientListId());
    }
    // The message always has a To recipient when it has Cc or Bcc ones (core checks it).
    String headerTo = message.recipients().stream()
        .filter(r -> r.kind() == Recipient.Kind.TO)
        .map(r -> r.address().email())
        .findFirst()
        .orElse(null);
    List<TransmissionJson.RecipientJson> recipients = new ArrayList<>(message.recipients().size());
    for (Recipient recipient : message.recipients()) {
      EmailAddress address = recipient.address();
      Set<String> tags = new LinkedHashSet<>(recipient.tags());
      tags.addAll(message.tags());
      recipients.add(new TransmissionJson.RecipientJson(
          new TransmissionJson.AddressJson(address.email(), address.name(),
              recipient.kind() == Recipient.Kind.TO ? null : headerTo),
          tags.isEmpty() ? null : List.copyOf(tags),
          emptyToNull(recipient.metadata()),
          emptyToNull(recipient.substitutionData())));
    }
    return recipients;
  }

  private static Object content(Message message) {
    switch (message.contentKind()) {
      case TEMPLATE:
        return new TransmissionJson.TemplateContentJson(
            Objects.requireNonNull(message.templateId()), message.useDraftTemplate() ? Boolean.TRUE : null);
      case RFC822:
        return new TransmissionJson.Rfc822ContentJson(Objects.requireNonNull(message.rfc822()));
      case INLINE:
      default:
        return inlineContent(message);
    }
  }

  private static TransmissionJson.InlineContentJson inlineContent(Message message) {
    EmailAddress from = Objects.requireNonNull(message.from(), "from");
    Map<String, String> headers = new LinkedHashMap<>(message.headers());
    String cc = message.recipients().stream()
        .filter(r -> r.kind() == Recipient.Kind.CC)
        .map(r -> format(r.address()))
        .collect(Collectors.joining(", "));
    if (!cc.isEmpty()) {
      // SparkPost shows Cc recipients only through this header; Bcc copies never appear in any header.
      headers.put("CC", cc);
    }
    return new TransmissionJson.InlineContentJson(
        from.name() == null ? from.email() : new TransmissionJson.FromJson(from.email(), from.name()),
        Objects.requireNonNull(message.subject(), "subject"),
        message.text(),
        message.html(),
        message.ampHtml(),
        message.replyTo() == null ? null : format(message.replyTo()),
        headers.isEmpty() ? null : headers,
        attachments(message.attachments()),
        attachments(message.inlineImages()));
  }

  private static @Nullable List<TransmissionJson.AttachmentJson> attachments(List<Attachment> attachments) {
    if (attachments.isEmpty()) {
      return null;
    }
    // Base64 without line breaks: SparkPost adds them ("The string should not contain \r\n").
    Base64.Encoder base64 = Base64.getEncoder();
    List<TransmissionJson.AttachmentJson> json = new ArrayList<>(attachments.size());
    for (Attachment attachment : attachments) {
      json.add(new TransmissionJson.AttachmentJson(
          attachment.name(), attachment.contentType(), base64.encodeToString(attachment.content())));
    }
    return json;
  }

  /**
   * Formats {@code address} for a header value: {@code email}, or {@code Name <email>} with the name
   * quoted as an RFC 5322 quoted-string when it holds anything but atext and single spaces.
   *
   * <p>Non-ASCII letters are left as they are: SparkPost expects header values in UTF-8 and applies
   * RFC 2047 encoding itself ("Each header value is expected in the UTF-8 charset without RFC2047
   * encoding").
   */
  static String format(EmailAddress address) {
    String name = address.name();
    if (name == null) {
      return address.email();
    }
    return (needsQuoting(name) ? quote(name) : name) + " <" + address.email() + ">";
  }

  private static boolean needsQuoting(String name) {
    if (name.startsWith(" ") || name.endsWith(" ") || name.contains("  ")) {
      return true;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean atext = c >= 0x80 || Character.isLetterOrDigit(c) || ATEXT_SPECIALS.indexOf(c) >= 0;
      if (!atext && c != ' ') {
        return true;
      }
    }
    return false;
  }

  private static String quote(String name) {
    StringBuilder quoted = new StringBuilder(name.length() + 2).append('"');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      // RFC 5322 3.2.4: inside a quoted-string, DQUOTE and backslash travel as quoted-pairs.
      if (c == '"' || c == '\\') {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return quoted.append('"').toString();
  }

  private static @Nullable Map<String, Object> emptyToNull(Map<String, Object> map) {
    return map.isEmpty() ? null : map;
  }
}
