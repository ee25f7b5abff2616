package io.steadfast.spring.autoconfigure;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Masks the SparkPost API key in the actuator {@code configprops} and {@code env} endpoints.
 *
 * <p>Since Boot 3 those endpoints no longer mask by key name: with {@code show-values=always} every
 * value is shown unless a {@link SanitizingFunction} hides it. This one hides any property whose name
 * ends in {@code api-key} or {@code apiKey}, which covers {@code steadfast.api-key} in both endpoints.
 * It is active whenever actuator is present, also when the application defines its own client.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
public final class SteadfastSanitizingAutoConfiguration {

  /** Creates the auto-configuration; Spring calls this. */
  SteadfastSanitizingAutoConfiguration() {}

  @Bean
  SanitizingFunction steadfastApiKeySanitizingFunction() {
    return SteadfastSanitizingAutoConfiguration::sanitize;
  }

  static SanitizableData sanitize(SanitizableData data) {
    String key = data.getLowerCaseKey();
    return key.endsWith("api-key") || key.endsWith("apikey") ? data.withSanitizedValue() : data;
  }
}
