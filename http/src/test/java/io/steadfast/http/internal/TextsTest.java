package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Texts#clean} returns text that needs nothing as it is, without copying it: each text below,
 * clean or not, must come out exactly as the full rewrite makes it.
 */
class TextsTest {
  private static final String API_KEY = "sk-canary-0123456789";

  @ParameterizedTest
  @ValueSource(strings = {
      "7033454291873620553",
      "req-1",
      "a",
      "0123456789",
      "01234567890",
      " leading",
      "trailing ",
      "\u2003em space at the end\u2003",
      "tab\tinside",
      "line\nbreak",
      "bell\u0007",
      "\u0085next line",
      "delete\u007f",
      "key sk-canary-0123456789 echoed",
      "sk-canary-0123456789",
      "SK-CANARY-0123456789 upper-cased",
      "sk%2Dcanary%2D0123456789",
      "",
      "   ",
      "caf\u00e9",
      "\ud83d\udce7 mail",
      "12345678\ud83d\udce7",
      "inner  spaces are kept",
  })
  void cleanGivesWhatTheRewriteGives(String text) {
    assertThat(Texts.clean(text, API_KEY, 10)).isEqualTo(Texts.rewrite(text, API_KEY, 10));
    assertThat(Texts.clean(text, API_KEY, 100)).isEqualTo(Texts.rewrite(text, API_KEY, 100));
    assertThat(Texts.clean(text, "", 100)).isEqualTo(Texts.rewrite(text, "", 100));
  }

  @ParameterizedTest
  @ValueSource(strings = {"7033454291873620553", "req-1", "caf\u00e9"})
  void returnsCleanTextItself(String text) {
    assertThat(Texts.clean(text, API_KEY, 100)).isSameAs(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad key SK-CANARY-0123456789", "bad key sk%2Dcanary%2D0123456789",
      "bad key %73%6b-canary-0123456789"})
  void redactsTheKeyAServerEchoedUpperCasedOrPercentEncoded(String text) {
    assertThat(Texts.clean(text, API_KEY, 100)).isEqualTo("bad key [redacted]");
  }
}
