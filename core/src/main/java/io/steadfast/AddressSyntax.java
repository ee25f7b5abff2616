package io.steadfast;

import io.steadfast.internal.Idna;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Checks RFC 5322 addr-spec syntax and normalises the domain to its ASCII (A-label) form.
 *
 * <p>Internationalised domains are accepted and converted to A-labels because SparkPost's REST API
 * and SMTP without SMTPUTF8 both need ASCII domains. Non-ASCII local parts are refused: they need
 * SMTPUTF8 end to end, which Steadfast cannot promise.
 *
 * <p><b>IDNA2008, or a refusal.</b> The conversion is UTS #46 non-transitional processing (IDNA2008,
 * RFC 5890-5893), as {@link Idna} implements it: {@code faß.de} becomes {@code xn--fa-hia.de}, not
 * {@code fass.de} as with the JDK's {@code java.net.IDN} (IDNA2003), which would send the mail to a
 * different domain. A full implementation needs Unicode's mapping table (ICU4J, about 14 MB, too much
 * for core's four runtime dependencies), so what cannot be converted correctly without it is refused
 * with an {@link InvalidMessageException} naming the domain and the reason: code points newer than
 * Unicode 3.2 (the tables the JDK's IDNA2003 carries), symbols, punctuation and emoji (which IDNA2008
 * disallows, though UTS #46 tolerates some for IDNA2003 compatibility), and labels that break
 * IDNA2008's hyphen, combining-mark, CONTEXTJ, CONTEXTO or Bidi rules. An A-label given as input is
 * checked the same way and kept as given, in lower case.
 */
final class AddressSyntax {
  static final int MAX_ADDRESS_LENGTH = 254; // RFC 5321 4.5.3.1.3: path minus the angle brackets
  static final int MAX_LOCAL_LENGTH = 64; // RFC 5321 4.5.3.1.1
  private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

  private AddressSyntax() {}

  /** The result of a check: the normalised address, or the problem in words. */
  record Result(@Nullable String normalised, @Nullable String problem) {}

  static Result check(String address) {
    if (address.isEmpty()) {
      return problem("is empty");
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (c == '\r' || c == '\n') {
        return problem("contains CR or LF");
      }
    }
    int at = address.lastIndexOf('@');
    if (at <= 0 || at == address.length() - 1) {
      return problem("must look like name@example.com");
    }
    String local = address.substring(0, at);
    String domain = address.substring(at + 1);
    String localProblem = checkLocalPart(local);
    if (localProblem != null) {
      return problem(localProblem);
    }
    String asciiDomain;
    if (domain.startsWith("[")) {
      String literalProblem = checkDomainLiteral(domain);
      if (literalProblem != null) {
        return problem(literalProblem);
      }
      asciiDomain = domain;
    } else {
      try {
        asciiDomain = Idna.toAscii(domain);
      } catch (IllegalArgumentException e) {
        return problem("has an invalid domain '" + domain + "' (" + e.getMessage() + ")");
      }
      String domainProblem = checkHostname(asciiDomain);
      if (domainProblem != null) {
        return problem(domainProblem);
      }
    }
    String normalised = local + "@" + asciiDomain;
    if (normalised.length() > MAX_ADDRESS_LENGTH) {
      return problem("is longer than " + MAX_ADDRESS_LENGTH + " characters");
    }
    return new Result(normalised, null);
  }

  private static Result problem(String text) {
    return new Result(null, text);
  }

  private static @Nullable String checkLocalPart(String local) {
    if (local.length() > MAX_LOCAL_LENGTH) {
      return "has a local part longer than " + MAX_LOCAL_LENGTH + " characters";
    }
    for (int i = 0; i < local.length(); i++) {
      if (local.charAt(i) >= 0x80) {
        return "has a non-ASCII local part, which needs SMTPUTF8; use an ASCII address";
      }
    }
    if (local.startsWith("\"")) {
      return checkQuotedString(local);
    }
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      return "has a dot at the start or end of the local part, or two dots in a row";
    }
    for (int i = 0; i < local.length(); i++) {
      char c = local.charAt(i);
      if (!isAtext(c) && c != '.') {
        return "has the character '" + printable(c) + "' in the local part; quote the local part or remove it";
      }
    }
    return null;
  }

  private static @Nullable String checkQuotedString(String local) {
    if (local.length() < 2 || !local.endsWith("\"")) {
      return "has an unterminated quoted local part";
    }
    for (int i = 1; i < local.length() - 1; i++) {
      char c = local.charAt(i);
      if (c == '\\') {
        i++;
        if (i >= local.length() - 1) {
          return "has a quoted local part ending in a backslash";
        }
        continue;
      }
      if (c == '"' || c < ' ' || c == 0x7f) {
        return "has the character '" + printable(c) + "' inside the quoted local part";
      }
    }
    return null;
  }

  private static @Nullable String checkHostname(String domain) {
    if (domain.length() > 253) {
      return "has a domain longer than 253 characters";
    }
    String[] labels = domain.split("\\.", -1);
    if (labels.length < 2) {
      // RFC 5322 allows a single label, but SparkPost can only deliver to a public domain.
      return "has the domain '" + domain + "' without a dot; use a fully qualified domain";
    }
    for (String label : labels) {
      if (label.isEmpty() || label.length() > 63) {
        return "has an empty domain label or one longer than 63 characters";
      }
      if (label.startsWith("-") || label.endsWith("-")) {
        return "has a domain label that starts or ends with '-'";
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        if (!(isAsciiLetterOrDigit(c) || c == '-')) {
          return "has the character '" + printable(c) + "' in the domain";
        }
      }
    }
    return null;
  }

  private static @Nullable String checkDomainLiteral(String domain) {
    if (!domain.endsWith("]") || domain.length() < 3) {
      return "has an unterminated domain literal";
    }
    String inner = domain.substring(1, domain.length() - 1);
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      // dtext (RFC 5322 3.4.1): printable ASCII except '[', ']' and '\'.
      if (c < '!' || c > '~' || c == '[' || c == ']' || c == '\\') {
        return "has the character '" + printable(c) + "' in the domain literal";
      }
    }
    return null;
  }

  private static boolean isAtext(char c) {
    return isAsciiLetterOrDigit(c) || ATEXT_SPECIALS.indexOf(c) >= 0;
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static String printable(char c) {
    return c < ' ' || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c);
  }
}
