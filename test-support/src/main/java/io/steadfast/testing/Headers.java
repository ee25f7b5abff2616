package io.steadfast.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Request-header helpers shared by the recorded types. */
final class Headers {

  static final String AUTHORIZATION = "Authorization";

  /** What recorded headers show instead of the {@code Authorization} value. */
  static final String REDACTED = "[redacted]";

  private Headers() {}

  /**
   * Returns an unmodifiable copy of {@code headers} whose lookups ignore case and whose {@code
   * Authorization} values read {@value #REDACTED}.
   *
   * @throws NullPointerException if a name, value list or value is null
   */
  static Map<String, List<String>> redactedCopy(Map<String, List<String>> headers) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> {
          List<String> merged = new ArrayList<>(copy.getOrDefault(name, List.of()));
          for (String value : values) {
            merged.add(name.equalsIgnoreCase(AUTHORIZATION) ? REDACTED : value);
          }
          copy.put(name, List.copyOf(merged));
        });
    return Collections.unmodifiableMap(copy);
  }

  /** Returns the first value of header {@code name}, ignoring case, or {@code null}. */
  static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    if (values == null) {
      // A map that was not built by redactedCopy may be case-sensitive.
      for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
        if (entry.getKey().equalsIgnoreCase(name)) {
          values = entry.getValue();
          break;
        }
      }
    }
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * Returns the API key an {@code Authorization} value presents, or {@code null} if it presents
   * none.
   *
   * <p>SparkPost takes the key itself as the value, and also Basic authentication with the key as
   * the user name and an empty password (developers.sparkpost.com/api, "Authentication").
   */
  static String presentedKey(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return null;
    }
    String value = authorization.strip();
    if (value.toLowerCase(Locale.ROOT).startsWith("basic ")) {
      try {
        String decoded =
            new String(
                Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        String user = colon >= 0 ? decoded.substring(0, colon) : decoded;
        return user.isBlank() ? null : user;
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
    }
    return value;
  }
}
