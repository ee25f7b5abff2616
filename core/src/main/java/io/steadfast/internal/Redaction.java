package io.steadfast.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Finds a secret (the API key) in text that leaves Steadfast, in every form a server or a library might
 * echo it in, and replaces it with {@value #REDACTED}: as is, in another letter case (a server that
 * upper-cases what it quotes), percent-encoded (a URL or a form body: {@code %2B} or {@code %2b} for
 * {@code +}, any mix of encoded and plain characters), and base64-encoded (SMTP AUTH LOGIN sends it that
 * way). The one routine behind {@link io.steadfast.ApiKey#redact}, the REST transport's text cleaning
 * and the SMTP transport's redactor, so that a form found in one place is caught in all of them.
 *
 * <p>Matching ignores ASCII letter case, so it may also hide a string that differs from the key only in
 * case: a harmless over-redaction, where the opposite would leak the key.
 */
public final class Redaction {
  /** What stands in for the secret. */
  public static final String REDACTED = "[redacted]";

  private Redaction() {}

  /**
   * Returns {@code text} with every form of {@code secret} replaced by {@value #REDACTED}, or
   * {@code text} itself when it holds none (no copy); an empty secret redacts nothing.
   */
  public static String redact(String text, String secret) {
    if (secret.isEmpty() || text.isEmpty()) {
      return text;
    }
    String result = text;
    for (byte[] form : forms(secret).forms()) {
      result = replace(result, form);
    }
    return result;
  }

  /** Returns whether {@code text} holds {@code secret} in any of the forms {@link #redact} replaces. */
  public static boolean contains(String text, String secret) {
    if (secret.isEmpty() || text.isEmpty()) {
      return false;
    }
    Forms forms = forms(secret);
    for (int i = 0; i < forms.forms().length; i++) {
      byte[] form = forms.forms()[i];
      // A match needs at least this many chars, so a text too short for the form (a transmission id
      // against an API key, on every answer) is passed without a look at any of its chars.
      int last = text.length() - forms.fewestChars()[i];
      for (int start = 0; start <= last; start++) {
        if (matchEnd(text, start, form) >= 0) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The fewest chars of text that can match {@code form}: one per byte if the form is ASCII (a char
   * matches one ASCII byte at most, plain or lower-cased; percent-encoded, it takes three chars), and
   * otherwise a third per byte (a char of a three-byte UTF-8 sequence).
   */
  private static int fewestChars(byte[] form) {
    for (byte unit : form) {
      if (unit < 0) {
        return (form.length + 2) / 3;
      }
    }
    return form.length;
  }

  /**
   * The forms of the secret seen last. A process redacts one API key (or a few), on every answer
   * SparkPost sends; computing its forms each time was a measurable part of a send.
   */
  private static volatile Forms last = new Forms("", new byte[0][], new int[0]);

  /** The forms of one secret, and for each the fewest chars of text that can match it ({@link #fewestChars}). */
  private record Forms(String secret, byte[][] forms, int[] fewestChars) {}

  /** The key itself and its base64 encoding, each as folded UTF-8 bytes. */
  private static Forms forms(String secret) {
    Forms cached = last;
    if (cached.secret().equals(secret)) {
      return cached;
    }
    String base64 = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
    byte[][] forms = {folded(secret), folded(base64)};
    Forms computed = new Forms(secret, forms, new int[] {fewestChars(forms[0]), fewestChars(forms[1])});
    last = computed;
    return computed;
  }

  private static String replace(String text, byte[] form) {
    @Nullable StringBuilder out = null;
    int copied = 0;
    int start = 0;
    while (start < text.length()) {
      int end = matchEnd(text, start, form);
      if (end < 0) {
        start++;
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(text, copied, start).append(REDACTED);
      copied = end;
      start = end;
    }
    return out == null ? text : out.append(text, copied, text.length()).toString();
  }

  /**
   * Returns the index just past the form of the secret that starts at {@code start} in {@code text}, or
   * -1 if none starts there. Reads {@code text} as UTF-8 bytes in which {@code %XY} stands for the byte
   * XY, and compares them with {@code form} ignoring ASCII letter case.
   */
  private static int matchEnd(String text, int start, byte[] form) {
    int i = start;
    int k = 0;
    int length = text.length();
    while (k < form.length) {
      if (i >= length) {
        return -1;
      }
      char c = text.charAt(i);
      if (c == '%' && i + 2 < length && hex(text.charAt(i + 1)) >= 0 && hex(text.charAt(i + 2)) >= 0) {
        int decoded = hex(text.charAt(i + 1)) * 16 + hex(text.charAt(i + 2));
        if (fold(decoded) != (form[k] & 0xff)) {
          return -1;
        }
        k++;
        i += 3;
      } else if (c < 0x80) {
        if (fold(c) != (form[k] & 0xff)) {
          return -1;
        }
        k++;
        i++;
      } else {
        int codePoint = text.codePointAt(i);
        byte[] bytes = new String(Character.toChars(Character.toLowerCase(codePoint)))
            .getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
          if (k >= form.length || b != form[k]) {
            return -1;
          }
          k++;
        }
        i += Character.charCount(codePoint);
      }
    }
    return i;
  }

  /** Returns {@code text} as UTF-8 with every letter in lower case, as {@link #matchEnd} reads text. */
  private static byte[] folded(String text) {
    StringBuilder lower = new StringBuilder(text.length());
    text.codePoints().map(Character::toLowerCase).forEach(lower::appendCodePoint);
    byte[] bytes = lower.toString().getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) fold(bytes[i] & 0xff);
    }
    return bytes;
  }

  private static int fold(int unit) {
    return unit >= 'A' && unit <= 'Z' ? unit + ('a' - 'A') : unit;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
