package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SteadfastPropertiesMetadataTest {

  private static JsonNode metadata() throws Exception {
    try (InputStream in = SteadfastPropertiesMetadataTest.class
        .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      return JsonMapper.builder().build().readTree(in);
    }
  }

  @Test
  void documentsEveryProperty() throws Exception {
    List<JsonNode> undocumented = metadata().get("properties").valueStream()
        .filter(p -> !p.has("description") || p.get("description").asString().isBlank()).toList();

    assertThat(undocumented).isEmpty();
  }

  @Test
  void publishedDefaultsMatchInitialisers() throws Exception {
    Map<String, Object> defaults = new LinkedHashMap<>();
    for (JsonNode property : metadata().get("properties")) {
      JsonNode value = property.get("defaultValue");
      if (value != null && !value.isNull()) {
        defaults.put(property.get("name").asString(), value.isArray()
            ? value.valueStream().map(JsonNode::asString).toList()
            : value.asString());
      }
    }

    SteadfastProperties bound = new Binder(new MapConfigurationPropertySource(defaults))
        .bindOrCreate("steadfast", Bindable.of(SteadfastProperties.class));

    assertThat(defaults).containsKeys("steadfast.retry.max-attempts", "steadfast.circuit-breaker.wait-in-open",
        "steadfast.call-timeout", "steadfast.health.all-routes-open-status");
    assertThat(bound).usingRecursiveComparison().isEqualTo(new SteadfastProperties());
  }
}
