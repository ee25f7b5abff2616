package io.steadfast;

import io.steadfast.internal.Redaction;
import java.util.Objects;

/**
 * A SparkPost API key, kept out of every log line, exception message and {@code toString()}.
 *
 * <p>Every record or object that holds an {@code ApiKey} prints it as {@code ApiKey[redacted]}, so a
 * configuration can be logged safely.
 *
 * @param value the key as SparkPost issued it; never printed
 */
public record ApiKey(String value) {

  /**
   * Checks the key is present and a single line.
   *
   * @throws IllegalArgumentException if the key is blank or contains whitespace or control characters
   */
  public ApiKey {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("API key must not be blank; create one in SparkPost under Configuration > API Keys");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // The key travels as an HTTP header value and an SMTP password: a space or control character
      // would either break the request or smuggle a second header.
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException(
            "API key must not contain whitespace or control characters (found one at index " + i + ")");
      }
    }
  }

  /**
   * Returns an API key holding {@code value}.
   *
   * @throws IllegalArgumentException if the key is blank or contains whitespace or control characters
   */
  public static ApiKey of(String value) {
    return new ApiKey(value);
  }

  /**
   * Returns {@code text} with this key replaced by {@code [redacted]} wherever it appears: as is, in
   * another letter case, percent-encoded (as in a URL or form body, e.g. {@code %2B} for {@code +}) or
   * base64-encoded (as SMTP AUTH LOGIN sends it). Use it on text a server or a library may have echoed
   * the key into, such as an error body, before logging or showing it.
   *
   * @return {@code text} itself if it holds no form of the key
   */
  public String redact(String text) {
    return Redaction.redact(Objects.requireNonNull(text, "text"), value);
  }

  /** Returns {@code ApiKey[redacted]}: the key itself is never printed. */
  @Override
  public String toString() {
    return "ApiKey" + Redaction.REDACTED;
  }
}
