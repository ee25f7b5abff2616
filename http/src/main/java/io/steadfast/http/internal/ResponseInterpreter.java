package io.steadfast.http.internal;

import io.steadfast.RecipientError;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads SparkPost's answer to a transmission (at most {@link #MAX_BODY_BYTES} of it) and turns it into
 * an {@link Outcome}.
 *
 * <p>Success ({@code 200}): {@code {"results": {"total_rejected_recipients", "total_accepted_recipients",
 * "id"}}}. Errors: {@code {"errors": [{"message", "code", "description"}]}} (developers.sparkpost.com/api,
 * "Errors"). Anything else (an HTML page from a load balancer, truncated JSON, an empty or huge body)
 * is garbage: a success status with garbage is {@link Outcome.Unknown}, an error status with garbage
 * is classified by the status alone.
 */
final class ResponseInterpreter {

  /** The most of a response body Steadfast reads: 1 MiB. SparkPost's answers are a few hundred bytes. */
  static final long MAX_BODY_BYTES = 1024 * 1024;

  /** The longest provider message kept in a {@link Failure}, in characters. */
  static final int MAX_PROVIDER_MESSAGE_CHARS = 500;

  /**
   * The most per-recipient errors kept from one answer: enough to say why, without holding (and
   * printing) thousands for a large transmission; the counts still say how many were refused.
   */
  static final int MAX_RECIPIENT_ERRORS = 100;

  /** SparkPost's request id header, quoted to its support and kept on every failure. */
  static final String REQUEST_ID_HEADER = "X-SparkPost-Request-Id";

  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"), Map.entry(204, "No Content"),
      Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"), Map.entry(303, "See Other"),
      Map.entry(307, "Temporary Redirect"), Map.entry(308, "Permanent Redirect"),
      Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
      Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(408, "Request Timeout"),
      Map.entry(409, "Conflict"), Map.entry(413, "Content Too Large"), Map.entry(415, "Unsupported Media Type"),
      Map.entry(420, "Sending Limit Exceeded"), Map.entry(422, "Unprocessable Content"),
      Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"),
      Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"),
      Map.entry(504, "Gateway Timeout"));

  private final JsonMapper mapper;
  private final Clock clock;
  private final String apiKey;

  ResponseInterpreter(JsonMapper mapper, Clock clock, String apiKey) {
    this.mapper = mapper;
    this.clock = clock;
    this.apiKey = apiKey;
  }

  /** Reads and closes {@code response}, and returns what it means. */
  Outcome interpret(Response response) {
    int status = response.code();
    String requestId = Texts.clean(response.header(REQUEST_ID_HEADER), apiKey, 100);
    Body body = read(response.body());
    if (status >= 200 && status < 300) {
      return success(status, response, body, requestId);
    }
    String statusLine = statusLine(response);
    String providerCode = null;
    String providerMessage = null;
    String problem = body.problem();
    if (problem == null) {
      JsonNode errors = parse(body.bytes());
      if (errors != null && errors.path("errors").isArray() && !errors.path("errors").isEmpty()) {
        providerCode = Texts.clean(scalar(errors.path("errors").get(0).path("code")), apiKey, 64);
        providerMessage = errorMessages(errors.path("errors"));
      } else {
        problem = errors == null ? nonJson(body) : "a JSON body that is not SparkPost's error format";
      }
    }
    String summary = "HTTP " + status + statusLine + (problem == null ? "" : " with " + problem);
    Failure failure = new Failure(summary, status, providerCode, providerMessage, requestId, body.error());
    Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), clock);
    return ErrorClassifier.forAnswer(status, failure, retryAfter);
  }

  private Outcome success(int status, Response response, Body body, @Nullable String requestId) {
    String problem = body.problem();
    if (problem == null) {
      Outcome.Accepted fast = acceptedCompact(body.bytes(), requestId);
      if (fast == null) {
        fast = acceptedFast(body.bytes(), requestId);
      }
      if (fast != null) {
        return fast;
      }
      JsonNode root = parse(body.bytes());
      if (root == null) {
        problem = nonJson(body);
      } else {
        Outcome.Accepted accepted = accepted(root.path("results"), requestId);
        if (accepted != null) {
          return noneAccepted(root, accepted) ? rejectedRecipients(status, response, root, accepted) : accepted;
        }
        problem = "a JSON body that is not SparkPost's success response";
      }
    }
    Failure failure = new Failure("HTTP " + status + statusLine(response) + " with " + problem, status, null, null,
        requestId, body.error());
    return ErrorClassifier.forStatus(status, failure, null);
  }

  /**
   * Whether SparkPost said, in so many words, that it accepted none of the recipients: {@code
   * total_accepted_recipients} present and 0. Nothing will be delivered, so this is a rejection, not a
   * receipt. A missing count still reads as an acceptance (see {@link #accepted}).
   */
  private static boolean noneAccepted(JsonNode root, Outcome.Accepted accepted) {
    return accepted.acceptedRecipients() == 0 && root.path("results").has("total_accepted_recipients");
  }

  /**
   * The rejection for a 200 that accepted no recipient ({@code "total_accepted_recipients": 0}, as in
   * developers.sparkpost.com/api/transmissions), with SparkPost's per-recipient errors and its warning
   * code (e.g. 2000) kept. Nothing will be delivered, and nothing was: a retry is as safe as it is useless.
   */
  private Outcome rejectedRecipients(int status, Response response, JsonNode root, Outcome.Accepted accepted) {
    JsonNode errors = root.path("errors");
    String providerCode = null;
    String providerMessage = null;
    if (errors.isArray() && !errors.isEmpty()) {
      providerCode = Texts.clean(scalar(errors.get(0).path("code")), apiKey, 64);
      providerMessage = errorMessages(errors);
    }
    String summary = "HTTP " + status + statusLine(response) + " with 0 recipients accepted, "
        + accepted.rejectedRecipients() + " rejected";
    Failure failure = new Failure(summary, status, providerCode, providerMessage, accepted.requestId(), null);
    return new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE, failure, accepted.recipientErrors());
  }

  /**
   * Returns the acceptance in {@code results}, or {@code null} if it is not the documented shape.
   *
   * <p>The transmission id is required: it is the proof of acceptance. Missing counts are read as
   * zero rather than turning a real acceptance into an Unknown that would be retried (and so sent
   * twice); counts of the wrong type are garbage. SparkPost's per-recipient errors ({@code
   * rcpt_to_errors}, sent with the warning code 2000 "transmission created, but with validation
   * errors") are kept, at most {@link #MAX_RECIPIENT_ERRORS} of them.
   */
  private Outcome.@Nullable Accepted accepted(JsonNode results, @Nullable String requestId) {
    if (!results.isObject()) {
      return null;
    }
    JsonNode id = results.path("id");
    String transmissionId = id.isString() ? id.stringValue()
        : id.isIntegralNumber() ? id.asString() : null;
    if (transmissionId == null || transmissionId.isBlank()) {
      return null;
    }
    Long accepted = count(results.path("total_accepted_recipients"));
    Long rejected = count(results.path("total_rejected_recipients"));
    if (accepted == null || rejected == null) {
      return null;
    }
    return new Outcome.Accepted(Texts.clean(transmissionId, apiKey, 100), accepted, rejected, requestId,
        recipientErrors(results.path("rcpt_to_errors")));
  }

  /** Reads SparkPost's {@code rcpt_to_errors}: entries of {@code message}, {@code description} and {@code code}. */
  private List<RecipientError> recipientErrors(JsonNode entries) {
    if (!entries.isArray()) {
      return List.of();
    }
    List<RecipientError> errors = new ArrayList<>();
    for (JsonNode entry : entries.values()) {
      if (errors.size() == MAX_RECIPIENT_ERRORS) {
        break;
      }
      String code = Texts.clean(scalar(entry.path("code")), apiKey, 64);
      String message = Texts.clean(scalar(entry.path("message")), apiKey, MAX_PROVIDER_MESSAGE_CHARS);
      String description = Texts.clean(scalar(entry.path("description")), apiKey, MAX_PROVIDER_MESSAGE_CHARS);
      if (message == null && description == null) {
        continue;
      }
      // SparkPost documents no address in these entries, so the error names none (address null).
      errors.add(message != null ? new RecipientError(null, code, message, description)
          : new RecipientError(null, code, description, null));
    }
    return errors;
  }

  private static final byte[] RESULTS = ascii("\"results\"");
  private static final byte[] ID = ascii("\"id\"");
  private static final byte[] ACCEPTED = ascii("\"total_accepted_recipients\"");
  private static final byte[] REJECTED = ascii("\"total_rejected_recipients\"");

  /**
   * Reads the usual success body byte by byte, without a JSON parser: {@code {"results":
   * {"total_rejected_recipients": 0, "total_accepted_recipients": 1, "id": "..."}}}, the three
   * fields each at most once, in any order, with any JSON white space. A parser costs more than the
   * rest of reading the answer (its own buffers and contexts per response), and this body is the
   * answer to nearly every send.
   *
   * <p>It takes a narrower shape than {@link #acceptedFast} and returns {@code null} for anything else,
   * which then takes the parser's paths: an id that is not plain printable ASCII without spaces,
   * quotes or escapes; a count that is not a plain non-negative integer of at most 18 digits (so it
   * fits a {@code long}; JSON allows no leading zeros); any other field, a repeated one, a missing id,
   * trailing content, a byte order mark. So what it returns is what the parser would have returned.
   */
  Outcome.@Nullable Accepted acceptedCompact(byte[] bytes, @Nullable String requestId) {
    Compact in = new Compact(bytes);
    if (!in.take('{') || !in.take(RESULTS) || !in.take(':') || !in.take('{')) {
      return null;
    }
    String id = null;
    long accepted = -1;
    long rejected = -1;
    if (!in.take('}')) {
      do {
        if (id == null && in.take(ID)) {
          id = in.take(':') ? in.plainString() : null;
          if (id == null) {
            return null;
          }
        } else if (accepted < 0 && in.take(ACCEPTED)) {
          accepted = in.take(':') ? in.count() : -1;
          if (accepted <= 0) {
            // 0 accepted is a rejection of every recipient: the tree path reads it with its errors.
            return null;
          }
        } else if (rejected < 0 && in.take(REJECTED)) {
          rejected = in.take(':') ? in.count() : -1;
          if (rejected < 0) {
            return null;
          }
        } else {
          return null;
        }
      } while (in.take(','));
      if (!in.take('}')) {
        return null;
      }
    }
    if (!in.take('}') || !in.atEnd() || id == null) {
      return null;
    }
    // As in accepted(JsonNode): a missing count reads as zero.
    return new Outcome.Accepted(Texts.clean(id, apiKey, 100), Math.max(accepted, 0), Math.max(rejected, 0),
        requestId);
  }

  /** A cursor over a body for {@link #acceptedCompact}; every read skips the JSON white space before it. */
  private static final class Compact {
    /** The most digits a count may have: 18 always fit a long. */
    private static final int MAX_DIGITS = 18;

    private final byte[] bytes;
    private int at;

    Compact(byte[] bytes) {
      this.bytes = bytes;
    }

    /** Consumes {@code c} if it comes next. */
    boolean take(char c) {
      skipWhiteSpace();
      if (at < bytes.length && bytes[at] == c) {
        at++;
        return true;
      }
      return false;
    }

    /** Consumes {@code token} if it comes next. */
    boolean take(byte[] token) {
      skipWhiteSpace();
      if (bytes.length - at < token.length) {
        return false;
      }
      for (int i = 0; i < token.length; i++) {
        if (bytes[at + i] != token[i]) {
          return false;
        }
      }
      at += token.length;
      return true;
    }

    /** Consumes a string of printable ASCII other than space, quote and backslash; else returns null. */
    @Nullable String plainString() {
      if (!take('"')) {
        return null;
      }
      int start = at;
      while (at < bytes.length && bytes[at] > ' ' && bytes[at] < 0x7f && bytes[at] != '\\') {
        if (bytes[at] == '"') {
          return at == start ? null : new String(bytes, start, at++ - start, StandardCharsets.US_ASCII);
        }
        at++;
      }
      return null;
    }

    /** Consumes a non-negative integer of at most {@link #MAX_DIGITS} digits; else returns -1. */
    long count() {
      skipWhiteSpace();
      int start = at;
      long value = 0;
      while (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9') {
        value = value * 10 + (bytes[at++] - '0');
      }
      int digits = at - start;
      if (digits == 0 || digits > MAX_DIGITS || digits > 1 && bytes[start] == '0') {
        return -1;
      }
      // What follows must be white space, a comma or a brace, so "1.5" and "1e3" end the read there.
      return value;
    }

    boolean atEnd() {
      skipWhiteSpace();
      return at == bytes.length;
    }

    private void skipWhiteSpace() {
      while (at < bytes.length && (bytes[at] == ' ' || bytes[at] == '\n' || bytes[at] == '\r' || bytes[at] == '\t')) {
        at++;
      }
    }
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads the usual success body, {@code {"results": {"total_rejected_recipients": 0,
   * "total_accepted_recipients": 1, "id": "..."}}}, with a streaming parser instead of building a tree:
   * most responses are this, and it is on every send's path.
   *
   * <p>Returns {@code null} for anything else, which then takes the tree path: any other field,
   * a repeated field, an id that is not a non-blank string, a count that is not a non-negative
   * {@code long}, trailing content or malformed JSON. So this returns an acceptance only where the tree
   * path would return the same one, and every other body gets the tree path's answer.
   */
  Outcome.@Nullable Accepted acceptedFast(byte[] bytes, @Nullable String requestId) {
    try (JsonParser json = mapper.createParser(bytes)) {
      if (json.nextToken() != JsonToken.START_OBJECT
          || json.nextToken() != JsonToken.PROPERTY_NAME || !"results".equals(json.currentName())
          || json.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String id = null;
      long accepted = -1;
      long rejected = -1;
      while (json.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = json.currentName();
        JsonToken value = json.nextToken();
        if ("id".equals(name) && id == null && value == JsonToken.VALUE_STRING) {
          id = json.getString();
        } else if ("total_accepted_recipients".equals(name) && accepted < 0) {
          accepted = countFast(json, value);
          if (accepted <= 0) {
            // 0 accepted is a rejection of every recipient: the tree path reads it with its errors.
            return null;
          }
        } else if ("total_rejected_recipients".equals(name) && rejected < 0) {
          rejected = countFast(json, value);
          if (rejected < 0) {
            return null;
          }
        } else {
          return null;
        }
      }
      if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != JsonToken.END_OBJECT
          || json.nextToken() != null || id == null || id.isBlank()) {
        return null;
      }
      // As in accepted(JsonNode): a missing count reads as zero.
      return new Outcome.Accepted(Texts.clean(id, apiKey, 100), Math.max(accepted, 0), Math.max(rejected, 0),
          requestId);
    } catch (JacksonException e) {
      return null;
    }
  }

  /** Returns the count at the parser, or -1 if it is not an integer that fits a non-negative long. */
  private static long countFast(JsonParser json, @Nullable JsonToken value) {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      return -1;
    }
    JsonParser.NumberType type = json.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      return -1;
    }
    return json.getLongValue();
  }

  private static @Nullable Long count(JsonNode node) {
    if (node.isMissingNode()) {
      return 0L;
    }
    if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= 0) {
      return node.longValue();
    }
    return null;
  }

  private @Nullable String errorMessages(JsonNode errors) {
    List<String> parts = new ArrayList<>();
    for (JsonNode error : errors.values()) {
      String message = scalar(error.path("message"));
      String description = scalar(error.path("description"));
      if (message != null && description != null) {
        parts.add(message + ": " + description);
      } else if (message != null || description != null) {
        parts.add(message != null ? message : description);
      }
    }
    return Texts.clean(String.join("; ", parts), apiKey, MAX_PROVIDER_MESSAGE_CHARS);
  }

  private static @Nullable String scalar(JsonNode node) {
    // SparkPost sends codes as strings ("1902"); accept a number too.
    return node.isString() || node.isNumber() ? node.asString() : null;
  }

  private @Nullable JsonNode parse(byte[] bytes) {
    try {
      JsonNode root = mapper.readTree(bytes);
      return root != null && root.isObject() ? root : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private String nonJson(Body body) {
    // The content type is parsed only here, for the summary: the usual success never needs it.
    MediaType mediaType = body.source().contentType();
    String contentType = mediaType == null ? null
        : Texts.clean(mediaType.type() + "/" + mediaType.subtype(), apiKey, 80);
    return "a non-JSON body (" + (contentType == null ? "no content type" : contentType) + ")";
  }

  private String statusLine(Response response) {
    String reason = REASONS.get(response.code());
    if (reason == null) {
      reason = Texts.clean(response.message(), apiKey, 60);
    }
    return reason == null ? "" : " " + reason;
  }

  /**
   * Reads at most {@link #MAX_BODY_BYTES}: a response larger than that is not SparkPost's, and reading
   * it whole would risk memory on a hostile or broken server.
   */
  private Body read(ResponseBody responseBody) {
    try (ResponseBody body = responseBody) {
      if (body.contentLength() > MAX_BODY_BYTES) {
        return new Body(new byte[0], responseBody, "a body over 1 MiB (" + body.contentLength() + " bytes, not read)", null);
      }
      BufferedSource source = body.source();
      if (source.request(MAX_BODY_BYTES + 1)) {
        return new Body(new byte[0], responseBody, "a body over 1 MiB (not read)", null);
      }
      byte[] bytes = source.readByteArray();
      if (isBlank(bytes)) {
        return new Body(bytes, responseBody, "an empty body", null);
      }
      return new Body(bytes, responseBody, null, null);
    } catch (IOException e) {
      return new Body(new byte[0], responseBody, "a body that broke off (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /** Returns whether {@code bytes} is empty or only white space, decoding them only if it must. */
  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        // Not ASCII: let String decide, as it always did (it knows Unicode's white space).
        return new String(bytes, StandardCharsets.UTF_8).isBlank();
      }
      if (!Character.isWhitespace(b)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A response body as read.
   *
   * @param source the body as OkHttp gave it, closed by now; only its content type is read from it
   * @param problem why the body cannot be used, or {@code null} if it can
   * @param error the I/O failure while reading it, or {@code null}
   */
  private record Body(byte[] bytes, ResponseBody source, @Nullable String problem, @Nullable IOException error) {}
}
