package io.steadfast.testing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Decides how SparkPost's {@code POST /api/v1/transmissions} would answer a request; pure, so it
 * runs outside {@link FakeSparkPost}'s lock.
 *
 * <p>Checks run in this order: route (404, 405), API key (401), content type (415), JSON syntax
 * (422, code 1300) and then the request body ({@link TransmissionValidator}, 422).
 */
final class TransmissionsEndpoint {

  static final String PATH = "/api/v1/transmissions";

  /** Where clients may put a key that identifies one message across retries. */
  static final String IDEMPOTENCY_METADATA_KEY = "steadfast_idempotency_key";

  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  /** The only key accepted, or {@code null} to accept any non-blank key. */
  private final String apiKey;

  TransmissionsEndpoint(String apiKey) {
    this.apiKey = apiKey;
  }

  /**
   * The endpoint's decision: either refused with {@code status} and an errors {@code body}, or
   * accepted with the parsed {@code transmission}, which still needs an id.
   *
   * @param body the errors body, or {@code null} if accepted
   * @param transmission the parsed body, or {@code null} if refused
   * @param idempotencyKey read from the body if it parses, else the header, or {@code null}
   */
  record Verdict(
      int status,
      String body,
      Map<String, Object> transmission,
      int acceptedRecipients,
      String idempotencyKey) {

    boolean accepted() {
      return transmission != null;
    }
  }

  Verdict evaluate(String method, String target, Map<String, List<String>> headers, String body) {
    JsonNode root = parse(body);
    String idempotencyKey = idempotencyKey(root, headers);

    String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
    // "Trailing slashes are ignored" (developers.sparkpost.com/api, "API Conventions").
    if (path.endsWith("/") && path.length() > 1) {
      path = path.substring(0, path.length() - 1);
    }
    if (!path.equals(PATH)) {
      return refused(
          404,
          new ApiError(
              "invalid URI",
              "1101",
              "FakeSparkPost serves only POST " + PATH + ", not " + method + " " + target),
          idempotencyKey);
    }
    if (!method.equals("POST")) {
      return refused(
          405,
          new ApiError(
              "invalid HTTP method",
              "1102",
              "FakeSparkPost serves only POST " + PATH + ", not " + method),
          idempotencyKey);
    }
    String key = Headers.presentedKey(Headers.first(headers, Headers.AUTHORIZATION));
    if (key == null || (apiKey != null && !apiKey.equals(key))) {
      // SparkPost answers a missing or wrong key with a bare message and no code.
      return refused(401, ApiError.UNAUTHORIZED, idempotencyKey);
    }
    String contentType = Headers.first(headers, "Content-Type");
    if (!isJson(contentType)) {
      // 415 per the API overview's error table: "Check that your Content-Type header is a
      // supported type".
      return refused(
          415,
          new ApiError(
              "Unsupported Media Type",
              null,
              "Content-Type must be application/json but was "
                  + (contentType == null ? "absent" : "'" + contentType + "'")),
          idempotencyKey);
    }
    if (root == null) {
      // SparkPost's answer to unparseable JSON, as reported in SparkPost/php-sparkpost#108.
      return refused(422, ApiError.invalid("Problems parsing request as json"), idempotencyKey);
    }
    List<ApiError> errors = TransmissionValidator.validate(root);
    if (!errors.isEmpty()) {
      return new Verdict(422, ApiError.body(errors), null, 0, idempotencyKey);
    }
    JsonNode recipients = root.get("recipients");
    // The fake holds no stored lists, so a list_id transmission reports one accepted recipient: SparkPost
    // reports the list's size, and 0 would read as "every recipient rejected".
    int count = recipients.isArray() ? recipients.size() : 1;
    return new Verdict(200, null, Json.toMap(root), count, idempotencyKey);
  }

  private static Verdict refused(int status, ApiError error, String idempotencyKey) {
    return new Verdict(status, ApiError.body(error), null, 0, idempotencyKey);
  }

  private static JsonNode parse(String body) {
    if (body.isBlank()) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      return null;
    }
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String mediaType = semicolon >= 0 ? contentType.substring(0, semicolon) : contentType;
    return mediaType.strip().toLowerCase(Locale.ROOT).equals("application/json");
  }

  private static String idempotencyKey(JsonNode root, Map<String, List<String>> headers) {
    if (root != null && root.isObject()) {
      JsonNode key = root.path("metadata").path(IDEMPOTENCY_METADATA_KEY);
      if (key.isString()) {
        return key.stringValue();
      }
    }
    return Headers.first(headers, IDEMPOTENCY_HEADER);
  }
}
