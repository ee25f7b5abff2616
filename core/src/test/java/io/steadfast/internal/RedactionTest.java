package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedactionTest {
  /** Characters a URL encoder changes ({@code +}, {@code /}, {@code =}) and letters of both cases. */
  private static final String KEY = "sk-Canary+/Key=9f";
  private static final ApiKey API_KEY = ApiKey.of(KEY);

  @ParameterizedTest
  @ValueSource(strings = {
      "sk-Canary+/Key=9f",
      "SK-CANARY+/KEY=9F",
      "sk-canary+/key=9f",
      "sk-Canary%2B%2FKey%3D9f",
      "sk-Canary%2b%2fKey%3d9f",
      "SK-CANARY%2B%2FKEY%3D9F",
      "%73%6B%2D%43%61%6E%61%72%79%2B%2F%4B%65%79%3D%39%66",
      "sk-Can%61ry+/Key=9f"})
  void redactsTheKeyInAnyCaseAndPercentEncoding(String echoed) {
    String body = "{\"errors\":[{\"message\":\"bad key '" + echoed + "' given\"}]}";

    String redacted = API_KEY.redact(body);

    assertThat(redacted).isEqualTo("{\"errors\":[{\"message\":\"bad key '[redacted]' given\"}]}");
    assertThat(Redaction.contains(body, KEY)).isTrue();
    assertThat(Redaction.contains(redacted, KEY)).isFalse();
  }

  @Test
  void redactsWhatJavasUrlEncoderAndBase64Produce() {
    String form = "key=" + URLEncoder.encode(KEY, StandardCharsets.UTF_8);
    String upper = form.toUpperCase(Locale.ROOT);
    String base64 = "AUTH LOGIN " + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8));

    assertThat(API_KEY.redact(form)).isEqualTo("key=[redacted]");
    assertThat(API_KEY.redact(upper)).isEqualTo("KEY=[redacted]");
    assertThat(API_KEY.redact(base64)).isEqualTo("AUTH LOGIN [redacted]");
  }

  @Test
  void redactsEveryOccurrenceAndKeepsTheTextAround() {
    String text = "a " + KEY + " b " + KEY.toUpperCase(Locale.ROOT) + " c%2";

    assertThat(API_KEY.redact(text)).isEqualTo("a [redacted] b [redacted] c%2");
  }

  @Test
  void leavesTextWithoutTheKeyUntouchedAndUncopied() {
    String text = "sk-Canary+/Key=9 almost, 100% sure, %ZZ and %2";

    assertThat(API_KEY.redact(text)).isSameAs(text);
    assertThat(Redaction.contains(text, KEY)).isFalse();
    assertThat(Redaction.redact(text, "")).isSameAs(text);
  }

  @Test
  void findsTheKeyFillingTheWholeTextButNotInAShorterOne() {
    assertThat(Redaction.contains(KEY, KEY)).isTrue();
    assertThat(Redaction.contains(KEY.toUpperCase(Locale.ROOT), KEY)).isTrue();
    assertThat(Redaction.contains(KEY.substring(1), KEY)).isFalse();
    assertThat(Redaction.contains(KEY.substring(0, KEY.length() - 1), KEY)).isFalse();
    // U+212A KELVIN SIGN lower-cases to an ASCII 'k': still one char for one byte of the key.
    assertThat(Redaction.contains("s\u212A" + KEY.substring(2), KEY)).isTrue();
    String key = "sk-cl\u00e9-9";
    assertThat(Redaction.contains(key, key)).isTrue();
    assertThat(Redaction.contains(key.toUpperCase(Locale.ROOT), key)).isTrue();
    assertThat(Redaction.contains(key.substring(1), key)).isFalse();
  }

  @Test
  void findsANonAsciiKeyPlainUpperCasedAndPercentEncoded() {
    String key = "sk-clé-9";
    String encoded = URLEncoder.encode(key, StandardCharsets.UTF_8);

    assertThat(Redaction.redact("x " + key.toUpperCase(Locale.ROOT) + " " + encoded, key))
        .isEqualTo("x [redacted] [redacted]");
  }

  @Test
  void theKeyPrintsRedacted() {
    assertThat(API_KEY).hasToString("ApiKey[redacted]");
  }
}
