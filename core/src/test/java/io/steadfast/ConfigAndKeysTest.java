package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigAndKeysTest {

  @Test
  void apiKeyNeverPrintsItself() {
    ApiKey key = ApiKey.of("sk-canary-123");

    assertThat(key.toString()).isEqualTo("ApiKey[redacted]");
    assertThat(SteadfastConfig.builder().apiKey(key).build().toString())
        .doesNotContain("sk-canary-123")
        .contains("ApiKey[redacted]");
  }

  @Test
  void apiKeyRejectsBlankAndHeaderInjection() {
    assertThatThrownBy(() -> ApiKey.of(" ")).hasMessageContaining("must not be blank");
    assertThatThrownBy(() -> ApiKey.of("abc\r\nX-Evil: 1"))
        .hasMessageContaining("whitespace or control characters")
        .hasMessageNotContaining("abc");
  }

  @Test
  void idempotencyKeysAreEqualExactlyWhenTheirValuesAre() {
    IdempotencyKey key = IdempotencyKey.of("order-1042");

    assertThat(key).isEqualTo(IdempotencyKey.of("order-1042")).hasSameHashCodeAs(IdempotencyKey.of("order-1042"));
    assertThat(key).isNotEqualTo(IdempotencyKey.of("order-1043")).isNotEqualTo(IdempotencyKey.of("ORDER-1042"));
    assertThat(key).isNotEqualTo("order-1042").isNotEqualTo(null);
  }

  @Test
  void configHasDocumentedDefaults() {
    SteadfastConfig config = SteadfastConfig.builder().apiKey("k").build();

    assertThat(config.endpoint()).isEqualTo(Endpoint.US);
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.writeTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.maxConnections()).isEqualTo(10);
    assertThat(config.maxMessageBytes()).isEqualTo(Message.MAX_MESSAGE_BYTES);
    assertThat(config.subaccountId()).isEmpty();
    assertThat(config.toBuilder().build().toString()).isEqualTo(config.toString());
  }

  @Test
  void configSettersNamePropertyAndValue() {
    SteadfastConfig.Builder builder = SteadfastConfig.builder();

    assertThatThrownBy(() -> builder.maxConnections(0)).hasMessage("maxConnections must be >= 1 but was 0");
    assertThatThrownBy(() -> builder.readTimeout(Duration.ZERO)).hasMessage("readTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> builder.subaccountId(-1)).hasMessage("subaccountId must be > 0 but was -1");
    assertThatThrownBy(() -> builder.maxMessageBytes(Message.MAX_MESSAGE_BYTES + 1))
        .hasMessageContaining("maxMessageBytes must be between 1 and");
  }

  @Test
  void configBuildRequiresApiKeyAndSaysWhereToSetIt() {
    assertThatThrownBy(() -> SteadfastConfig.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("steadfast.api-key");
  }

  @Test
  void endpointsKnowTheirRegions() {
    assertThat(Endpoint.US.restBaseUrl()).hasToString("https://api.sparkpost.com");
    assertThat(Endpoint.EU.restBaseUrl()).hasToString("https://api.eu.sparkpost.com");
    assertThat(Endpoint.EU.smtpHost()).isEqualTo("smtp.eu.sparkpostmail.com");
    assertThat(Endpoint.custom("https://api.acme.e.sparkpost.com/").restBaseUrl())
        .hasToString("https://api.acme.e.sparkpost.com");
  }

  @Test
  void customEndpointRefusesPlainHttpOffLoopback() {
    assertThat(Endpoint.custom("http://127.0.0.1:8080").name()).isEqualTo("custom");
    assertThat(Endpoint.custom("http://localhost:8080").restBaseUrl()).hasToString("http://localhost:8080");
    assertThatThrownBy(() -> Endpoint.custom("http://api.example.com"))
        .hasMessageContaining("would send the API key in clear text");
    assertThatThrownBy(() -> Endpoint.custom("ftp://api.example.com")).hasMessageContaining("http(s) URL");
  }

  @Test
  void idempotencyKeysAreTimeOrderedAndValidated() {
    IdempotencyKey first = IdempotencyKey.generate();
    IdempotencyKey second = IdempotencyKey.generate();

    assertThat(first.value()).hasSize(36).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(first).isNotEqualTo(second);
    assertThat(first.value().substring(0, 13).compareTo(second.value().substring(0, 13))).isLessThanOrEqualTo(0);
    assertThatThrownBy(() -> IdempotencyKey.of("")).hasMessageContaining("1 to 64");
    assertThatThrownBy(() -> IdempotencyKey.of("a b")).hasMessageContaining("printable ASCII");
  }

  @Test
  void generatedKeysSpreadTheirRandomBitsOverEveryRandomField() {
    java.util.Set<String> keys = new java.util.HashSet<>();
    java.util.Set<String> randA = new java.util.HashSet<>();
    java.util.Set<String> randBHigh = new java.util.HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String key = IdempotencyKey.generate().value();
      keys.add(key);
      randA.add(key.substring(15, 18));
      randBHigh.add(key.substring(20, 23));
    }

    assertThat(keys).hasSize(2000);
    // 12 random bits in rand_a and (after the variant) in the next field: 2000 draws hit hundreds of values.
    assertThat(randA).hasSizeGreaterThan(500);
    assertThat(randBHigh).hasSizeGreaterThan(500);
  }
}
