package io.steadfast.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request that reached {@link FakeSparkPost}'s Events API endpoint ({@code GET
 * /api/v1/events/message}), whether it was answered normally, refused or answered from the events
 * script.
 *
 * <p>{@code headers} never show the API key: the {@code Authorization} value reads {@code
 * "[redacted]"}.
 *
 * @param method the HTTP method, e.g. {@code GET}
 * @param target the request path with its query string, exactly as received
 * @param parameters the query parameters, URL-decoded, in the order received, unmodifiable; a
 *     parameter given twice has two values
 * @param headers the request headers, unmodifiable, with case-insensitive lookups and the {@code
 *     Authorization} value redacted
 * @param receivedAt when the request arrived, on the fake's clock
 * @param status the HTTP status the fake answered with, or {@code null} if it broke the connection
 *     instead
 * @param scripted whether the answer came from {@link FakeSparkPost#enqueueEvents}, {@link
 *     FakeSparkPost#alwaysRespondToEvents} or {@link FakeSparkPost#eventsFaults} rather than
 *     normal behaviour
 */
public record RecordedEventsRequest(
    String method,
    String target,
    Map<String, List<String>> parameters,
    Map<String, List<String>> headers,
    Instant receivedAt,
    Integer status,
    boolean scripted) {

  /**
   * Validates and copies the components.
   *
   * @param method the HTTP method
   * @param target the path and query
   * @param parameters the decoded query parameters
   * @param headers the request headers
   * @param receivedAt the arrival time
   * @param status the status answered, or {@code null}
   * @param scripted whether the answer was scripted
   * @throws NullPointerException if a component other than {@code status} is null
   */
  public RecordedEventsRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    Objects.requireNonNull(parameters, "parameters")
        .forEach((name, values) -> copy.put(name, List.copyOf(values)));
    parameters = Collections.unmodifiableMap(copy);
    headers = Headers.redactedCopy(Objects.requireNonNull(headers, "headers"));
    Objects.requireNonNull(receivedAt, "receivedAt");
  }

  /**
   * Returns the first value of query parameter {@code name}, URL-decoded, or {@code null} if the
   * request did not carry it.
   *
   * @param name the parameter name, compared exactly
   * @return the first value, possibly empty
   */
  public String parameter(String name) {
    Objects.requireNonNull(name, "name");
    List<String> values = parameters.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * Returns the comma-separated items of query parameter {@code name}, stripped, without empty
   * items, such as the addresses of {@code recipients}.
   *
   * @param name the parameter name, compared exactly
   * @return the items in order, empty if the parameter is absent or blank
   */
  public List<String> list(String name) {
    String value = parameter(name);
    if (value == null) {
      return List.of();
    }
    List<String> items = new ArrayList<>();
    for (String item : value.split(",", -1)) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    return List.copyOf(items);
  }

  /**
   * Returns the length of the request target (path and query string) in characters, the measure
   * the fake compares with SparkPost's 4096-character URI limit.
   *
   * @return {@code target().length()}
   */
  public int uriLength() {
    return target.length();
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
