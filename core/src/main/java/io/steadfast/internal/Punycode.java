package io.steadfast.internal;

/**
 * Punycode (RFC 3492), the encoding of a Unicode label as the ASCII part of an A-label ({@code
 * xn--...}), with the parameters of section 5. The JDK has it only inside {@code java.net.IDN},
 * which applies IDNA2003's mapping first, so IDNA2008 labels (such as {@code faß}) need their own.
 */
public final class Punycode {
  private static final int BASE = 36;
  private static final int TMIN = 1;
  private static final int TMAX = 26;
  private static final int SKEW = 38;
  private static final int DAMP = 700;
  private static final int INITIAL_BIAS = 72;
  private static final int INITIAL_N = 128;

  private Punycode() {}

  /**
   * Encodes {@code label} (without the {@code xn--} prefix), e.g. {@code faß} as {@code fa-hia}.
   *
   * @throws IllegalArgumentException if the label is too long to encode without overflow
   */
  public static String encode(String label) {
    int[] input = label.codePoints().toArray();
    StringBuilder output = new StringBuilder();
    for (int c : input) {
      if (c < 0x80) {
        output.append((char) c);
      }
    }
    int basic = output.length();
    int handled = basic;
    if (basic > 0) {
      output.append('-');
    }
    int n = INITIAL_N;
    long delta = 0;
    int bias = INITIAL_BIAS;
    while (handled < input.length) {
      int m = Integer.MAX_VALUE;
      for (int c : input) {
        if (c >= n && c < m) {
          m = c;
        }
      }
      delta += (long) (m - n) * (handled + 1);
      n = m;
      for (int c : input) {
        if (c < n) {
          delta++;
        }
        if (c == n) {
          long q = delta;
          for (int k = BASE; ; k += BASE) {
            int t = k <= bias ? TMIN : Math.min(k - bias, TMAX);
            if (q < t) {
              break;
            }
            output.append(digit((int) (t + (q - t) % (BASE - t))));
            q = (q - t) / (BASE - t);
          }
          output.append(digit((int) q));
          bias = adapt(delta, handled + 1, handled == basic);
          delta = 0;
          handled++;
        }
      }
      if (delta > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("the label is too long for Punycode");
      }
      delta++;
      n++;
    }
    return output.toString();
  }

  /**
   * Decodes the part of an A-label after {@code xn--}, e.g. {@code fa-hia} as {@code faß}.
   *
   * @throws IllegalArgumentException if {@code encoded} is not valid Punycode
   */
  public static String decode(String encoded) {
    int delimiter = encoded.lastIndexOf('-');
    StringBuilder basic = new StringBuilder();
    for (int i = 0; i < Math.max(0, delimiter); i++) {
      char c = encoded.charAt(i);
      if (c >= 0x80) {
        throw new IllegalArgumentException("non-ASCII character in Punycode");
      }
      basic.append(c);
    }
    java.util.List<Integer> output = new java.util.ArrayList<>();
    basic.codePoints().forEach(output::add);
    int n = INITIAL_N;
    long i = 0;
    int bias = INITIAL_BIAS;
    int in = delimiter > 0 ? delimiter + 1 : 0;
    while (in < encoded.length()) {
      long oldI = i;
      long w = 1;
      for (int k = BASE; ; k += BASE) {
        if (in >= encoded.length()) {
          throw new IllegalArgumentException("truncated Punycode");
        }
        int digit = value(encoded.charAt(in++));
        i += digit * w;
        int t = k <= bias ? TMIN : Math.min(k - bias, TMAX);
        if (digit < t) {
          break;
        }
        w *= BASE - t;
        if (i > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("Punycode overflow");
        }
      }
      int length = output.size() + 1;
      bias = adapt(i - oldI, length, oldI == 0);
      n += (int) (i / length);
      i %= length;
      if (n > Character.MAX_CODE_POINT || (n >= 0xD800 && n <= 0xDFFF)) {
        throw new IllegalArgumentException("Punycode decodes to an invalid code point");
      }
      output.add((int) i, n);
      i++;
    }
    StringBuilder text = new StringBuilder();
    for (int c : output) {
      text.appendCodePoint(c);
    }
    return text.toString();
  }

  private static int adapt(long delta, int points, boolean first) {
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    int k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
      delta /= BASE - TMIN;
      k += BASE;
    }
    return (int) (k + (BASE - TMIN + 1) * delta / (delta + SKEW));
  }

  private static char digit(int d) {
    return (char) (d < 26 ? 'a' + d : '0' + d - 26);
  }

  private static int value(char c) {
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 26;
    }
    throw new IllegalArgumentException("'" + c + "' is not a Punycode digit");
  }
}
