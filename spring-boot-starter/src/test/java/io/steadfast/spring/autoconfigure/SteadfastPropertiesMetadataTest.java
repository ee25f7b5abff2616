package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ReconcilePolicy;
import io.steadfast.SpoolConfig;
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

  @Test
  void describesSpoolAndSpoolHealthProperties() throws Exception {
    Map<String, String> descriptions = new LinkedHashMap<>();
    metadata().get("properties").valueStream().forEach(p -> descriptions.put(p.get("name").asString(),
        p.has("description") ? p.get("description").asString() : ""));

    assertThat(descriptions).containsKeys("steadfast.spool.enabled", "steadfast.spool.store",
        "steadfast.spool.directory", "steadfast.spool.trusted-group", "steadfast.spool.workers",
        "steadfast.spool.max-entries", "steadfast.spool.max-size", "steadfast.spool.deliver-within",
        "steadfast.spool.close-timeout",
        "steadfast.spool.postgresql.node-id", "steadfast.spool.postgresql.table-prefix",
        "steadfast.health.spool.all-routes-open-status", "steadfast.health.spool.max-fill-ratio",
        "steadfast.health.spool.max-oldest-pending-age", "steadfast.health.spool.max-dead-letters",
        "steadfast.health.spool.exceeded-status");
    assertThat(descriptions.get("steadfast.spool.deliver-within")).contains("dead-lettered as expired");
    assertThat(descriptions.get("steadfast.spool.trusted-group")).contains("setgid").contains("2770");
  }

  @Test
  void publishesSpoolDefaultsFromSpoolConfig() throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    for (JsonNode property : metadata().get("properties")) {
      JsonNode value = property.get("defaultValue");
      if (value != null && !value.isNull() && !value.isArray()) {
        defaults.put(property.get("name").asString(), value.asString());
      }
    }

    assertThat(defaults).containsEntry("steadfast.spool.workers", String.valueOf(SpoolConfig.DEFAULT_WORKERS))
        .containsEntry("steadfast.spool.max-entries", String.valueOf(SpoolConfig.DEFAULT_MAX_ENTRIES))
        .containsEntry("steadfast.spool.max-size", "1GB")
        .containsEntry("steadfast.spool.deliver-within", "72h")
        .containsEntry("steadfast.spool.store", "sqlite")
        .containsEntry("steadfast.spool.enabled", "false");
  }

  @Test
  void publishesReconcileDefaultsFromReconcilePolicy() throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    Map<String, String> descriptions = new LinkedHashMap<>();
    for (JsonNode property : metadata().get("properties")) {
      JsonNode value = property.get("defaultValue");
      if (value != null && !value.isNull() && !value.isArray()) {
        defaults.put(property.get("name").asString(), value.asString());
      }
      descriptions.put(property.get("name").asString(),
          property.has("description") ? property.get("description").asString() : "");
    }

    SteadfastProperties bound = new Binder(new MapConfigurationPropertySource(defaults))
        .bindOrCreate("steadfast", Bindable.of(SteadfastProperties.class));

    assertThat(defaults).containsEntry("steadfast.reconcile.policy", "reconcile")
        .containsEntry("steadfast.reconcile.settle-delay", "90s")
        .containsEntry("steadfast.reconcile.recheck-delay", "90s")
        .containsEntry("steadfast.reconcile.timeout", "30m");
    assertThat(SteadfastConfigFactory.reconcilePolicy(bound.getReconcile())).isEqualTo(ReconcilePolicy.DEFAULT);
    assertThat(descriptions.get("steadfast.reconcile.policy")).contains("Events Search: Read-only");
    assertThat(descriptions.get("steadfast.reconcile.timeout")).contains("10d");
  }
}
