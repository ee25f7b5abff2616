package io.steadfast;

import org.jspecify.annotations.Nullable;

/** Rules for text that ends up in a header line: a display name, a subject, a header value. */
final class HeaderText {
  private HeaderText() {}

  /**
   * Returns what is wrong with {@code text} as header content, or {@code null} if nothing is.
   *
   * <p>CR and LF would let a value start a new header (header injection, RFC 5322 2.2); other control
   * characters are refused by SparkPost and by most MTAs. Tab is allowed: it is folding whitespace.
   */
  static @Nullable String problem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n') {
        return "contains CR or LF (header injection)";
      }
      if ((c < ' ' && c != '\t') || c == 0x7f) {
        return "contains the control character U+" + String.format(java.util.Locale.ROOT, "%04X", (int) c);
      }
    }
    return null;
  }
}
