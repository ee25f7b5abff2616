package io.steadfast.http.internal;

import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.MessageOptions;
import io.steadfast.Recipient;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link Message} and its idempotency key as the Transmissions JSON, sending only the fields
 * the caller set, straight from the message into the bytes sent ({@link JsonBytes}, which writes what
 * Jackson's streaming generator wrote before it): no DTOs, no bean serialisation, no intermediate
 * base64 strings.
 *
 * <p>Sources: the Transmissions API (developers.sparkpost.com/api/transmissions: transmission,
 * options, inline content, attachment and template attributes), the Recipient Lists API for the
 * recipient and address objects, and SparkPost's Cc/Bcc guidance (support article "How do I send a
 * message with CC or BCC recipients?", mirrored in SparkPost's client libraries): every copy is its own
 * recipient, a Cc or Bcc copy carries {@code address.header_to} (the primary recipient, shown in its
 * {@code To} header), and visible Cc addresses go in a {@code CC} header in {@code content.headers}.
 *
 * <p>Fields are written in one fixed order (transmission: options, campaign_id, description,
 * return_path, metadata, substitution_data, recipients, content), the order of the Jackson DTOs this
 * writer replaced, so the bytes sent did not change; the expected JSON in this module's tests pins it.
 */
final class TransmissionWriter {

  /** The header SparkPost shows Cc recipients through. */
  private static final String CC_HEADER = "CC";

  /**
   * SparkPost's documented {@code start_time} format, {@code YYYY-MM-DDTHH:MM:SS+-HH:MM}: always an
   * offset ({@code +00:00}), never {@code Z}, and no fraction of a second.
   */
  private static final DateTimeFormatter START_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

  /** RFC 5322 3.2.3 atext, the characters a display name may hold without quotes (plus spaces). */
  private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

  private TransmissionWriter() {}

  /**
   * Returns the transmission for {@code message}, carrying {@code key} in its metadata, as UTF-8 JSON.
   *
   * @throws IllegalArgumentException if metadata or substitution data holds a value JSON cannot
   *     represent (core rejects those when the message is built, so this is a bug)
   */
  static Json write(Message message, IdempotencyKey key) {
    JsonBytes json = new JsonBytes(sizeHint(message));
    json.writeStartObject();
    options(json, message.options());
    stringIfSet(json, "campaign_id", message.campaignId());
    stringIfSet(json, "description", message.description());
    if (message.returnPath() != null) {
      json.writeStringProperty("return_path", message.returnPath().email());
    }
    metadata(json, message.metadata(), key);
    objectIfNotEmpty(json, "substitution_data", message.substitutionData());
    recipients(json, message);
    content(json, message);
    json.writeEndObject();
    return json.json();
  }

  /**
   * The JSON of one transmission: the first {@link #length()} bytes of {@link #bytes()}, which may be
   * longer. Handed to OkHttp as it is, so the JSON is not copied once more into an exact-size array.
   */
  static final class Json {
    private final byte[] bytes;
    private final int length;

    Json(byte[] bytes, int length) {
      this.bytes = bytes;
      this.length = length;
    }

    /** Returns the buffer holding the JSON; not a copy, and not to be changed. */
    byte[] bytes() {
      return bytes;
    }

    /** Returns how many bytes of {@link #bytes()} are the JSON. */
    int length() {
      return length;
    }

    /** Returns a copy of exactly the JSON's bytes. */
    byte[] toByteArray() {
      return Arrays.copyOf(bytes, length);
    }
  }

  private static void options(JsonBytes json, MessageOptions options) {
    if (options.isEmpty()) {
      return;
    }
    json.writeName("options");
    json.writeStartObject();
    if (options.startTime() != null) {
      json.writeStringProperty("start_time", startTime(options.startTime()));
    }
    booleanIfSet(json, "open_tracking", options.openTracking());
    booleanIfSet(json, "initial_open", options.initialOpen());
    booleanIfSet(json, "click_tracking", options.clickTracking());
    booleanIfSet(json, "transactional", options.transactional());
    booleanIfSet(json, "sandbox", options.sandbox());
    booleanIfSet(json, "skip_suppression", options.skipSuppression());
    stringIfSet(json, "ip_pool", options.ipPool());
    booleanIfSet(json, "inline_css", options.inlineCss());
    booleanIfSet(json, "perform_substitutions", options.performSubstitutions());
    json.writeEndObject();
  }

  /**
   * Writes the caller's metadata with the idempotency key added. SparkPost does not deduplicate; the
   * key rides in metadata so it appears in every event and webhook of the message, where
   * reconciliation can find it.
   */
  private static void metadata(JsonBytes json, Map<String, Object> metadata, IdempotencyKey key) {
    json.writeName("metadata");
    json.writeStartObject();
    boolean keyWritten = false;
    for (Map.Entry<String, Object> entry : metadata.entrySet()) {
      json.writeName(entry.getKey());
      // Core refuses metadata holding the key's field; should one get through, the key wins in place.
      if (entry.getKey().equals(IdempotencyKey.METADATA_FIELD)) {
        json.writeString(key.value());
        keyWritten = true;
      } else {
        value(json, entry.getValue());
      }
    }
    if (!keyWritten) {
      json.writeStringProperty(IdempotencyKey.METADATA_FIELD, key.value());
    }
    json.writeEndObject();
  }

  private static void recipients(JsonBytes json, Message message) {
    json.writeName("recipients");
    if (message.recipientListId() != null) {
      json.writeStartObject();
      json.writeStringProperty("list_id", message.recipientListId());
      json.writeEndObject();
      return;
    }
    // The message always has a To recipient when it has Cc or Bcc ones (core checks it).
    Recipient primary = null;
    for (Recipient recipient : message.recipients()) {
      if (recipient.kind() == Recipient.Kind.TO) {
        primary = recipient;
        break;
      }
    }
    json.writeStartArray();
    for (Recipient recipient : message.recipients()) {
      json.writeStartObject();
      json.writeName("address");
      json.writeStartObject();
      json.writeStringProperty("email", recipient.address().email());
      EmailAddress shown = shownTo(recipient, primary);
      stringIfSet(json, "name", shown == null ? recipient.address().name() : shown.name());
      stringIfSet(json, "header_to", shown == null ? null : shown.email());
      json.writeEndObject();
      if (recipient.returnPath() != null) {
        json.writeStringProperty("return_path", recipient.returnPath().email());
      }
      tags(json, recipient.tags(), message.tags());
      objectIfNotEmpty(json, "metadata", recipient.metadata());
      objectIfNotEmpty(json, "substitution_data", recipient.substitutionData());
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  /**
   * Returns the address {@code recipient}'s copy shows in its {@code To} header, or {@code null} for
   * its own (then no {@code header_to} is sent). SparkPost writes that header as {@code
   * "address.name" <address.header_to>}, so the name sent is the shown address's name, not the
   * recipient's: a Cc copy to Bob of mail for Alice shows {@code Alice <alice@...>}, not {@code Bob
   * <alice@...>}. A recipient's own {@code headerTo} wins; its name, if it has none, falls back to the
   * primary's (Cc, Bcc) or to the recipient's own (To). The name is then also what substitution sees
   * as {@code address.name}, which for a copy is the primary's: the copy is the primary's mail.
   */
  private static @Nullable EmailAddress shownTo(Recipient recipient, @Nullable Recipient primary) {
    if (recipient.kind() == Recipient.Kind.TO || primary == null) {
      return recipient.headerTo() == null ? null : named(recipient.headerTo(), recipient.address());
    }
    // A copy shows what the primary's own copy shows in its To header.
    EmailAddress primaryShown = primary.headerTo() == null ? primary.address()
        : named(primary.headerTo(), primary.address());
    return recipient.headerTo() == null ? primaryShown : named(recipient.headerTo(), primaryShown);
  }

  /** Returns {@code shown}, with {@code fallback}'s name if it has none of its own. */
  private static EmailAddress named(EmailAddress shown, EmailAddress fallback) {
    return shown.name() != null || fallback.name() == null ? shown : EmailAddress.of(shown.email(), fallback.name());
  }

  /** Writes the recipient's tags followed by the message's, each once, in that order. */
  private static void tags(JsonBytes json, List<String> recipientTags, List<String> messageTags) {
    if (recipientTags.isEmpty() && messageTags.isEmpty()) {
      return;
    }
    Collection<String> tags = recipientTags.isEmpty() && messageTags.size() == 1 ? messageTags
        : union(recipientTags, messageTags);
    json.writeName("tags");
    json.writeStartArray();
    for (String tag : tags) {
      json.writeString(tag);
    }
    json.writeEndArray();
  }

  private static Set<String> union(List<String> first, List<String> second) {
    Set<String> union = new LinkedHashSet<>(first);
    union.addAll(second);
    return union;
  }

  private static void content(JsonBytes json, Message message) {
    json.writeName("content");
    json.writeStartObject();
    switch (message.contentKind()) {
      case TEMPLATE:
        json.writeStringProperty("template_id", Objects.requireNonNull(message.templateId()));
        if (message.useDraftTemplate()) {
          json.writeBooleanProperty("use_draft_template", true);
        }
        break;
      case RFC822:
        json.writeStringProperty("email_rfc822", Objects.requireNonNull(message.rfc822()));
        break;
      case AB_TEST:
        json.writeStringProperty("ab_test_id", Objects.requireNonNull(message.abTestId()));
        break;
      case INLINE:
      default:
        inlineContent(json, message);
        break;
    }
    json.writeEndObject();
  }

  private static void inlineContent(JsonBytes json, Message message) {
    EmailAddress from = Objects.requireNonNull(message.from(), "from");
    if (from.name() == null) {
      json.writeStringProperty("from", from.email());
    } else {
      json.writeName("from");
      json.writeStartObject();
      json.writeStringProperty("email", from.email());
      json.writeStringProperty("name", from.name());
      json.writeEndObject();
    }
    json.writeStringProperty("subject", Objects.requireNonNull(message.subject(), "subject"));
    stringIfSet(json, "text", message.text());
    stringIfSet(json, "html", message.html());
    stringIfSet(json, "amp_html", message.ampHtml());
    stringIfSet(json, "reply_to", message.replyTo() == null ? null : format(message.replyTo()));
    headers(json, message.headers(), cc(message.recipients()));
    attachments(json, "attachments", message.attachments());
    attachments(json, "inline_images", message.inlineImages());
  }

  /** Returns the visible Cc addresses for the {@code CC} header, or {@code null} if there are none. */
  private static @Nullable String cc(List<Recipient> recipients) {
    StringBuilder cc = null;
    for (Recipient recipient : recipients) {
      if (recipient.kind() == Recipient.Kind.CC) {
        cc = cc == null ? new StringBuilder() : cc.append(", ");
        cc.append(format(recipient.address()));
      }
    }
    return cc == null ? null : cc.toString();
  }

  /**
   * Writes the caller's headers and, if there are Cc recipients, the {@code CC} header: SparkPost shows
   * Cc recipients only through it; Bcc copies never appear in any header. A caller's own {@code CC}
   * header is replaced in place.
   */
  private static void headers(JsonBytes json, Map<String, String> headers, @Nullable String cc) {
    if (headers.isEmpty() && cc == null) {
      return;
    }
    json.writeName("headers");
    json.writeStartObject();
    boolean ccWritten = false;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (cc != null && header.getKey().equals(CC_HEADER)) {
        json.writeStringProperty(CC_HEADER, cc);
        ccWritten = true;
      } else {
        json.writeStringProperty(header.getKey(), header.getValue());
      }
    }
    if (cc != null && !ccWritten) {
      json.writeStringProperty(CC_HEADER, cc);
    }
    json.writeEndObject();
  }

  private static void attachments(JsonBytes json, String field, List<Attachment> attachments) {
    if (attachments.isEmpty()) {
      return;
    }
    json.writeName(field);
    json.writeStartArray();
    for (Attachment attachment : attachments) {
      json.writeStartObject();
      json.writeStringProperty("name", attachment.name());
      json.writeStringProperty("type", attachment.contentType());
      json.writeName("data");
      // Base64 without line breaks: SparkPost adds them ("The string should not contain \r\n").
      byte[] content = attachment.content();
      json.writeBinary(content);
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private static void objectIfNotEmpty(JsonBytes json, String field, Map<String, Object> object) {
    if (!object.isEmpty()) {
      json.writeName(field);
      object(json, object);
    }
  }

  private static void object(JsonBytes json, Map<?, ?> object) {
    json.writeStartObject();
    for (Map.Entry<?, ?> entry : object.entrySet()) {
      json.writeName((String) entry.getKey());
      value(json, entry.getValue());
    }
    json.writeEndObject();
  }

  /** Writes one of the values core allows in metadata and substitution data (see its JsonValues). */
  private static void value(JsonBytes json, Object value) {
    if (value instanceof String string) {
      json.writeString(string);
    } else if (value instanceof Boolean bool) {
      json.writeBoolean(bool);
    } else if (value instanceof Integer number) {
      json.writeNumber(number.intValue());
    } else if (value instanceof Long number) {
      json.writeNumber(number.longValue());
    } else if (value instanceof Map<?, ?> object) {
      object(json, object);
    } else if (value instanceof Collection<?> array) {
      json.writeStartArray();
      for (Object element : array) {
        value(json, element);
      }
      json.writeEndArray();
    } else if (value instanceof Double number) {
      json.writeNumber(number.doubleValue());
    } else if (value instanceof Float number) {
      json.writeNumber(number.floatValue());
    } else if (value instanceof BigDecimal number) {
      json.writeNumber(number);
    } else if (value instanceof BigInteger number) {
      json.writeNumber(number);
    } else if (value instanceof Short number) {
      json.writeNumber(number.shortValue());
    } else if (value instanceof Byte number) {
      json.writeNumber(number.intValue());
    } else {
      throw new IllegalArgumentException("a " + (value == null ? "null" : value.getClass().getName())
          + " in metadata or substitution data, which core should have refused");
    }
  }

  private static void stringIfSet(JsonBytes json, String field, @Nullable String value) {
    if (value != null) {
      json.writeStringProperty(field, value);
    }
  }

  private static void booleanIfSet(JsonBytes json, String field, @Nullable Boolean value) {
    if (value != null) {
      json.writeBooleanProperty(field, value);
    }
  }

  /** A first guess at the JSON's size, so the buffer rarely grows: the bodies, base64 and some room. */
  private static int sizeHint(Message message) {
    long size = 256 + length(message.subject()) + length(message.text()) + length(message.html())
        + length(message.ampHtml()) + length(message.rfc822()) + 96L * message.recipients().size();
    for (Attachment attachment : message.attachments()) {
      size += 128 + attachment.content().length / 3 * 4 + 4;
    }
    for (Attachment image : message.inlineImages()) {
      size += 128 + image.content().length / 3 * 4 + 4;
    }
    return (int) Math.min(size, Integer.MAX_VALUE - 8);
  }

  /** Formats {@code startTime} as SparkPost documents it, e.g. {@code 2026-11-25T10:00:00+00:00}. */
  static String startTime(Instant startTime) {
    return START_TIME.format(startTime.truncatedTo(ChronoUnit.SECONDS));
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

  private static int length(@Nullable String text) {
    return text == null ? 0 : text.length();
  }
}
