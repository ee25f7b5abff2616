package io.steadfast.cli;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The message flags shared by {@code send} and {@code submit}, and the code that builds a {@link Message} from them. */
final class MessageOptions {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Option(names = "--from", description = "Sender address.") @Nullable String from;
  @Option(names = "--from-name", description = "Sender display name.") @Nullable String fromName;
  @Option(names = "--to", description = "To recipient (repeatable).") List<String> to = new ArrayList<>();
  @Option(names = "--cc", description = "Cc recipient (repeatable).") List<String> cc = new ArrayList<>();
  @Option(names = "--bcc", description = "Bcc recipient (repeatable).") List<String> bcc = new ArrayList<>();
  @Option(names = "--subject", description = "Subject line.") @Nullable String subject;
  @Option(names = "--text", description = "Plain-text body.") @Nullable String text;
  @Option(names = "--html", description = "HTML body.") @Nullable String html;
  @Option(names = "--attach", description = "File to attach (repeatable).") List<Path> attachments = new ArrayList<>();
  @Option(names = "--header", description = "Custom header NAME=VALUE (repeatable).")
  Map<String, String> headers = new LinkedHashMap<>();
  @Option(names = "--tag", description = "Tag (repeatable).") List<String> tags = new ArrayList<>();
  @Option(names = "--campaign", description = "Campaign id.") @Nullable String campaign;
  @Option(names = "--template", description = "Stored template id instead of inline content.") @Nullable String template;
  @Option(names = "--idempotency-key", description = "Key for this message; reuse it when retrying.")
  @Nullable String idempotencyKey;
  @Option(names = "--message", description = "JSON file with a SparkPost Transmissions request body (or the older "
      + "flat format, fields as in Message.builder()).")
  @Nullable Path messageFile;
  @Option(names = "--eml", description = "A complete RFC 822 message to send as is.") @Nullable Path eml;

  /**
   * Builds the message from the flags, a JSON file or an .eml file.
   *
   * @throws UsageException naming the option (and field) that is wrong: a file too large or unreadable,
   *     JSON that is broken or of the wrong shape, a value a builder refuses
   * @throws io.steadfast.InvalidMessageException naming every field the message's rules refuse
   */
  Message message() throws IOException {
    // Sizes first: nothing is read before every file is known to fit SparkPost's limits.
    InputFiles.checkSizes(messageFile, eml, attachments);
    try {
      return build();
    } catch (IllegalArgumentException e) {
      // The builders' argument checks name the property ("idempotency key must be ..."); the JSON
      // fields are named where they are read. Either way, input to change: exit 2, no stack trace.
      throw new UsageException("Invalid message: " + e.getMessage());
    }
  }

  private Message build() throws IOException {
    Message.Builder builder = messageFile == null ? Message.builder() : fromJson(messageFile);
    if (eml != null) {
      builder.rfc822(InputFiles.readString("--eml", eml));
    }
    if (from != null) {
      if (fromName != null) {
        builder.from(from, fromName);
      } else {
        builder.from(from);
      }
    }
    to.forEach(builder::to);
    cc.forEach(builder::cc);
    bcc.forEach(builder::bcc);
    if (subject != null) {
      builder.subject(subject);
    }
    if (text != null) {
      builder.text(text);
    }
    if (html != null) {
      builder.html(html);
    }
    if (template != null) {
      builder.template(template);
    }
    if (campaign != null) {
      builder.campaignId(campaign);
    }
    headers.forEach(builder::header);
    tags.forEach(builder::tag);
    for (Path file : attachments) {
      if (!Files.isReadable(file)) {
        throw new UsageException("Cannot read the attachment " + file);
      }
      String type = Files.probeContentType(file);
      builder.attachment(file.getFileName().toString(), type == null ? "application/octet-stream" : type,
          InputFiles.readBytes("--attach", file));
    }
    if (idempotencyKey != null) {
      try {
        builder.idempotencyKey(IdempotencyKey.of(idempotencyKey));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--idempotency-key: " + e.getMessage());
      }
    }
    return builder.build();
  }

  /**
   * Reads a message from a SparkPost Transmissions request body or, for files written before it was
   * accepted, from JSON whose fields are named as in {@link Message.Builder}.
   */
  @SuppressWarnings("unchecked")
  private static Message.Builder fromJson(Path file) {
    Map<String, Object> fields = JSON.convertValue(InputFiles.readJsonObject(JSON, "--message", file), Map.class);
    if (TransmissionRequestReader.isTransmission(fields)) {
      return TransmissionRequestReader.read("--message " + file, fields);
    }
    Message.Builder builder = Message.builder();
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      try {
        apply(builder, field.getKey(), field.getValue());
      } catch (IllegalArgumentException e) {
        // IdempotencyKey.of and the builder's setters check their argument: name the field it came from.
        throw new UsageException("--message " + file + ": field '" + field.getKey() + "': " + e.getMessage());
      }
    }
    return builder;
  }

  private static void apply(Message.Builder builder, String field, @Nullable Object value) {
    switch (field) {
      case "from" -> builder.from(string(field, value));
      case "replyTo" -> builder.replyTo(string(field, value));
      case "to" -> strings(field, value).forEach(builder::to);
      case "cc" -> strings(field, value).forEach(builder::cc);
      case "bcc" -> strings(field, value).forEach(builder::bcc);
      case "subject" -> builder.subject(string(field, value));
      case "text" -> builder.text(string(field, value));
      case "html" -> builder.html(string(field, value));
      case "ampHtml" -> builder.ampHtml(string(field, value));
      case "template" -> builder.template(string(field, value));
      case "campaignId" -> builder.campaignId(string(field, value));
      case "description" -> builder.description(string(field, value));
      case "tags" -> strings(field, value).forEach(builder::tag);
      case "headers" -> object(field, value)
          .forEach((name, headerValue) -> builder.header(name, String.valueOf(headerValue)));
      case "metadata" -> builder.metadata(object(field, value));
      case "substitutionData" -> builder.substitutionData(object(field, value));
      case "transactional" -> builder.transactional(bool(field, value));
      case "idempotencyKey" -> builder.idempotencyKey(IdempotencyKey.of(string(field, value)));
      default -> throw new UsageException("--message: unknown field '" + field + "'; fields are named as in "
          + "Message.builder(), e.g. from, to, cc, bcc, subject, text, html, tags, metadata");
    }
  }

  private static boolean bool(String field, @Nullable Object value) {
    if (!(value instanceof Boolean flag)) {
      throw new UsageException("--message: field '" + field + "' must be true or false");
    }
    return flag;
  }

  private static String string(String field, @Nullable Object value) {
    if (!(value instanceof String text)) {
      throw new UsageException("--message: field '" + field + "' must be a string");
    }
    return text;
  }

  private static List<String> strings(String field, @Nullable Object value) {
    if (value instanceof String single) {
      return List.of(single);
    }
    if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
      return list.stream().map(String.class::cast).toList();
    }
    throw new UsageException("--message: field '" + field + "' must be a string or a list of strings");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String field, @Nullable Object value) {
    if (!(value instanceof Map<?, ?>)) {
      throw new UsageException("--message: field '" + field + "' must be a JSON object");
    }
    return (Map<String, Object>) value;
  }
}
