package io.steadfast.cli;

import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.Recipient;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a SparkPost Transmissions request body ({@code POST /api/v1/transmissions}, as documented on
 * developers.sparkpost.com/api/transmissions) into a {@link Message.Builder}, so a body from
 * SparkPost's documentation or from another integration can be replayed with {@code --message} as is.
 *
 * <p>Understood, with SparkPost's field names: {@code options} ({@code start_time} as
 * {@code YYYY-MM-DDTHH:MM:SS+HH:MM} or {@code "now"}, {@code open_tracking}, {@code initial_open},
 * {@code click_tracking}, {@code transactional}, {@code sandbox}, {@code skip_suppression},
 * {@code ip_pool}, {@code inline_css}, {@code perform_substitutions}); {@code campaign_id},
 * {@code description}, {@code return_path}, {@code metadata}, {@code substitution_data};
 * {@code recipients} as an array of {@code {address, return_path, tags, metadata, substitution_data}}
 * (the address a string or {@code {email, name, header_to}}) or as {@code {"list_id": ...}}; and
 * {@code content} in one of its four forms: inline ({@code from} as a string or {@code {email, name}},
 * {@code subject}, {@code text}, {@code html}, {@code amp_html}, {@code reply_to}, {@code headers},
 * {@code attachments}, {@code inline_images}), a stored template ({@code template_id},
 * {@code use_draft_template}), {@code email_rfc822}, or an A/B test ({@code ab_test_id}).
 *
 * <p><b>Cc and Bcc.</b> SparkPost has no recipient type: a copy is a recipient whose
 * {@code header_to} names another recipient, and it is visible (Cc) when the {@code CC} header lists
 * it. So a recipient whose {@code header_to} is a To recipient becomes a {@code cc(...)} if
 * {@code content.headers.CC} lists its address and a {@code bcc(...)} otherwise; any other
 * {@code header_to} is kept as the recipient's own ({@link Recipient#withHeaderTo}). The {@code CC}
 * header itself is not copied: Steadfast writes it from the Cc recipients, so it must list only
 * recipients. A copy's {@code address.name} is the primary's name (SparkPost shows it in the copy's
 * To header), so a Cc keeps the name its {@code CC} header entry gives it, and a Bcc none.
 *
 * <p><b>Idempotency key.</b> {@code metadata.steadfast_idempotency_key}, the field in which Steadfast
 * itself sends the key, is taken out of the metadata and becomes the message's key, so a body that
 * Steadfast sent (or a dry run printed) replays with the same key; {@code --idempotency-key} wins over
 * it. Without either, Steadfast generates a key.
 *
 * <p>Any other field, or a value of the wrong type, is refused with a {@link UsageException} naming
 * the field (exit code 2), rather than dropped: a replayed body must not lose a part silently.
 */
final class TransmissionRequestReader {

  private static final Set<String> TRANSMISSION_FIELDS = Set.of("options", "recipients", "campaign_id",
      "description", "metadata", "substitution_data", "return_path", "content");
  private static final Set<String> RECIPIENT_FIELDS = Set.of("address", "return_path", "tags", "metadata",
      "substitution_data");
  private static final Set<String> ADDRESS_FIELDS = Set.of("email", "name", "header_to");
  private static final Set<String> CONTENT_FIELDS = Set.of("from", "subject", "text", "html", "amp_html",
      "reply_to", "headers", "attachments", "inline_images", "template_id", "use_draft_template",
      "email_rfc822", "ab_test_id");
  private static final Set<String> FILE_FIELDS = Set.of("name", "type", "data");
  private static final String CC_HEADER = "cc";

  private final String source;
  /** The addresses of the CC header with the names it gives them, by lower-case address. */
  private final Map<String, EmailAddress> ccNames = new LinkedHashMap<>();

  private TransmissionRequestReader(String source) {
    this.source = source;
  }

  /**
   * Returns whether {@code body} is a Transmissions request rather than Steadfast's older flat
   * message format: a Transmissions body always has {@code recipients} and {@code content}, which
   * the old format never had.
   */
  static boolean isTransmission(Map<String, Object> body) {
    return body.containsKey("recipients") || body.containsKey("content");
  }

  /**
   * Reads a Transmissions request body into a builder.
   *
   * @param source what to name in errors, such as {@code --message order.json}
   * @throws UsageException naming the first field that is unknown, unsupported or of the wrong type
   */
  static Message.Builder read(String source, Map<String, Object> body) {
    return new TransmissionRequestReader(source).builder(body);
  }

  private Message.Builder builder(Map<String, Object> body) {
    known(body, TRANSMISSION_FIELDS, "");
    Message.Builder builder = Message.builder();
    Map<String, Object> content = object(body, "content", "content");
    if (content == null) {
      throw usage("content", "is missing; a transmission needs content (inline, template_id, email_rfc822 or ab_test_id)");
    }
    Map<String, Object> options = object(body, "options", "options");
    if (options != null) {
      options(builder, options);
    }
    ifString(body, "campaign_id", "campaign_id", builder::campaignId);
    ifString(body, "description", "description", builder::description);
    ifString(body, "return_path", "return_path", builder::returnPath);
    Map<String, Object> metadata = object(body, "metadata", "metadata");
    if (metadata != null) {
      Map<String, Object> own = new LinkedHashMap<>(metadata);
      Object key = own.remove(IdempotencyKey.METADATA_FIELD);
      if (key != null) {
        builder.idempotencyKey(idempotencyKey(key));
      }
      builder.metadata(own);
    }
    Map<String, Object> substitutionData = object(body, "substitution_data", "substitution_data");
    if (substitutionData != null) {
      builder.substitutionData(substitutionData);
    }
    Set<String> visibleCc = content(builder, content);
    recipients(builder, body.get("recipients"), visibleCc);
    return builder;
  }

  private IdempotencyKey idempotencyKey(Object value) {
    if (!(value instanceof String text)) {
      throw usage("metadata." + IdempotencyKey.METADATA_FIELD, "must be a string");
    }
    try {
      return IdempotencyKey.of(text);
    } catch (IllegalArgumentException e) {
      // The field name already says what the value is; "metadata.x idempotency key must be" would say it twice.
      throw usage("metadata." + IdempotencyKey.METADATA_FIELD,
          String.valueOf(e.getMessage()).replaceFirst("^idempotency key ", ""));
    }
  }

  private void options(Message.Builder builder, Map<String, Object> options) {
    for (Map.Entry<String, Object> option : options.entrySet()) {
      String field = "options." + option.getKey();
      Object value = option.getValue();
      switch (option.getKey()) {
        case "start_time" -> {
          String text = string(value, field);
          if (!text.equals("now")) {
            try {
              builder.startTime(OffsetDateTime.parse(text).toInstant());
            } catch (DateTimeParseException e) {
              throw usage(field, "'" + text + "' is not YYYY-MM-DDTHH:MM:SS+HH:MM or \"now\"");
            }
          }
        }
        case "open_tracking" -> builder.openTracking(bool(value, field));
        case "initial_open" -> builder.initialOpen(bool(value, field));
        case "click_tracking" -> builder.clickTracking(bool(value, field));
        case "transactional" -> builder.transactional(bool(value, field));
        case "sandbox" -> builder.sandbox(bool(value, field));
        case "skip_suppression" -> builder.skipSuppression(bool(value, field));
        case "inline_css" -> builder.inlineCss(bool(value, field));
        case "perform_substitutions" -> builder.performSubstitutions(bool(value, field));
        case "ip_pool" -> builder.ipPool(string(value, field));
        default -> throw usage(field, "is not an option Steadfast supports; the options are start_time, "
            + "open_tracking, initial_open, click_tracking, transactional, sandbox, skip_suppression, ip_pool, "
            + "inline_css and perform_substitutions (see the README for the fields left out and why)");
      }
    }
  }

  /** Reads the content into {@code builder} and returns the addresses its CC header lists, lower case. */
  private Set<String> content(Message.Builder builder, Map<String, Object> content) {
    known(content, CONTENT_FIELDS, "content.");
    Set<String> visibleCc = new LinkedHashSet<>();
    Object from = content.get("from");
    if (from instanceof String text) {
      EmailAddress address = address(text, "content.from");
      builder.from(address);
    } else if (from != null) {
      Map<String, Object> object = asObject(from, "content.from");
      known(object, Set.of("email", "name"), "content.from.");
      String email = string(required(object, "email", "content.from.email"), "content.from.email");
      Object name = object.get("name");
      builder.from(name == null ? EmailAddress.of(email) : EmailAddress.of(email, string(name, "content.from.name")));
    }
    ifString(content, "subject", "content.subject", builder::subject);
    ifString(content, "text", "content.text", builder::text);
    ifString(content, "html", "content.html", builder::html);
    ifString(content, "amp_html", "content.amp_html", builder::ampHtml);
    if (content.get("reply_to") != null) {
      builder.replyTo(address(string(content.get("reply_to"), "content.reply_to"), "content.reply_to"));
    }
    Map<String, Object> headers = object(content, "headers", "content.headers");
    if (headers != null) {
      for (Map.Entry<String, Object> header : headers.entrySet()) {
        String value = string(header.getValue(), "content.headers." + header.getKey());
        if (header.getKey().toLowerCase(Locale.ROOT).equals(CC_HEADER)) {
          for (String entry : value.split(",")) {
            if (!entry.isBlank()) {
              EmailAddress address = address(entry.trim(), "content.headers.CC");
              visibleCc.add(address.email().toLowerCase(Locale.ROOT));
              ccNames.put(address.email().toLowerCase(Locale.ROOT), address);
            }
          }
        } else {
          builder.header(header.getKey(), value);
        }
      }
    }
    files(content.get("attachments"), "content.attachments").forEach(builder::attachment);
    files(content.get("inline_images"), "content.inline_images").forEach(builder::inlineImage);
    Object templateId = content.get("template_id");
    if (templateId != null) {
      Object draft = content.get("use_draft_template");
      builder.template(string(templateId, "content.template_id"),
          draft != null && bool(draft, "content.use_draft_template"));
    } else if (content.get("use_draft_template") != null) {
      throw usage("content.use_draft_template", "needs content.template_id");
    }
    ifString(content, "email_rfc822", "content.email_rfc822", builder::rfc822);
    ifString(content, "ab_test_id", "content.ab_test_id", builder::abTest);
    return visibleCc;
  }


  private List<Attachment> files(@Nullable Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw usage(field, "must be an array of {name, type, data}");
    }
    List<Attachment> files = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = field + "[" + i + "]";
      Map<String, Object> file = asObject(list.get(i), at);
      known(file, FILE_FIELDS, at + ".");
      String name = string(required(file, "name", at + ".name"), at + ".name");
      String type = string(required(file, "type", at + ".type"), at + ".type");
      byte[] data;
      try {
        // SparkPost asks for base64 without line breaks; tolerate them, but nothing else that is not base64
        // (the MIME decoder would skip any foreign character silently).
        data = Base64.getDecoder().decode(
            string(required(file, "data", at + ".data"), at + ".data").replaceAll("[\\r\\n]", ""));
      } catch (IllegalArgumentException e) {
        throw usage(at + ".data", "is not base64: " + e.getMessage());
      }
      try {
        files.add(new Attachment(name, type, data));
      } catch (InvalidMessageException e) {
        throw usage(at, e.getMessage());
      }
    }
    return files;
  }

  private void recipients(Message.Builder builder, @Nullable Object value, Set<String> visibleCc) {
    if (value == null) {
      throw usage("recipients", "is missing; give an array of recipients or {\"list_id\": ...}");
    }
    if (value instanceof Map<?, ?>) {
      Map<String, Object> list = asObject(value, "recipients");
      known(list, Set.of("list_id"), "recipients.");
      builder.recipientList(string(required(list, "list_id", "recipients.list_id"), "recipients.list_id"));
      if (!visibleCc.isEmpty()) {
        throw usage("content.headers.CC", "cannot be combined with a stored recipient list; Steadfast writes "
            + "the CC header from its Cc recipients");
      }
      return;
    }
    if (!(value instanceof List<?> array)) {
      throw usage("recipients", "must be an array of recipients or {\"list_id\": ...}");
    }
    List<Map<String, Object>> recipients = new ArrayList<>();
    Set<String> primaries = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String at = "recipients[" + i + "]";
      Map<String, Object> recipient = asObject(array.get(i), at);
      known(recipient, RECIPIENT_FIELDS, at + ".");
      recipients.add(recipient);
      if (headerTo(recipient, at) == null) {
        primaries.add(email(recipient, at).toLowerCase(Locale.ROOT));
      }
    }
    Set<String> ccRecipients = new LinkedHashSet<>();
    for (int i = 0; i < recipients.size(); i++) {
      String at = "recipients[" + i + "]";
      builder.recipient(recipient(recipients.get(i), at, primaries, visibleCc, ccRecipients));
    }
    for (String cc : visibleCc) {
      if (!ccRecipients.contains(cc)) {
        throw usage("content.headers.CC", "lists " + cc + ", which is not a recipient with header_to; Steadfast "
            + "writes the CC header from its Cc recipients, so add " + cc + " as one");
      }
    }
  }

  private Recipient recipient(Map<String, Object> json, String at, Set<String> primaries, Set<String> visibleCc,
      Set<String> ccRecipients) {
    String email = email(json, at);
    String lower = email.toLowerCase(Locale.ROOT);
    EmailAddress headerTo = headerTo(json, at);
    Recipient.Kind kind = Recipient.Kind.TO;
    EmailAddress address;
    if (headerTo == null) {
      address = addressWithName(json, at, email);
    } else if (primaries.contains(headerTo.email().toLowerCase(Locale.ROOT))
        || headerTo.email().equalsIgnoreCase(email)) {
      if (headerTo.email().equalsIgnoreCase(email)) {
        address = addressWithName(json, at, email);
      } else {
        // A copy of a To recipient: its address.name is the primary's, shown in its To header.
        kind = visibleCc.contains(lower) ? Recipient.Kind.CC : Recipient.Kind.BCC;
        EmailAddress named = ccNames.get(lower);
        address = kind == Recipient.Kind.CC && named != null && named.name() != null
            ? EmailAddress.of(email, named.name()) : EmailAddress.of(email);
      }
      headerTo = null;
    } else {
      kind = visibleCc.contains(lower) ? Recipient.Kind.CC : Recipient.Kind.TO;
      address = addressWithName(json, at, email);
    }
    if (kind == Recipient.Kind.CC) {
      ccRecipients.add(lower);
    }
    Recipient recipient;
    try {
      recipient = new Recipient(address, kind, List.of(), Map.of(), Map.of());
      if (json.get("tags") != null) {
        recipient = recipient.withTags(strings(json.get("tags"), at + ".tags"));
      }
      Map<String, Object> metadata = object(json, "metadata", at + ".metadata");
      if (metadata != null) {
        recipient = recipient.withMetadata(metadata);
      }
      Map<String, Object> substitutionData = object(json, "substitution_data", at + ".substitution_data");
      if (substitutionData != null) {
        recipient = recipient.withSubstitutionData(substitutionData);
      }
      if (json.get("return_path") != null) {
        recipient = recipient.withReturnPath(address(string(json.get("return_path"), at + ".return_path"),
            at + ".return_path"));
      }
      if (headerTo != null) {
        recipient = recipient.withHeaderTo(headerTo);
      }
    } catch (InvalidMessageException e) {
      throw usage(at, e.getMessage());
    }
    return recipient;
  }

  private String email(Map<String, Object> recipient, String at) {
    Object address = required(recipient, "address", at + ".address");
    if (address instanceof String text) {
      return address(text, at + ".address").email();
    }
    Map<String, Object> object = asObject(address, at + ".address");
    known(object, ADDRESS_FIELDS, at + ".address.");
    return string(required(object, "email", at + ".address.email"), at + ".address.email");
  }

  private EmailAddress addressWithName(Map<String, Object> recipient, String at, String email) {
    Object address = recipient.get("address");
    if (address instanceof String text) {
      return address(text, at + ".address");
    }
    Object name = asObject(address, at + ".address").get("name");
    try {
      return name == null ? EmailAddress.of(email) : EmailAddress.of(email, string(name, at + ".address.name"));
    } catch (InvalidMessageException e) {
      throw usage(at + ".address", e.getMessage());
    }
  }

  private @Nullable EmailAddress headerTo(Map<String, Object> recipient, String at) {
    if (!(recipient.get("address") instanceof Map<?, ?> address) || address.get("header_to") == null) {
      return null;
    }
    String text = string(address.get("header_to"), at + ".address.header_to");
    if (text.contains(",") && !text.contains("\"")) {
      throw usage(at + ".address.header_to", "lists several addresses; Steadfast supports one address per header_to");
    }
    return address(text, at + ".address.header_to");
  }

  /** Parses {@code email} or {@code Name <email>} (the name optionally quoted). */
  private EmailAddress address(String text, String field) {
    String trimmed = text.trim();
    try {
      int open = trimmed.lastIndexOf('<');
      if (open >= 0 && trimmed.endsWith(">")) {
        String email = trimmed.substring(open + 1, trimmed.length() - 1).trim();
        String name = trimmed.substring(0, open).trim();
        if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
          name = name.substring(1, name.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return name.isEmpty() ? EmailAddress.of(email) : EmailAddress.of(email, name);
      }
      return EmailAddress.of(trimmed);
    } catch (InvalidMessageException e) {
      throw usage(field, e.getMessage());
    }
  }

  private void known(Map<String, Object> object, Set<String> fields, String prefix) {
    for (String name : object.keySet()) {
      if (!fields.contains(name)) {
        throw usage(prefix + name, "is not a Transmissions field Steadfast supports; supported here: "
            + String.join(", ", new java.util.TreeSet<>(fields)) + " (see the README for the fields left out and why)");
      }
    }
  }

  private void ifString(Map<String, Object> object, String name, String field,
      java.util.function.Consumer<String> setter) {
    Object value = object.get(name);
    if (value != null) {
      setter.accept(string(value, field));
    }
  }

  private @Nullable Map<String, Object> object(Map<String, Object> parent, String name, String field) {
    Object value = parent.get(name);
    return value == null ? null : asObject(value, field);
  }

  private Map<String, Object> asObject(@Nullable Object value, String field) {
    if (!(value instanceof Map<?, ?>)) {
      throw usage(field, "must be a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> object = (Map<String, Object>) value;
    return object;
  }

  private Object required(Map<String, Object> object, String name, String field) {
    Object value = object.get(name);
    if (value == null) {
      throw usage(field, "is missing");
    }
    return value;
  }

  private String string(@Nullable Object value, String field) {
    if (!(value instanceof String text)) {
      throw usage(field, "must be a string");
    }
    return text;
  }

  private boolean bool(@Nullable Object value, String field) {
    if (!(value instanceof Boolean flag)) {
      throw usage(field, "must be true or false");
    }
    return flag;
  }

  private List<String> strings(@Nullable Object value, String field) {
    if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
      return list.stream().map(String.class::cast).toList();
    }
    throw usage(field, "must be an array of strings");
  }

  private UsageException usage(String field, String problem) {
    return new UsageException(source + ": " + field + " " + problem);
  }
}
