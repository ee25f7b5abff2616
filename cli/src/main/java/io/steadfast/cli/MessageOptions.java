package io.steadfast.cli;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  /** Builds the message from the flags, a JSON file or an .eml file. */
  Message message() throws IOException {
    Message.Builder builder = messageFile == null ? Message.builder()
        : TransmissionRequestReader.isTransmission(messageFile) ? TransmissionRequestReader.read(messageFile)
        : fromJson(messageFile);
    if (eml != null) {
      builder.rfc822(read(eml));
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
          Files.readAllBytes(file));
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

  /** Reads a message from JSON whose fields are named as in {@link Message.Builder}. */
  @SuppressWarnings("unchecked")
  private static Message.Builder fromJson(Path file) {
    Map<String, Object> fields;
    try {
      fields = JSON.readValue(read(file), Map.class);
    } catch (tools.jackson.core.JacksonException e) {
      throw new UsageException("--message " + file + " is not valid JSON: " + e.getOriginalMessage());
    }
    Message.Builder builder = Message.builder();
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      Object value = field.getValue();
      switch (field.getKey()) {
        case "from" -> builder.from(string(field.getKey(), value));
        case "replyTo" -> builder.replyTo(string(field.getKey(), value));
        case "to" -> strings(field.getKey(), value).forEach(builder::to);
        case "cc" -> strings(field.getKey(), value).forEach(builder::cc);
        case "bcc" -> strings(field.getKey(), value).forEach(builder::bcc);
        case "subject" -> builder.subject(string(field.getKey(), value));
        case "text" -> builder.text(string(field.getKey(), value));
        case "html" -> builder.html(string(field.getKey(), value));
        case "ampHtml" -> builder.ampHtml(string(field.getKey(), value));
        case "template" -> builder.template(string(field.getKey(), value));
        case "campaignId" -> builder.campaignId(string(field.getKey(), value));
        case "description" -> builder.description(string(field.getKey(), value));
        case "tags" -> strings(field.getKey(), value).forEach(builder::tag);
        case "headers" -> object(field.getKey(), value)
            .forEach((name, headerValue) -> builder.header(name, String.valueOf(headerValue)));
        case "metadata" -> builder.metadata(object(field.getKey(), value));
        case "substitutionData" -> builder.substitutionData(object(field.getKey(), value));
        case "transactional" -> builder.transactional(Boolean.TRUE.equals(value));
        case "idempotencyKey" -> builder.idempotencyKey(IdempotencyKey.of(string(field.getKey(), value)));
        default -> throw new UsageException("--message: unknown field '" + field.getKey() + "'; fields are named as in "
            + "Message.builder(), e.g. from, to, cc, bcc, subject, text, html, tags, metadata");
      }
    }
    return builder;
  }

  private static String string(String field, Object value) {
    if (!(value instanceof String text)) {
      throw new UsageException("--message: field '" + field + "' must be a string");
    }
    return text;
  }

  private static List<String> strings(String field, Object value) {
    if (value instanceof String single) {
      return List.of(single);
    }
    if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
      return list.stream().map(String.class::cast).toList();
    }
    throw new UsageException("--message: field '" + field + "' must be a string or a list of strings");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String field, Object value) {
    if (!(value instanceof Map<?, ?>)) {
      throw new UsageException("--message: field '" + field + "' must be a JSON object");
    }
    return (Map<String, Object>) value;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("Cannot read " + file + ": " + e.getMessage());
    }
  }
}
