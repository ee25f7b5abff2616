package io.steadfast.cli;

import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.PermanentException;
import io.steadfast.RetryableException;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedTransmission;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** {@code steadfast send}: sends one message now, through the REST API, with retries. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Send one message now through SparkPost's REST API, retrying 5xx, 429 and timeouts.",
        "The message comes from flags, a JSON file (--message) or an .eml file (--eml)."})
final class SendCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

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
  @Option(names = "--message", description = "JSON file with the message (fields as in Message.builder()).")
  @Nullable Path messageFile;
  @Option(names = "--eml", description = "A complete RFC 822 message to send as is.") @Nullable Path eml;
  @Option(names = "--dry-run", description = "Validate and print the Transmissions request; send nothing.")
  boolean dryRun;
  @Option(names = "--json", description = "Print the result as JSON.") boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Message message;
    try {
      message = message();
    } catch (InvalidMessageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    } catch (UsageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    }
    try {
      return dryRun ? dryRun(message, out) : send(message, out, err);
    } catch (UsageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    }
  }

  private int send(Message message, PrintWriter out, PrintWriter err) throws IOException {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(connection.apiKey()).endpoint(connection.endpoint()).build();
    try (EmailClient client = EmailClient.create(config)) {
      SendReceipt receipt = client.send(message);
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "sent");
        result.put("transmission_id", receipt.transmissionId());
        result.put("idempotency_key", receipt.idempotencyKey().value());
        result.put("accepted_recipients", receipt.acceptedRecipients());
        result.put("rejected_recipients", receipt.rejectedRecipients());
        result.put("route", receipt.route());
        result.put("attempts", receipt.attempts());
        out.println(JSON.writeValueAsString(result));
      } else {
        out.printf("Sent: transmission %s, %d recipient(s) accepted, %d rejected, route %s, %d attempt(s), key %s%n",
            receipt.transmissionId(), receipt.acceptedRecipients(), receipt.rejectedRecipients(), receipt.route(),
            receipt.attempts(), receipt.idempotencyKey());
      }
      return Steadfast.OK;
    } catch (DeliveryUnknownException e) {
      return failure(out, err, "unknown", e, Steadfast.UNKNOWN);
    } catch (RetryableException e) {
      return failure(out, err, "retryable", e, Steadfast.RETRYABLE);
    } catch (PermanentException e) {
      return failure(out, err, "permanent", e, Steadfast.PERMANENT);
    }
  }

  private int failure(PrintWriter out, PrintWriter err, String kind, io.steadfast.SteadfastException e, int code) {
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("status", kind);
      result.put("message", e.getMessage());
      e.idempotencyKey().ifPresent(key -> result.put("idempotency_key", key.value()));
      e.statusCode().ifPresent(status -> result.put("status_code", status));
      e.providerCode().ifPresent(providerCode -> result.put("provider_code", providerCode));
      e.requestId().ifPresent(requestId -> result.put("request_id", requestId));
      out.println(JSON.writeValueAsString(result));
    } else {
      err.println(e.getMessage());
      e.idempotencyKey().ifPresent(key -> err.println("Idempotency key: " + key + " (reuse it with --idempotency-key)"));
    }
    return code;
  }

  /** Sends to an embedded FakeSparkPost and prints exactly the JSON the REST transport produced. */
  private int dryRun(Message message, PrintWriter out) {
    try (FakeSparkPost fake = FakeSparkPost.start("dry-run");
        EmailClient client = EmailClient.create(SteadfastConfig.builder()
            .apiKey("dry-run").endpoint(Endpoint.custom(fake.baseUrl())).build())) {
      client.send(message);
      RecordedTransmission request = fake.transmissions().get(0);
      out.println("POST /api/v1/transmissions");
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(request.body()));
      return Steadfast.OK;
    } catch (PermanentException e) {
      out.println("SparkPost would refuse this request: " + e.getMessage());
      return Steadfast.PERMANENT;
    }
  }

  private Message message() throws IOException {
    Message.Builder builder = messageFile != null ? fromJson(messageFile) : Message.builder();
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
