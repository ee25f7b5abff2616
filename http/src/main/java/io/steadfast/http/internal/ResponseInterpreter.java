package io.steadfast.http.internal;

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
    String statusLine = statusLine(response);
    Body body = read(response.body());
    if (status >= 200 && status < 300) {
      return success(status, statusLine, body, requestId);
    }
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
    return ErrorClassifier.forStatus(status, failure, retryAfter);
  }

  private Outcome success(int status, String statusLine, Body body, @Nullable String requestId) {
    String problem = body.problem();
    if (problem == null) {
      JsonNode root = parse(body.bytes());
      if (root == null) {
        problem = nonJson(body);
      } else {
        Outcome.Accepted accepted = accepted(root.path("results"), requestId);
        if (accepted != null) {
          return accepted;
        }
        problem = "a JSON body that is not SparkPost's success response";
      }
    }
    Failure failure = new Failure("HTTP " + status + statusLine + " with " + problem, status, null, null,
        requestId, body.error());
    return ErrorClassifier.forStatus(status, failure, null);
  }

  /**
   * Returns the acceptance in {@code results}, or {@code null} if it is not the documented shape.
   *
   * <p>The transmission id is required: it is the proof of acceptance. Missing counts are read as
   * zero rather than turning a real acceptance into an Unknown that would be retried (and so sent
   * twice); counts of the wrong type are garbage.
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
    return new Outcome.Accepted(Texts.clean(transmissionId, apiKey, 100), accepted, rejected, requestId);
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

  private static String nonJson(Body body) {
    return "a non-JSON body (" + (body.contentType() == null ? "no content type" : body.contentType()) + ")";
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
    MediaType mediaType = responseBody.contentType();
    String contentType = mediaType == null ? null
        : Texts.clean(mediaType.type() + "/" + mediaType.subtype(), apiKey, 80);
    try (ResponseBody body = responseBody) {
      if (body.contentLength() > MAX_BODY_BYTES) {
        return new Body(new byte[0], contentType, "a body over 1 MiB (" + body.contentLength() + " bytes, not read)", null);
      }
      BufferedSource source = body.source();
      if (source.request(MAX_BODY_BYTES + 1)) {
        return new Body(new byte[0], contentType, "a body over 1 MiB (not read)", null);
      }
      byte[] bytes = source.readByteArray();
      if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
        return new Body(bytes, contentType, "an empty body", null);
      }
      return new Body(bytes, contentType, null, null);
    } catch (IOException e) {
      return new Body(new byte[0], contentType, "a body that broke off (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /**
   * A response body as read.
   *
   * @param problem why the body cannot be used, or {@code null} if it can
   * @param error the I/O failure while reading it, or {@code null}
   */
  private record Body(byte[] bytes, @Nullable String contentType, @Nullable String problem, @Nullable IOException error) {}
}
