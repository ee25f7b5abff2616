package io.steadfast.http.internal;

import org.jspecify.annotations.Nullable;

/** Makes server-supplied text safe to put in a failure, an exception message or a log line. */
final class Texts {
  private Texts() {}

  /**
   * Returns {@code text} with control characters replaced by spaces (no forged log lines), the API
   * key replaced by {@code [redacted]} should a server ever echo it, and at most {@code maxChars}
   * characters; {@code null} if nothing is left.
   */
  static @Nullable String clean(@Nullable String text, String apiKey, int maxChars) {
    if (text == null) {
      return null;
    }
    String redacted = apiKey.isEmpty() ? text : text.replace(apiKey, "[redacted]");
    StringBuilder out = new StringBuilder(Math.min(redacted.length(), maxChars + 1));
    for (int i = 0; i < redacted.length() && out.length() <= maxChars; i++) {
      char c = redacted.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    String cleaned = out.toString().strip();
    if (cleaned.isEmpty()) {
      return null;
    }
    if (cleaned.length() > maxChars) {
      int end = maxChars - 3;
      // Never cut a surrogate pair in half.
      if (Character.isHighSurrogate(cleaned.charAt(end - 1))) {
        end--;
      }
      return cleaned.substring(0, end) + "...";
    }
    return cleaned;
  }
}
