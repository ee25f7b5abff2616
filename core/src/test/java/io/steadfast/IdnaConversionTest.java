package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.internal.Punycode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Issue #23 item 7: domains are converted with UTS #46 non-transitional processing (IDNA2008), not
 * the JDK's IDNA2003, and what cannot be converted correctly is refused.
 *
 * <p>No Maven Central artifact carries Unicode's IdnaTestV2.txt (ICU4J ships no test data jar, and
 * guava-testlib has none), so the vectors are written out here, each marked with where it comes
 * from:
 * <ul>
 *   <li>{@code V2}: a line of IdnaTestV2.txt (UTS #46 conformance data, Unicode 15.1/16.0), quoted
 *       with its columns {@code source; toUnicode; toUnicodeStatus; toAsciiN; toAsciiNStatus; ...};
 *       an empty status means the conversion succeeds with {@code toAsciiN}, a bracketed one that it
 *       fails;
 *   <li>{@code T3}: UTS #46 section 2.3, Table 3 (deviation characters), the non-transitional column;
 *   <li>{@code NV8}: UTS #46 accepts these only for IDNA2003 compatibility (marked NV8, "not valid in
 *       IDNA2008"); Steadfast refuses them, as RFC 5892 does;
 *   <li>{@code 3.2}: valid in IDNA2008 but newer than the Unicode 3.2 the JDK's IDNA tables know, so
 *       refused rather than guessed.
 * </ul>
 */
class IdnaConversionTest {

  static Stream<Arguments> converted() {
    return Stream.of(
        // V2: fass.de; ; ; ; ; ;  # fass.de
        Arguments.of("fass.de", "fass.de"),
        // V2: faß.de; ; ; xn--fa-hia.de; ; fass.de;  # faß.de
        Arguments.of("faß.de", "xn--fa-hia.de"),
        // V2: Faß.de; faß.de; ; xn--fa-hia.de; ; fass.de;  # faß.de
        Arguments.of("Faß.de", "xn--fa-hia.de"),
        // V2: xn--fa-hia.de; faß.de; ; xn--fa-hia.de; ; ;  # faß.de
        Arguments.of("xn--fa-hia.de", "xn--fa-hia.de"),
        // V2: 齙--4.Ss; 齙--4.ss; ; xn----4-p16k.ss; ; ;
        Arguments.of("齙--4.Ss", "xn----4-p16k.ss"),
        // T3: βόλος.com (ς U+03C2 kept)
        Arguments.of("βόλος.com", "xn--nxasmm1c.com"),
        // T3: ශ්රී.com (ZWJ U+200D after the Sinhala virama, CONTEXTJ)
        Arguments.of("\u0DC1\u0DCA\u200D\u0DBB\u0DD3.com", "xn--10cl1a0b660p.com"),
        // T3: نامهای.com (ZWNJ U+200C between joining Arabic letters, CONTEXTJ)
        Arguments.of("\u0646\u0627\u0645\u0647\u200C\u0627\u06CC.com", "xn--mgba3gch31f060k.com"),
        // RFC 3492 section 7.1 sample (B) Chinese (simplified), as one label
        Arguments.of("\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587.example", "xn--ihqwcrb4cv8a8dqg056pqjye.example"),
        // RFC 3492 section 7.1 sample (L) "3<nen>B<gumi><kinpachi><sensei>", lower-cased
        Arguments.of("3\u5E74B\u7D44\u91D1\u516B\u5148\u751F.example", "xn--3b-ww4c5e180e575a65lsy2b.example"),
        // Mapping inherited from IDNA2003: case, full-width forms and the ideographic full stop
        Arguments.of("Bücher.example", "xn--bcher-kva.example"),
        Arguments.of("ＥＸＡＭＰＬＥ。com", "example.com"),
        Arguments.of("exam\u00ADple.com", "example.com"), // SOFT HYPHEN is ignored by both
        // Capital sigma maps to σ, never to final ς; no deviation is involved, so IDNA2003 (java.net.IDN)
        // gives the same answer, xn--mxa0b
        Arguments.of("ΑΣ.gr", "xn--mxa0b.gr"));
  }

  @ParameterizedTest
  @MethodSource("converted")
  void convertsWithNonTransitionalProcessing(String domain, String ascii) {
    AddressSyntax.Result result = AddressSyntax.check("info@" + domain);

    assertThat(result.problem()).isNull();
    assertThat(result.normalised()).isEqualTo("info@" + ascii);
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        // V2: à\u05D0; ; [B5, B6]; xn--0ca24w; ; ;
        Arguments.of("\u00E0\u05D0.example", "Bidi rule"),
        // V2: 0à.\u05D0; ; [B1]; xn--0-sfa.xn--4db; ; ;
        Arguments.of("0\u00E0.\u05D0", "Bidi rule"),
        // V2: \u200C; ; [C1]; xn--0ug; ; ""; [A4_1, A4_2]
        Arguments.of("\u200C.example", "ZERO WIDTH NON-JOINER"),
        // V2: \u06EF\u200C\u06EF; ; [C1]; xn--cmba004q; ; xn--cmba; []  (06EF is also newer than 3.2)
        Arguments.of("\u06EF\u200C\u06EF.example", "U+06EF"),
        // V2: \u0671．σ\u07DC; \u0671.σ\u07DC; [B5, B6]; xn--qib.xn--4xa21s; ; ;  (07DC is also newer than 3.2)
        Arguments.of("\u0671\uFF0E\u03C3\u07DC", "U+07DC"),
        // V2: \u06A3．\u0D4D\u200Dϟ; \u06A3.\u0D4D\u200Dϟ; [B1, V6]; xn--5jb.xn--xya149bpvp; ; xn--5jb.xn--xya149b;
        Arguments.of("\u06A3\uFF0E\u0D4D\u200D\u03DF", "starts with a combining mark"),
        // V2: xn----ufo9661d.xn--1ug79cm620c71sh; ꡣ-≠.\u200D𞤹𐅢Ↄ; [B1, B6, C2, V7]; ...
        Arguments.of("xn----ufo9661d.xn--1ug79cm620c71sh", "xn----ufo9661d"),
        // V2: 𐹸䚵-ꡡ。⺇; 𐹸䚵-ꡡ.⺇; [B1]; xn----bm3an932a1l5d.xn--xvj; ; ;
        Arguments.of("\uD803\uDE78\u46B5-\uA861\u3002\u2E87", "U+"),
        // V2: xn--0ugba05538b.xn--o8e4044k; \u200D\u200D𞵪\u200C.ᡘ𑲭; [B1, C1, C2, V7]; ...
        Arguments.of("xn--0ugba05538b.xn--o8e4044k", "xn--0ugba05538b"),
        // NV8: ☃ (U+2603) and ♥ (U+2665) are symbols; IDNA2003 encoded them, IDNA2008 disallows them
        Arguments.of("\u2603.com", "U+2603"),
        Arguments.of("i\u2665ny.example", "U+2665"),
        // NV8: ¡ (U+00A1) is punctuation
        Arguments.of("\u00A1hola.example", "U+00A1"),
        // 3.2: 💩 (U+1F4A9, Unicode 6.0) is unknown to IDNA2003's tables and a symbol anyway
        Arguments.of("\uD83D\uDCA9.la", "U+1F4A9"),
        // 3.2: ẞ (U+1E9E, Unicode 5.1) cannot be mapped without the newer tables
        Arguments.of("\u1E9Ea.de", "U+1E9E"),
        // IDNA2003 maps U+1806 to nothing; UTS #46 disallows it
        Arguments.of("a\u1806b.example", "U+1806"),
        // RFC 5891 4.2.3.1: no '--' in the third and fourth positions of a U-label
        Arguments.of("ab--\u00E4.example", "'--' in the third and fourth positions"),
        // RFC 5892 A.2: ZWJ only after a virama
        Arguments.of("a\u200Db.example", "ZERO WIDTH JOINER"),
        // RFC 5892 A.3: MIDDLE DOT only between two 'l'
        Arguments.of("a\u00B7b.example", "MIDDLE DOT"),
        // An A-label that encodes only ASCII (its Punycode always ends in '-'), and one that is not Punycode
        Arguments.of("xn--abc-.example", "hyphen"),
        Arguments.of("xn--a\u00E4.example", null),
        // An A-label whose U-label is not in mapped form (upper-case Ä)
        Arguments.of("xn--" + Punycode.encode("a\u00C4") + ".example", "normalised form"),
        // UseSTD3ASCIIRules, also for ASCII labels
        Arguments.of("exa_mple.com", "contains '_'"),
        Arguments.of("-bad.example", "hyphen"),
        // V2: ..; ; [X4_2]; ; [A4_2]; ;
        Arguments.of("..", null),
        // V2: 1234567890ä1234567890123456789012345678901234567890123456; ; ; xn--...-fxe; [A4_2]; ;
        Arguments.of("1234567890\u00E41234567890123456789012345678901234567890123456.example", "63"));
  }

  @ParameterizedTest
  @MethodSource("refused")
  void refusesWhatItCannotConvertCorrectly(String domain, String why) {
    AddressSyntax.Result result = AddressSyntax.check("info@" + domain);

    assertThat(result.normalised()).as("converted to %s", result.normalised()).isNull();
    if (why != null) {
      assertThat(result.problem()).contains(why);
    }
  }

  @Test
  void namesTheDomainAndTheReasonInTheException() {
    assertThatThrownBy(() -> EmailAddress.of("info@\u2665.example"))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("\u2665.example")
        .hasMessageContaining("U+2665")
        .hasMessageContaining("IDNA2008 does not allow");
  }

  @Test
  void punycodeRoundTripsTheRfc3492Samples() {
    // RFC 3492 section 7.1 (A) Arabic (Egyptian) and (I) Russian, lower-cased
    assertThat(Punycode.encode("\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631"
        + "\u0628\u064A\u061F")).isEqualTo("egbpdaj6bu4bxfgehfvwxn");
    assertThat(Punycode.decode("b1abfaaepdrnnbgefbadotcwatmq2g4l")).isEqualTo("\u043F\u043E\u0447\u0435\u043C\u0443"
        + "\u0436\u0435\u043E\u043D\u0438\u043D\u0435\u0433\u043E\u0432\u043E\u0440\u044F\u0442\u043F\u043E\u0440"
        + "\u0443\u0441\u0441\u043A\u0438");
    assertThat(Punycode.decode(Punycode.encode("faß"))).isEqualTo("faß");
  }
}
