package io.steadfast.internal;

import java.net.IDN;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Converts a domain to its ASCII form with UTS #46 non-transitional processing (IDNA2008,
 * RFC 5890-5893), as far as the JDK can do it correctly, and refuses the rest rather than convert
 * it to a different domain.
 *
 * <p><b>Why not {@code java.net.IDN} alone.</b> It implements IDNA2003 (RFC 3490, Nameprep on
 * Unicode 3.2), which maps the deviation characters away: {@code faß.de} becomes {@code fass.de}, a
 * different domain, where IDNA2008 gives {@code xn--fa-hia.de}. A full UTS #46 implementation needs
 * Unicode's mapping table (ICU4J, about 14 MB), too heavy for core. So:
 *
 * <ul>
 *   <li>UTS #46 maps code point by code point, then normalises to NFC. For every code point except
 *       the four deviations, the mapping is taken from {@code java.net.IDN} applied to that code
 *       point alone; for the code points of Unicode 3.2 this is the mapping UTS #46 inherited from
 *       IDNA2003. A code point that IDNA2003 does not know (newer than Unicode 3.2) or prohibits is
 *       refused.
 *   <li>The deviations ß (U+00DF), ς (U+03C2), ZWNJ (U+200C) and ZWJ (U+200D) are kept, as
 *       non-transitional processing does, and the label is encoded with our own {@link Punycode}.
 *   <li>The mapped label must consist of code points IDNA2008 allows (RFC 5892's derivation,
 *       checked with the JDK's Unicode properties): letters, marks and digits that are stable under
 *       mapping, plus the exceptions RFC 5892 lists. Symbols, punctuation and emoji are refused,
 *       although UTS #46 accepts some of them for IDNA2003 compatibility ({@code NV8} in its table):
 *       IDNA2008 itself disallows them, and no registry following it can register them.
 *   <li>IDNA2008's rules are checked: hyphens (RFC 5891 4.2.3.1), no leading combining mark, the
 *       CONTEXTJ rules for ZWJ and ZWNJ and the CONTEXTO rules (RFC 5892 Appendix A; ZWNJ's joining
 *       rule only for the Arabic block, elsewhere only after a virama), and the Bidi rule
 *       (RFC 5893) for a domain with right-to-left labels.
 *   <li>An A-label given as input ({@code xn--...}) is decoded and must be a valid U-label that
 *       mapping would not change; it is kept as given, in lower case.
 * </ul>
 *
 * <p>Lengths (63 per label, 253 in all) and the ASCII rules for each label are left to the caller.
 */
public final class Idna {
  private static final int ZWNJ = 0x200C;
  private static final int ZWJ = 0x200D;

  /** Code points of Unicode 3.2 with canonical combining class 9 (virama), for CONTEXTJ. */
  private static final int[] VIRAMAS = {0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D4D,
      0x0DCA, 0x0E3A, 0x0F84, 0x1039, 0x1714, 0x1734, 0x17D2};

  /**
   * Code points IDNA2003 maps to nothing that UTS #46 also ignores. Others it maps to nothing (such as
   * U+1806 MONGOLIAN TODO SOFT HYPHEN) are disallowed by UTS #46, so they are refused.
   */
  private static final int[][] IGNORED = {{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x180B, 0x180D}, {0x200B, 0x200B},
      {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}};

  /** Right-joining letters of the Arabic block (Unicode 3.2 ArabicShaping.txt, Joining_Type R). */
  private static final int[][] ARABIC_RIGHT_JOINING = {{0x0622, 0x0625}, {0x0627, 0x0627}, {0x0629, 0x0629},
      {0x062F, 0x0632}, {0x0648, 0x0648}, {0x0671, 0x0673}, {0x0675, 0x0677}, {0x0688, 0x0699}, {0x06C0, 0x06C0},
      {0x06C3, 0x06CB}, {0x06CD, 0x06CD}, {0x06CF, 0x06CF}, {0x06D2, 0x06D3}, {0x06D5, 0x06D5}};

  /** Letters of the Arabic block that join on neither side (Joining_Type U). */
  private static final int[] ARABIC_NON_JOINING = {0x0621, 0x0674, 0x06FD, 0x06FE};

  private Idna() {}

  /**
   * Returns {@code domain} with each label in ASCII: an all-ASCII label in lower case, any other as
   * an A-label.
   *
   * @throws IllegalArgumentException with a message saying why if the domain cannot be converted
   *     correctly
   */
  public static String toAscii(String domain) {
    List<String> ascii = new ArrayList<>();
    List<String> unicode = new ArrayList<>();
    // The full stops IDNA2003 and UTS #46 both treat as label separators.
    for (String label : domain.split("[.\u3002\uFF0E\uFF61]", -1)) {
      String mapped = isAscii(label) ? label.toLowerCase(Locale.ROOT) : Normalizer.normalize(map(label),
          Normalizer.Form.NFC);
      if (isAscii(mapped)) {
        checkStd3(mapped);
        unicode.add(mapped.startsWith("xn--") ? fromALabel(mapped) : mapped);
        ascii.add(mapped);
      } else {
        validate(mapped);
        unicode.add(mapped);
        ascii.add("xn--" + Punycode.encode(mapped));
      }
    }
    checkBidi(unicode);
    return String.join(".", ascii);
  }

  /** UseSTD3ASCIIRules: an ASCII label has only letters, digits and hyphens, and no hyphen at either end. */
  private static void checkStd3(String label) {
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        String shown = c < ' ' || c == 0x7f ? String.format(Locale.ROOT, "U+%04X", (int) c) : "'" + c + "'";
        throw new IllegalArgumentException("the label '" + label + "' contains " + shown
            + "; a host name has only letters, digits and hyphens");
      }
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      throw new IllegalArgumentException("the label '" + label + "' starts or ends with a hyphen");
    }
  }

  /** Decodes an A-label and checks it is a valid U-label, which mapping would leave as it is. */
  private static String fromALabel(String label) {
    String decoded;
    try {
      decoded = Punycode.decode(label.substring(4));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the label '" + label + "' is not valid Punycode (" + e.getMessage() + ")");
    }
    if (isAscii(decoded)) {
      throw new IllegalArgumentException("the label '" + label + "' encodes only ASCII, which an A-label never does");
    }
    String mapped;
    try {
      mapped = Normalizer.normalize(map(decoded), Normalizer.Form.NFC);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the label '" + label + "' decodes to a label that " + e.getMessage());
    }
    if (!mapped.equals(decoded)) {
      throw new IllegalArgumentException("the label '" + label + "' decodes to '" + decoded
          + "', which is not in the normalised form an A-label must encode");
    }
    validate(decoded);
    return decoded;
  }

  /** Maps {@code label} code point by code point (UTS #46 section 4, step 1, non-transitional). */
  private static String map(String label) {
    StringBuilder out = new StringBuilder();
    label.codePoints().forEach(cp -> {
      if (cp == 0x00DF || cp == 0x03C2 || cp == ZWNJ || cp == ZWJ) {
        out.appendCodePoint(cp); // deviations: kept by non-transitional processing
      } else if (cp < 0x80) {
        out.append(Character.toLowerCase((char) cp));
      } else if (in(IGNORED, cp)) {
        // mapped to nothing by IDNA2003 and UTS #46 alike
      } else {
        String one;
        try {
          one = IDN.toASCII(new String(Character.toChars(cp)), IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("contains " + name(cp) + ", which IDNA2008 does not allow in a domain"
              + " or which is newer than the Unicode 3.2 tables this conversion can check");
        }
        out.append(one.startsWith("xn--") ? Punycode.decode(one.substring(4)) : one.toLowerCase(Locale.ROOT));
      }
    });
    return out.toString();
  }

  /** Checks a mapped, non-ASCII label against IDNA2008's rules (RFC 5891 section 4.2, RFC 5892). */
  private static void validate(String label) {
    int[] cps = label.codePoints().toArray();
    if (!Normalizer.isNormalized(label, Normalizer.Form.NFC)) {
      throw new IllegalArgumentException("the label '" + label + "' is not in Unicode normalisation form C");
    }
    if (cps[0] == '-' || cps[cps.length - 1] == '-') {
      throw new IllegalArgumentException("the label '" + label + "' starts or ends with '-'");
    }
    if (cps.length >= 4 && cps[2] == '-' && cps[3] == '-') {
      throw new IllegalArgumentException("the label '" + label + "' has '--' in the third and fourth positions");
    }
    if (isMark(cps[0])) {
      throw new IllegalArgumentException("the label '" + label + "' starts with a combining mark");
    }
    for (int i = 0; i < cps.length; i++) {
      int cp = cps[i];
      String problem = cp == ZWJ || cp == ZWNJ ? contextJ(cps, i) : contextO(cps, i);
      if (problem == null && !isAllowed(cp)) {
        problem = "contains " + name(cp) + ", which IDNA2008 does not allow in a domain (only letters, marks"
            + " and digits)";
      }
      if (problem != null) {
        throw new IllegalArgumentException("the label '" + label + "' " + problem);
      }
    }
  }

  /** Returns whether {@code cp} is PVALID in IDNA2008, judged by RFC 5892's derivation; context rules apart. */
  private static boolean isAllowed(int cp) {
    if (cp < 0x80) {
      return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-';
    }
    switch (cp) {
      case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007, ZWJ, ZWNJ,
          0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB -> {
        return true; // RFC 5892 section 2.6 exceptions (PVALID and CONTEXTO); CONTEXTJ checked apart
      }
      case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B,
          0x17B4, 0x17B5 -> {
        return false; // exceptions DISALLOWED, and Default_Ignorable letters
      }
      default -> {
        // fall through to the category rule
      }
    }
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xD7B0 && cp <= 0xD7FF)) {
      return false; // OldHangulJamo
    }
    if ((cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0x1D100 && cp <= 0x1D24F)) {
      return false; // IgnorableBlocks
    }
    int type = Character.getType(cp);
    return type == Character.LOWERCASE_LETTER || type == Character.OTHER_LETTER || type == Character.MODIFIER_LETTER
        || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.DECIMAL_DIGIT_NUMBER;
  }

  /** RFC 5892 Appendix A.1 and A.2; returns the problem, or {@code null} if the rule holds. */
  private static String contextJ(int[] cps, int i) {
    if (i > 0 && isVirama(cps[i - 1])) {
      return null;
    }
    if (cps[i] == ZWJ) {
      return "has ZERO WIDTH JOINER (U+200D) not after a virama (RFC 5892 A.2)";
    }
    int before = i - 1;
    while (before >= 0 && joiningType(cps[before]) == 'T') {
      before--;
    }
    int after = i + 1;
    while (after < cps.length && joiningType(cps[after]) == 'T') {
      after++;
    }
    boolean joins = before >= 0 && "LD".indexOf(joiningType(cps[before])) >= 0
        && after < cps.length && "RD".indexOf(joiningType(cps[after])) >= 0;
    return joins ? null : "has ZERO WIDTH NON-JOINER (U+200C) neither after a virama nor between joining Arabic"
        + " letters (RFC 5892 A.1)";
  }

  /** RFC 5892 Appendix A.3 to A.9; returns the problem, or {@code null} if the rule holds or none applies. */
  private static String contextO(int[] cps, int i) {
    int cp = cps[i];
    if (cp == 0x00B7) {
      boolean between = i > 0 && cps[i - 1] == 'l' && i + 1 < cps.length && cps[i + 1] == 'l';
      return between ? null : "has MIDDLE DOT (U+00B7) not between two 'l' (RFC 5892 A.3)";
    }
    if (cp == 0x0375) {
      boolean greek = i + 1 < cps.length && Character.UnicodeScript.of(cps[i + 1]) == Character.UnicodeScript.GREEK;
      return greek ? null : "has GREEK KERAIA (U+0375) not before a Greek letter (RFC 5892 A.4)";
    }
    if (cp == 0x05F3 || cp == 0x05F4) {
      boolean hebrew = i > 0 && Character.UnicodeScript.of(cps[i - 1]) == Character.UnicodeScript.HEBREW;
      return hebrew ? null : "has a Hebrew geresh or gershayim not after a Hebrew letter (RFC 5892 A.5, A.6)";
    }
    if (cp == 0x30FB) {
      for (int other : cps) {
        Character.UnicodeScript script = Character.UnicodeScript.of(other);
        if (script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA
            || script == Character.UnicodeScript.HAN) {
          return null;
        }
      }
      return "has KATAKANA MIDDLE DOT (U+30FB) without Hiragana, Katakana or Han (RFC 5892 A.7)";
    }
    if (cp >= 0x0660 && cp <= 0x0669 && java.util.Arrays.stream(cps).anyMatch(c -> c >= 0x06F0 && c <= 0x06F9)
        || cp >= 0x06F0 && cp <= 0x06F9 && java.util.Arrays.stream(cps).anyMatch(c -> c >= 0x0660 && c <= 0x0669)) {
      return "mixes Arabic-Indic and extended Arabic-Indic digits (RFC 5892 A.8, A.9)";
    }
    return null;
  }

  /** The Bidi rule (RFC 5893 section 2) for every label, if any label is right-to-left. */
  private static void checkBidi(List<String> labels) {
    boolean bidiDomain = labels.stream().anyMatch(label -> label.codePoints().anyMatch(cp -> {
      byte d = Character.getDirectionality(cp);
      return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
          || d == Character.DIRECTIONALITY_ARABIC_NUMBER;
    }));
    if (!bidiDomain) {
      return;
    }
    for (String label : labels) {
      if (label.isEmpty()) {
        continue;
      }
      String problem = bidiProblem(label.codePoints().toArray());
      if (problem != null) {
        throw new IllegalArgumentException("the label '" + label + "' " + problem
            + ", which the Bidi rule (RFC 5893) forbids in a domain with right-to-left labels");
      }
    }
  }

  private static String bidiProblem(int[] cps) {
    byte first = Character.getDirectionality(cps[0]);
    boolean rtl = first == Character.DIRECTIONALITY_RIGHT_TO_LEFT || first == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    if (!rtl && first != Character.DIRECTIONALITY_LEFT_TO_RIGHT) {
      return "starts with a character that is neither left-to-right nor right-to-left";
    }
    int last = cps.length - 1;
    while (last > 0 && Character.getDirectionality(cps[last]) == Character.DIRECTIONALITY_NONSPACING_MARK) {
      last--;
    }
    byte end = Character.getDirectionality(cps[last]);
    boolean european = false;
    boolean arabic = false;
    for (int cp : cps) {
      byte d = Character.getDirectionality(cp);
      boolean common = d == Character.DIRECTIONALITY_EUROPEAN_NUMBER
          || d == Character.DIRECTIONALITY_EUROPEAN_NUMBER_SEPARATOR
          || d == Character.DIRECTIONALITY_COMMON_NUMBER_SEPARATOR
          || d == Character.DIRECTIONALITY_EUROPEAN_NUMBER_TERMINATOR || d == Character.DIRECTIONALITY_OTHER_NEUTRALS
          || d == Character.DIRECTIONALITY_BOUNDARY_NEUTRAL || d == Character.DIRECTIONALITY_NONSPACING_MARK;
      boolean allowed = rtl
          ? common || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC
              || d == Character.DIRECTIONALITY_ARABIC_NUMBER
          : common || d == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
      if (!allowed) {
        return rtl ? "mixes left-to-right characters into a right-to-left label"
            : "mixes right-to-left characters or Arabic digits into a left-to-right label";
      }
      european |= d == Character.DIRECTIONALITY_EUROPEAN_NUMBER;
      arabic |= d == Character.DIRECTIONALITY_ARABIC_NUMBER;
    }
    if (rtl) {
      if (european && arabic) {
        return "mixes European and Arabic digits";
      }
      boolean endsWell = end == Character.DIRECTIONALITY_RIGHT_TO_LEFT
          || end == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC || end == Character.DIRECTIONALITY_EUROPEAN_NUMBER
          || end == Character.DIRECTIONALITY_ARABIC_NUMBER;
      return endsWell ? null : "ends a right-to-left label with a neutral character";
    }
    boolean endsWell = end == Character.DIRECTIONALITY_LEFT_TO_RIGHT || end == Character.DIRECTIONALITY_EUROPEAN_NUMBER;
    return endsWell ? null : "ends a left-to-right label with a neutral character";
  }

  /** Joining_Type as RFC 5892 A.1 needs it: exact for the Arabic block, T for marks, U elsewhere. */
  private static char joiningType(int cp) {
    if (cp == ZWJ) {
      return 'C';
    }
    int type = Character.getType(cp);
    if (cp != ZWNJ && (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
        || type == Character.FORMAT)) {
      return 'T';
    }
    if (cp >= 0x0600 && cp <= 0x06FF && type == Character.OTHER_LETTER) {
      if (in(ARABIC_RIGHT_JOINING, cp)) {
        return 'R';
      }
      return java.util.Arrays.stream(ARABIC_NON_JOINING).anyMatch(c -> c == cp) ? 'U' : 'D';
    }
    return 'U';
  }

  private static boolean isVirama(int cp) {
    return java.util.Arrays.stream(VIRAMAS).anyMatch(v -> v == cp);
  }

  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  private static boolean in(int[][] ranges, int cp) {
    for (int[] range : ranges) {
      if (cp >= range[0] && cp <= range[1]) {
        return true;
      }
    }
    return false;
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** Names a code point for a message: {@code U+2665 '♥'}, or without the glyph for a control or format character. */
  private static String name(int cp) {
    String hex = String.format(Locale.ROOT, "U+%04X", cp);
    int type = Character.getType(cp);
    boolean invisible = type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
        || type == Character.UNASSIGNED || type == Character.PRIVATE_USE || Character.isWhitespace(cp)
        || isMark(cp);
    return invisible ? hex : hex + " '" + new String(Character.toChars(cp)) + "'";
  }
}
