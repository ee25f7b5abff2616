package io.steadfast.testing;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Checks a Transmissions request body against SparkPost's documented request format and collects
 * every problem, not only the first.
 *
 * <p>The rules follow developers.sparkpost.com/api/transmissions ("Request Body", "Content
 * Attributes", "Attachment Object") and /api/recipient-lists ("Recipient Object", "Address
 * Object"). Like SparkPost, unknown top-level, recipient and content fields are ignored (the API
 * overview: "Unexpected query parameters and request body fields are ignored"). Deliberately
 * stricter than SparkPost: unknown {@code options} keys are refused, because a misspelt option such
 * as {@code "transactonal"} would otherwise be silently dropped, and a JSON {@code null} for an
 * optional field is a type error.
 */
final class TransmissionValidator {

  /** Options of type boolean; smart_send is documented as a Labs option. */
  private static final Set<String> BOOLEAN_OPTIONS =
      Set.of(
          "open_tracking",
          "initial_open",
          "click_tracking",
          "transactional",
          "sandbox",
          "skip_suppression",
          "inline_css",
          "perform_substitutions",
          "smart_send");

  private static final Set<String> STRING_OPTIONS = Set.of("start_time", "ip_pool");

  private static final List<String> INLINE_FIELDS =
      List.of(
          "from",
          "subject",
          "text",
          "html",
          "amp_html",
          "reply_to",
          "headers",
          "attachments",
          "inline_images");

  private static final List<String> TEMPLATE_FIELDS = List.of("template_id", "use_draft_template");

  /** Headers SparkPost generates itself and refuses in content.headers ("Header Notes"). */
  private static final Set<String> GENERATED_HEADERS =
      caseInsensitive("Content-Type", "Content-Transfer-Encoding");

  /** Documented limits, in UTF-8 bytes. */
  private static final int CAMPAIGN_ID_MAX_BYTES = 64;

  private static final int DESCRIPTION_MAX_BYTES = 1024;
  private static final int TEMPLATE_ID_MAX_BYTES = 64;
  private static final int FILE_NAME_MAX_BYTES = 255;
  private static final int METADATA_MAX_BYTES = 10 * 1024;
  private static final int SUBSTITUTION_DATA_MAX_BYTES = 100 * 1024;
  /** SparkPost keeps at most 10 tags per recipient and ignores the rest; the fake refuses more. */
  private static final int RECIPIENT_MAX_TAGS = 10;

  /** Deliberately loose: SparkPost's own check is unpublished; this catches obvious mistakes. */
  private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+");

  private final List<ApiError> errors = new ArrayList<>();

  private TransmissionValidator() {}

  /** Returns every problem with {@code body}, or an empty list if SparkPost would accept it. */
  static List<ApiError> validate(JsonNode body) {
    TransmissionValidator validator = new TransmissionValidator();
    validator.transmission(body);
    return List.copyOf(validator.errors);
  }

  private void transmission(JsonNode root) {
    if (!root.isObject()) {
      errors.add(
          ApiError.invalid(
              "the request body is of type '"
                  + Json.typeName(root)
                  + "', but needs to be of type 'json_object'"));
      return;
    }
    recipients(root.get("recipients"));
    content(root.get("content"));
    options(root.get("options"));
    if (optionalString(root, "campaign_id", "campaign_id")) {
      maxBytes(root.get("campaign_id"), "campaign_id", CAMPAIGN_ID_MAX_BYTES);
    }
    if (optionalString(root, "description", "description")) {
      maxBytes(root.get("description"), "description", DESCRIPTION_MAX_BYTES);
    }
    if (optionalObject(root, "metadata", "metadata")) {
      maxJsonBytes(root.get("metadata"), "metadata", METADATA_MAX_BYTES);
    }
    if (optionalObject(root, "substitution_data", "substitution_data")) {
      maxJsonBytes(root.get("substitution_data"), "substitution_data", SUBSTITUTION_DATA_MAX_BYTES);
    }
    optionalString(root, "return_path", "return_path");
    storedContentOptions(root.get("options"), root.get("content"));
  }

  /** perform_substitutions applies to inline content only; a stored template keeps its own. */
  private void storedContentOptions(JsonNode options, JsonNode content) {
    if (options == null || !options.isObject() || content == null || !content.isObject()) {
      return;
    }
    JsonNode substitutions = options.get("perform_substitutions");
    boolean stored = content.has("template_id") || content.has("ab_test_id");
    if (stored && substitutions != null && substitutions.isBoolean() && !substitutions.booleanValue()) {
      errors.add(
          ApiError.invalidCombination(
              "field 'options.perform_substitutions' false cannot be combined with a stored"
                  + " template or A/B test"));
    }
  }

  /** Checks {@code node} is at most {@code max} bytes as compact JSON, the size SparkPost counts. */
  private void maxJsonBytes(JsonNode node, String path, int max) {
    int bytes = Json.MAPPER.writeValueAsBytes(node).length;
    if (bytes > max) {
      errors.add(
          ApiError.invalid(
              "field '" + path + "' is " + bytes + " bytes of JSON, but may be at most " + max));
    }
  }

  // ---- recipients ----

  private void recipients(JsonNode recipients) {
    if (missing(recipients)) {
      errors.add(ApiError.required("field 'recipients' is required"));
    } else if (recipients.isArray()) {
      if (recipients.isEmpty()) {
        errors.add(ApiError.required("field 'recipients' needs at least one recipient"));
      }
      int index = 0;
      for (JsonNode recipient : recipients.values()) {
        recipient(recipient, "recipients[" + index++ + "]");
      }
    } else if (recipients.isObject()) {
      // A stored recipient list: {"list_id": "..."}.
      JsonNode listId = recipients.get("list_id");
      if (missing(listId)) {
        errors.add(
            ApiError.required(
                "field 'recipients.list_id' is required when recipients is an object"));
      } else {
        requireType(listId, "recipients.list_id", "json_string");
      }
    } else {
      wrongType(recipients, "recipients", "json_array", "json_object");
    }
  }

  private void recipient(JsonNode recipient, String path) {
    if (!requireType(recipient, path, "json_object")) {
      return;
    }
    JsonNode address = recipient.get("address");
    String addressPath = path + ".address";
    if (missing(address)) {
      errors.add(ApiError.required("field '" + addressPath + "' is required"));
    } else if (address.isString()) {
      email(address, addressPath);
    } else if (address.isObject()) {
      JsonNode email = address.get("email");
      if (missing(email)) {
        errors.add(ApiError.required("field '" + addressPath + ".email' is required"));
      } else if (requireType(email, addressPath + ".email", "json_string")) {
        email(email, addressPath + ".email");
      }
      optionalString(address, "name", addressPath + ".name");
      optionalString(address, "header_to", addressPath + ".header_to");
    } else {
      wrongType(address, addressPath, "json_string", "json_object");
    }
    JsonNode tags = recipient.get("tags");
    if (tags != null && requireType(tags, path + ".tags", "json_array")) {
      int index = 0;
      for (JsonNode tag : tags.values()) {
        requireType(tag, path + ".tags[" + index++ + "]", "json_string");
      }
      if (tags.size() > RECIPIENT_MAX_TAGS) {
        errors.add(
            ApiError.invalid(
                "field '" + path + ".tags' has " + tags.size() + " tags, but at most "
                    + RECIPIENT_MAX_TAGS + " are kept"));
      }
    }
    optionalObject(recipient, "metadata", path + ".metadata");
    optionalObject(recipient, "substitution_data", path + ".substitution_data");
    optionalString(recipient, "return_path", path + ".return_path");
  }

  private void email(JsonNode email, String path) {
    if (!EMAIL.matcher(email.stringValue()).matches()) {
      errors.add(
          ApiError.invalid(
              "field '" + path + "' is not a valid email address: '" + email.stringValue() + "'"));
    }
  }

  // ---- content ----

  private void content(JsonNode content) {
    if (missing(content)) {
      errors.add(ApiError.required("field 'content' is required"));
      return;
    }
    if (!requireType(content, "content", "json_object")) {
      return;
    }
    // Exactly one kind of content: inline parts, a stored template, an A/B test or RFC 822.
    List<String> kinds = new ArrayList<>();
    String inline = firstPresent(content, INLINE_FIELDS);
    String template = firstPresent(content, TEMPLATE_FIELDS);
    String abTest = firstPresent(content, List.of("ab_test_id"));
    String rfc822 = firstPresent(content, List.of("email_rfc822"));
    for (String field : new String[] {inline, template, abTest, rfc822}) {
      if (field != null) {
        kinds.add("content." + field);
      }
    }
    if (kinds.isEmpty()) {
      errors.add(
          ApiError.required(
              "field 'content' needs inline parts (from, subject and text, html or amp_html),"
                  + " a template_id, an ab_test_id or an email_rfc822"));
    } else if (kinds.size() > 1) {
      errors.add(
          ApiError.invalidCombination(
              "fields "
                  + String.join(" and ", kinds)
                  + " cannot be combined: content is either inline parts, a template_id, an"
                  + " ab_test_id or an email_rfc822"));
    } else if (inline != null) {
      inlineContent(content);
    } else if (template != null) {
      JsonNode templateId = content.get("template_id");
      if (missing(templateId)) {
        errors.add(ApiError.required("field 'content.template_id' is required"));
      } else if (requireType(templateId, "content.template_id", "json_string")) {
        maxBytes(templateId, "content.template_id", TEMPLATE_ID_MAX_BYTES);
      }
      JsonNode useDraft = content.get("use_draft_template");
      if (useDraft != null) {
        requireType(useDraft, "content.use_draft_template", "json_boolean");
      }
    } else if (abTest != null) {
      requiredString(content, "ab_test_id", "content.ab_test_id");
    } else {
      requiredString(content, "email_rfc822", "content.email_rfc822");
    }
  }

  private void inlineContent(JsonNode content) {
    JsonNode from = content.get("from");
    if (missing(from)) {
      errors.add(ApiError.required("field 'content.from' is required"));
    } else if (from.isString()) {
      notBlank(from, "content.from");
    } else if (from.isObject()) {
      requiredString(from, "email", "content.from.email");
      optionalString(from, "name", "content.from.name");
    } else {
      wrongType(from, "content.from", "json_string", "json_object");
    }
    requiredString(content, "subject", "content.subject");
    boolean hasBody = false;
    for (String part : List.of("text", "html", "amp_html")) {
      hasBody |= optionalString(content, part, "content." + part);
    }
    if (!hasBody) {
      errors.add(
          ApiError.required(
              "at least one of fields 'content.text', 'content.html' or 'content.amp_html' is"
                  + " required"));
    } else if (content.has("amp_html") && !content.has("text") && !content.has("html")) {
      errors.add(
          ApiError.required(
              "field 'content.amp_html' needs 'content.text' or 'content.html' beside it"));
    }
    optionalString(content, "reply_to", "content.reply_to");
    JsonNode headers = content.get("headers");
    if (headers != null && requireType(headers, "content.headers", "json_object")) {
      for (Map.Entry<String, JsonNode> header : headers.properties()) {
        String path = "content.headers." + header.getKey();
        requireType(header.getValue(), path, "json_string");
        if (GENERATED_HEADERS.contains(header.getKey())) {
          errors.add(
              ApiError.invalid(
                  "field '" + path + "' is not allowed: SparkPost generates that header"));
        }
      }
    }
    files(content.get("attachments"), "content.attachments");
    files(content.get("inline_images"), "content.inline_images");
    uniqueNames(content.get("inline_images"), "content.inline_images");
  }

  /** A cid: reference names one inline image, so two with one name cannot both be shown. */
  private void uniqueNames(JsonNode images, String path) {
    if (images == null || !images.isArray()) {
      return;
    }
    Set<String> seen = new java.util.HashSet<>();
    int index = 0;
    for (JsonNode image : images.values()) {
      JsonNode name = image.isObject() ? image.get("name") : null;
      if (name != null && name.isString() && !seen.add(name.stringValue())) {
        errors.add(
            ApiError.invalid(
                "field '" + path + "[" + index + "].name' repeats the name '" + name.stringValue()
                    + "' of an earlier inline image"));
      }
      index++;
    }
  }

  /** Checks attachments or inline images: {@code [{"name", "type", "data" (base64)}]}. */
  private void files(JsonNode files, String path) {
    if (files == null || !requireType(files, path, "json_array")) {
      return;
    }
    int index = 0;
    for (JsonNode file : files.values()) {
      String filePath = path + "[" + index++ + "]";
      if (!requireType(file, filePath, "json_object")) {
        continue;
      }
      if (requiredString(file, "name", filePath + ".name")) {
        maxBytes(file.get("name"), filePath + ".name", FILE_NAME_MAX_BYTES);
      }
      requiredString(file, "type", filePath + ".type");
      if (requiredString(file, "data", filePath + ".data")) {
        try {
          // The strict decoder also refuses line breaks, which SparkPost says data must not hold.
          Base64.getDecoder().decode(file.get("data").stringValue());
        } catch (IllegalArgumentException e) {
          errors.add(
              ApiError.invalid(
                  "field '" + filePath + ".data' is not valid base64 (" + e.getMessage() + ")"));
        }
      }
    }
  }

  // ---- options ----

  private void options(JsonNode options) {
    if (options == null || !requireType(options, "options", "json_object")) {
      return;
    }
    for (Map.Entry<String, JsonNode> option : options.properties()) {
      String name = option.getKey();
      String path = "options." + name;
      if (BOOLEAN_OPTIONS.contains(name)) {
        requireType(option.getValue(), path, "json_boolean");
      } else if (STRING_OPTIONS.contains(name)) {
        if (requireType(option.getValue(), path, "json_string") && name.equals("start_time")) {
          startTime(option.getValue());
        }
      } else {
        Set<String> documented = new TreeSet<>(BOOLEAN_OPTIONS);
        documented.addAll(STRING_OPTIONS);
        errors.add(
            ApiError.invalid(
                "field '" + path + "' is not a transmission option; options are " + documented));
      }
    }
  }

  /** SparkPost documents {@code YYYY-MM-DDTHH:MM:SS+-HH:MM}, or "now". */
  private void startTime(JsonNode startTime) {
    String value = startTime.stringValue();
    if (value.equals("now")) {
      return;
    }
    try {
      OffsetDateTime.parse(value);
    } catch (DateTimeParseException e) {
      errors.add(
          ApiError.invalid(
              "field 'options.start_time' must be \"now\" or a date-time like"
                  + " 2015-02-11T08:00:00-04:00 but was '"
                  + value
                  + "'"));
    }
  }

  // ---- helpers ----

  /** Returns whether a required field is absent; JSON {@code null} counts as absent. */
  private static boolean missing(JsonNode node) {
    return node == null || node.isNull();
  }

  private static String firstPresent(JsonNode object, List<String> fields) {
    for (String field : fields) {
      if (object.has(field)) {
        return field;
      }
    }
    return null;
  }

  /** Checks a required string field; returns whether it is present and a string. */
  private boolean requiredString(JsonNode parent, String name, String path) {
    JsonNode node = parent.get(name);
    if (missing(node)) {
      errors.add(ApiError.required("field '" + path + "' is required"));
      return false;
    }
    return requireType(node, path, "json_string") && notBlank(node, path);
  }

  /** Checks an optional string field; returns whether it is present and a string. */
  private boolean optionalString(JsonNode parent, String name, String path) {
    JsonNode node = parent.get(name);
    return node != null && requireType(node, path, "json_string");
  }

  /** Checks an optional object field; returns whether it is present and an object. */
  private boolean optionalObject(JsonNode parent, String name, String path) {
    JsonNode node = parent.get(name);
    return node != null && requireType(node, path, "json_object");
  }

  private boolean notBlank(JsonNode node, String path) {
    if (node.stringValue().isBlank()) {
      errors.add(ApiError.required("field '" + path + "' must not be empty"));
      return false;
    }
    return true;
  }

  private void maxBytes(JsonNode node, String path, int max) {
    int bytes = node.stringValue().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > max) {
      errors.add(
          ApiError.invalid(
              "field '" + path + "' is " + bytes + " bytes long, but may be at most " + max));
    }
  }

  private boolean requireType(JsonNode node, String path, String type) {
    if (Json.typeName(node).equals(type)) {
      return true;
    }
    wrongType(node, path, type);
    return false;
  }

  /** Words the error as SparkPost does: "field 'x' is of type 'a', but needs to be of type 'b'". */
  private void wrongType(JsonNode node, String path, String... types) {
    errors.add(
        ApiError.invalid(
            "field '"
                + path
                + "' is of type '"
                + Json.typeName(node)
                + "', but needs to be of type '"
                + String.join("' or '", types)
                + "'"));
  }

  private static Set<String> caseInsensitive(String... names) {
    Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(List.of(names));
    return set;
  }
}
