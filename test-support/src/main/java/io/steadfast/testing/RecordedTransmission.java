package io.steadfast.testing;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A transmission that {@link FakeSparkPost} accepted, as the client sent it.
 *
 * <p>{@code headers} never show the API key: the {@code Authorization} value reads {@code
 * "[redacted]"}, and {@link #toString()} prints neither the key nor {@code authorization}. Assert
 * on the key with {@link #authorizedWith(String)}.
 *
 * @param id the transmission id the fake answered with, a numeric string unique within the fake
 * @param body the parsed JSON body as unmodifiable nested maps and lists, in document order; JSON
 *     strings, booleans and nulls map to {@link String}, {@link Boolean} and {@code null}, numbers
 *     to the {@link Number} subtype Jackson reads
 * @param json the request body exactly as received
 * @param headers the request headers, unmodifiable, with case-insensitive lookups and the {@code
 *     Authorization} value redacted
 * @param receivedAt when the request arrived
 * @param idempotencyKey the string at {@code metadata.steadfast_idempotency_key} in the body, else
 *     the {@code Idempotency-Key} request header, or {@code null} if there is neither
 * @param authorization the {@code Authorization} header value as received, or {@code null} if there
 *     was none; never printed by {@link #toString()}
 */
public record RecordedTransmission(
    String id,
    Map<String, Object> body,
    String json,
    Map<String, List<String>> headers,
    Instant receivedAt,
    String idempotencyKey,
    String authorization) {

  /**
   * Validates and copies the components; {@code body} and {@code headers} become unmodifiable deep
   * copies and the {@code Authorization} header is redacted.
   *
   * @param id the transmission id
   * @param body the parsed body
   * @param json the raw body
   * @param headers the request headers
   * @param receivedAt the arrival time
   * @param idempotencyKey the idempotency key, or {@code null}
   * @param authorization the raw {@code Authorization} value, or {@code null}
   * @throws NullPointerException if a component other than {@code idempotencyKey} or {@code
   *     authorization} is null
   */
  public RecordedTransmission {
    Objects.requireNonNull(id, "id");
    body = Json.copyOfMap(Objects.requireNonNull(body, "body"));
    Objects.requireNonNull(json, "json");
    headers = Headers.redactedCopy(Objects.requireNonNull(headers, "headers"));
    Objects.requireNonNull(receivedAt, "receivedAt");
  }

  /**
   * Returns whether the request presented {@code apiKey}, either as the whole {@code Authorization}
   * value or as the user name of Basic authentication.
   *
   * @param apiKey the key expected
   * @return {@code true} if the request presented exactly {@code apiKey}
   */
  public boolean authorizedWith(String apiKey) {
    Objects.requireNonNull(apiKey, "apiKey");
    return apiKey.equals(Headers.presentedKey(authorization));
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

  /**
   * Returns the body value at the JSON Pointer {@code pointer} (RFC 6901), or {@code null} if the
   * body has none there.
   *
   * <pre>{@code
   * assertThat(transmission.at("/content/subject")).isEqualTo("Hello");
   * assertThat(transmission.at("/recipients/0/address/email")).isEqualTo("a@example.com");
   * }</pre>
   *
   * @param pointer a JSON Pointer such as {@code /content/subject}; empty for the whole body
   * @return a {@link String}, {@link Boolean}, {@link Number}, {@link Map} or {@link List}, or
   *     {@code null}
   * @throws IllegalArgumentException if {@code pointer} is not empty and does not start with "/"
   */
  public Object at(String pointer) {
    Objects.requireNonNull(pointer, "pointer");
    return Json.at(body, pointer);
  }

  /** Returns the id, arrival time, idempotency key, headers and raw JSON, never the API key. */
  @Override
  public String toString() {
    return "RecordedTransmission[id="
        + id
        + ", receivedAt="
        + receivedAt
        + ", idempotencyKey="
        + idempotencyKey
        + ", headers="
        + headers
        + ", authorization="
        + (authorization == null ? "null" : Headers.REDACTED)
        + ", json="
        + json
        + "]";
  }
}
