package io.steadfast.testing;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request that reached {@link FakeSparkPost}, whether it was accepted, refused or answered from
 * the script.
 *
 * <p>{@code headers} never show the API key: the {@code Authorization} value reads {@code
 * "[redacted]"}.
 *
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the request path with any query string, as received
 * @param headers the request headers, unmodifiable, with case-insensitive lookups and the {@code
 *     Authorization} value redacted
 * @param body the request body as received, decoded as UTF-8; empty if there was none
 * @param receivedAt when the request arrived
 * @param idempotencyKey the string at {@code metadata.steadfast_idempotency_key} if the body is a
 *     JSON object, else the {@code Idempotency-Key} request header, or {@code null} if there is
 *     neither
 * @param status the HTTP status the fake answered with, or {@code null} if it broke the connection
 *     instead
 * @param transmissionId the id of the transmission this request created (with {@link
 *     FakeSparkPost#deduplicateByKey deduplication}, of the first one with its key), or {@code
 *     null} if it created none
 * @param scripted whether the answer came from {@link FakeSparkPost#enqueue}, {@link
 *     FakeSparkPost#alwaysRespond}, {@link FakeSparkPost#faults} or {@link FakeSparkPost#play}
 *     rather than normal behaviour
 */
public record RecordedRequest(
    String method,
    String path,
    Map<String, List<String>> headers,
    String body,
    Instant receivedAt,
    String idempotencyKey,
    Integer status,
    String transmissionId,
    boolean scripted) {

  /**
   * Validates and copies the components; {@code headers} becomes an unmodifiable copy with the
   * {@code Authorization} header redacted.
   *
   * @param method the HTTP method
   * @param path the path and query
   * @param headers the request headers
   * @param body the raw body
   * @param receivedAt the arrival time
   * @param idempotencyKey the idempotency key, or {@code null}
   * @param status the status answered, or {@code null}
   * @param transmissionId the id of the transmission created, or {@code null}
   * @param scripted whether the answer was scripted
   * @throws NullPointerException if {@code method}, {@code path}, {@code headers}, {@code body} or
   *     {@code receivedAt} is null
   */
  public RecordedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    headers = Headers.redactedCopy(Objects.requireNonNull(headers, "headers"));
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(receivedAt, "receivedAt");
  }

  /**
   * Returns whether this request created a transmission.
   *
   * @return {@code true} if {@link #transmissionId()} is not null
   */
  public boolean accepted() {
    return transmissionId != null;
  }

  /**
   * Returns the first value of request header {@code name}, ignoring case, or {@code null} if the
   * request did not carry it.
   *
   * @param name the header name, in any case
   * @return the first value; {@code "[redacted]"} for {@code Authorization}
   */
  public String header(String name) {
    Objects.requireNonNull(name, "name");
    return Headers.first(headers, name);
  }
}
