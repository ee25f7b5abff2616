package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Settings are checked when set, defaults are SparkPost's advice, and the factory is discoverable. */
class SmtpTransportBuilderTest {

  @Test
  void documentsSparkPostsRecommendedDefaults() {
    assertThat(SmtpTransport.DEFAULT_PORT).isEqualTo(587);
    assertThat(SmtpTransport.ALTERNATE_PORT).isEqualTo(2525);
    assertThat(SmtpTransport.DEFAULT_READ_TIMEOUT).isEqualTo(Duration.ofSeconds(60));
    assertThat(SmtpTransport.DEFAULT_CALL_TIMEOUT).isEqualTo(Duration.ofSeconds(300));
    assertThat(SmtpTransport.DEFAULT_MAX_CONNECTIONS).isEqualTo(10);
    assertThat(SmtpTransport.DEFAULT_MAX_MESSAGES_PER_CONNECTION).isEqualTo(100);
    assertThat(SmtpTransport.DEFAULT_MAX_IDLE).isLessThan(Duration.ofMinutes(1));
  }

  @Test
  void namesTheRouteAfterTheEndpoint() {
    try (SmtpTransport us = base().endpoint(Endpoint.US).build();
        SmtpTransport eu = base().endpoint(Endpoint.EU).port(SmtpTransport.ALTERNATE_PORT).build();
        SmtpTransport custom = base().endpoint(Endpoint.custom("https://api.acme.sparkpost.example")).build();
        SmtpTransport host = base().host("smtp.acme.example").build();
        SmtpTransport named = base().endpoint(Endpoint.US).route("backup").build()) {
      assertThat(List.of(us.route(), eu.route(), custom.route(), host.route(), named.route()))
          .containsExactly("smtp-us", "smtp-eu", "smtp-custom", "smtp-custom", "backup");
      assertThat(us.toString()).contains("smtp.sparkpostmail.com:587");
      assertThat(eu.toString()).contains("smtp.eu.sparkpostmail.com:2525");
      assertThat(custom.toString()).contains("api.acme.sparkpost.example:587");
    }
  }

  static Stream<Arguments> invalidSettings() {
    return Stream.of(
        invalid(b -> b.port(0), "port must be 1 to 65535 but was 0"),
        invalid(b -> b.port(65536), "port must be 1 to 65535 but was 65536"),
        invalid(b -> b.port(465), "port must not be 465"),
        invalid(b -> b.host(" "), "host must be a host name or address but was ' '"),
        invalid(b -> b.host("smtp.example\r\nRCPT"), "host must be a host name or address"),
        invalid(b -> b.subaccountId(0), "subaccountId must be >= 1 but was 0"),
        invalid(b -> b.connectTimeout(Duration.ZERO), "connectTimeout must be positive but was PT0S"),
        invalid(b -> b.readTimeout(Duration.ofSeconds(-1)), "readTimeout must be positive but was PT-1S"),
        invalid(b -> b.writeTimeout(Duration.ofDays(30)), "writeTimeout must be at most 2147483647 ms but was PT720H"),
        invalid(b -> b.readTimeout(Duration.ofNanos(10)), "readTimeout must be at least 1 ms"),
        invalid(b -> b.callTimeout(Duration.ZERO), "callTimeout must be positive but was PT0S"),
        invalid(b -> b.callTimeout(Duration.ofNanos(10)), "callTimeout must be at least 1 ms"),
        invalid(b -> b.maxConnections(0), "maxConnections must be >= 1 but was 0"),
        invalid(b -> b.maxMessagesPerConnection(0), "maxMessagesPerConnection must be >= 1 but was 0"),
        invalid(b -> b.maxConnectionAge(Duration.ZERO), "maxConnectionAge must be positive but was PT0S"),
        invalid(b -> b.maxIdle(Duration.ofSeconds(-5)), "maxIdle must be positive but was PT-5S"),
        invalid(b -> b.route(""), "route must be a name such as smtp-us but was ''"));
  }

  @ParameterizedTest
  @MethodSource("invalidSettings")
  void refusesAnInvalidSettingNamingItAndTheValue(UnaryOperator<SmtpTransport.Builder> setting, String message) {
    assertThatThrownBy(() -> setting.apply(base()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void refusesATrustStoreThatCannotVerifyServers() throws Exception {
    KeyStore unloaded = KeyStore.getInstance("PKCS12");
    KeyStore empty = KeyStore.getInstance("PKCS12");
    empty.load(null, null);

    assertThatThrownBy(() -> base().trustStore(unloaded))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("trustStore cannot be used to verify servers");
    assertThatThrownBy(() -> base().trustStore(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trustStore holds no certificates, so no server could be verified");
  }

  @Test
  void requiresAnApiKeyAndAHost() {
    assertThatThrownBy(() -> SmtpTransport.builder().endpoint(Endpoint.US).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("apiKey is required");
    assertThatThrownBy(() -> SmtpTransport.builder().apiKey(ApiKey.of("sk-x")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("host is required");
  }

  @Test
  void isFoundByServiceLoaderAndBuiltFromTheConfiguration() {
    TransportFactory factory = ServiceLoader.load(TransportFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(candidate -> candidate.kind().equals("smtp"))
        .findFirst()
        .orElseThrow();
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey("sk-config-key")
        .endpoint(Endpoint.EU)
        .subaccountId(77)
        .build();

    try (Transport transport = factory.create(config)) {
      assertThat(transport).isInstanceOf(SmtpTransport.class);
      assertThat(transport.route()).isEqualTo("smtp-eu");
      assertThat(transport.toString())
          .contains("smtp.eu.sparkpostmail.com:587")
          .contains("SMTP_Injection:X-MSYS-SUBACCOUNT=77")
          .doesNotContain("sk-config-key");
    }
  }

  @Test
  void factoryNeedsAnApiKey() {
    try (SmtpTransport other = base().endpoint(Endpoint.US).build()) {
      SteadfastConfig config = SteadfastConfig.builder().transports(List.of(other)).build();

      assertThatThrownBy(() -> new SmtpTransportFactory().create(config))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("needs an API key");
    }
  }

  private static SmtpTransport.Builder base() {
    return SmtpTransport.builder().apiKey(ApiKey.of("sk-builder-test"));
  }

  private static Arguments invalid(UnaryOperator<SmtpTransport.Builder> setting, String message) {
    return Arguments.of(setting, message);
  }
}
