package io.steadfast.http.internal;

import io.steadfast.internal.Redaction;
import org.jspecify.annotations.Nullable;

/** Makes server-supplied text safe to put in a failure, an exception message or a log line. */
final class Texts {
  private Texts() {}

  /**
   * Returns {@code text} with control characters replaced by spaces (no forged log lines), the API
   * key replaced by {@code [redacted]} should a server ever echo it (in any of the forms
   * {@link Redaction} finds: another letter case, percent-encoded), and at most {@code maxChars}
   * characters; {@code null} if nothing is left.
   */
  static @Nullable String clean(@Nullable String text, String apiKey, int maxChars) {
    if (text == null) {
      return null;
    }
    // The usual case (a transmission id, a request id): nothing to replace, strip or cut, so no copy.
    return isClean(text, apiKey, maxChars) ? text : rewrite(text, apiKey, maxChars);
  }

  /** Does what {@link #clean} promises by rewriting {@code text}, whether or not it needs it. */
  static @Nullable String rewrite(String text, String apiKey, int maxChars) {
    String redacted = Redaction.redact(text, apiKey);
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

  /**
   * Returns whether {@link #clean} would return {@code text} unchanged: not empty, at most
   * {@code maxChars} long, no control character, no white space to strip at either end, and no API key.
   */
  private static boolean isClean(String text, String apiKey, int maxChars) {
    int length = text.length();
    if (length == 0 || length > maxChars
        || Character.isWhitespace(text.codePointAt(0)) || Character.isWhitespace(text.codePointBefore(length))) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (Character.isISOControl(text.charAt(i))) {
        return false;
      }
    }
    return !Redaction.contains(text, apiKey);
  }
}
