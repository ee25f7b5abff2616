package io.steadfast.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordedTransmissionTest {

  private static final String KEY = "sk-canary-9a8b7c6d5e4f";

  private static RecordedTransmission transmission(
      Map<String, Object> body, Map<String, List<String>> headers, String authorization) {
    return new RecordedTransmission(
        "11668787484950529", body, "{}", headers, Instant.EPOCH, "msg-1", authorization);
  }

  @Test
  void copiesBodyDeeplyIntoUnmodifiableMapsAndLists() {
    List<Object> tags = new ArrayList<>(List.of("a"));
    Map<String, Object> recipient = new HashMap<>();
    recipient.put("tags", tags);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("recipients", new ArrayList<>(List.of(recipient)));
    body.put("return_path", null);

    RecordedTransmission transmission = transmission(body, Map.of(), KEY);
    tags.add("b");
    body.put("later", "x");

    assertThat(transmission.at("/recipients/0/tags")).isEqualTo(List.of("a"));
    assertThat(transmission.body()).containsOnlyKeys("recipients", "return_path");
    assertThat(transmission.body()).containsEntry("return_path", null);
    assertThatThrownBy(() -> transmission.body().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    @SuppressWarnings("unchecked")
    List<Object> copiedTags = (List<Object>) transmission.at("/recipients/0/tags");
    assertThatThrownBy(() -> copiedTags.add("c")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void redactsAuthorizationHeaderEvenWhenGivenRaw() {
    RecordedTransmission transmission =
        transmission(Map.of(), Map.of("authorization", List.of(KEY), "X-A", List.of("1")), KEY);

    assertThat(transmission.headers().get("Authorization")).containsExactly("[redacted]");
    assertThat(transmission.header("AUTHORIZATION")).isEqualTo("[redacted]");
    assertThat(transmission.header("x-a")).isEqualTo("1");
    assertThat(transmission.header("X-Missing")).isNull();
    assertThatThrownBy(() -> transmission.headers().put("X-B", List.of()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void authorizedWithMatchesRawKeyOrBasicUserName() {
    String basic =
        "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));

    assertThat(transmission(Map.of(), Map.of(), KEY).authorizedWith(KEY)).isTrue();
    assertThat(transmission(Map.of(), Map.of(), basic).authorizedWith(KEY)).isTrue();
    assertThat(transmission(Map.of(), Map.of(), KEY).authorizedWith("sk-other")).isFalse();
    assertThat(transmission(Map.of(), Map.of(), "Bearer " + KEY).authorizedWith(KEY)).isFalse();
    assertThat(transmission(Map.of(), Map.of(), null).authorizedWith(KEY)).isFalse();
  }

  @Test
  void toStringNeverContainsTheKey() {
    RecordedTransmission transmission =
        transmission(Map.of("subject", "Hello"), Map.of("Authorization", List.of(KEY)), KEY);

    assertThat(transmission.toString())
        .doesNotContain(KEY)
        .contains("11668787484950529", "msg-1", "authorization=[redacted]");
  }

  @Test
  void atReadsJsonPointer() {
    Map<String, Object> body =
        Map.of(
            "content", Map.of("headers", Map.of("X-A/B", "slash", "X~C", "tilde")),
            "recipients", List.of(Map.of("address", "a@example.com")));
    RecordedTransmission transmission = transmission(body, Map.of(), KEY);

    assertThat(transmission.at("")).isEqualTo(transmission.body());
    assertThat(transmission.at("/recipients/0/address")).isEqualTo("a@example.com");
    assertThat(transmission.at("/content/headers/X-A~1B")).isEqualTo("slash");
    assertThat(transmission.at("/content/headers/X~0C")).isEqualTo("tilde");
    assertThat(transmission.at("/recipients/1")).isNull();
    assertThat(transmission.at("/recipients/-")).isNull();
    assertThat(transmission.at("/content/missing/deeper")).isNull();
    assertThatThrownBy(() -> transmission.at("content"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsMissingRequiredComponents() {
    assertThatThrownBy(() -> transmission(null, Map.of(), KEY))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("body");
  }

  @Test
  void recordedRequestRedactsHeadersAndLinksToItsTransmission() {
    RecordedRequest accepted =
        new RecordedRequest(
            "POST",
            "/api/v1/transmissions",
            Map.of("Authorization", List.of(KEY)),
            "{}",
            Instant.EPOCH,
            null,
            200,
            "42",
            false);
    RecordedRequest reset =
        new RecordedRequest(
            "POST", "/api/v1/transmissions", Map.of(), "{}", Instant.EPOCH, null, null, null, true);

    assertThat(accepted.accepted()).isTrue();
    assertThat(accepted.header("authorization")).isEqualTo("[redacted]");
    assertThat(accepted.toString()).doesNotContain(KEY);
    assertThat(reset.accepted()).isFalse();
    assertThat(reset.status()).isNull();
  }
}
