package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class XMsysApiHeaderTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int USED = "X-MSYS-API: ".length();

  @Test
  void putsTheIdempotencyKeyFirstInTheMetadata() {
    Message message = message().toBuilder().metadata(Map.of("order", 7)).build();

    Map<String, Object> fields = XMsysApiHeader.fields(message, IdempotencyKey.of("k-1"));

    assertThat(fields).containsOnlyKeys("metadata");
    List<Object> keys = List.copyOf(((Map<?, ?>) fields.get("metadata")).keySet());
    assertThat(keys).containsExactly(IdempotencyKey.METADATA_FIELD, "order");
  }

  @Test
  void sendsOnlyTheOptionsThatWereSet() {
    Message message = message().toBuilder().clickTracking(false).ipPool("sp_shared").build();

    Map<String, Object> fields = XMsysApiHeader.fields(message, IdempotencyKey.of("k-1"));

    assertThat(fields.get("options")).isEqualTo(Map.of("click_tracking", false, "ip_pool", "sp_shared"));
  }

  @Test
  void escapesNonAsciiText() {
    String json = XMsysApiHeader.json(Map.of("tags", List.of("gr\u00fc\u00dfe")));

    assertThat(json).isEqualTo("{\"tags\":[\"gr\\u00FC\\u00DFe\"]}");
  }

  @Test
  void foldsOnlyBetweenJsonTokensSoAnyUnfoldingKeepsTheValue() throws Exception {
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (int i = 0; i < 30; i++) {
      metadata.put("field" + i, "a value, with: commas {and} [brackets] and spaces " + i);
    }
    String json = XMsysApiHeader.json(Map.of("metadata", metadata));

    String folded = XMsysApiHeader.fold(json, USED);

    assertThat(folded).contains("\r\n ");
    String[] lines = ("X-MSYS-API: " + folded).split("\r\n");
    assertThat(lines).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    String unfolded = folded.replace("\r\n", "");
    String sparkPostUnfolded = folded.replace("\r\n ", "  "); // SparkPost adds a space per break
    assertThat(JSON.readTree(unfolded)).isEqualTo(JSON.readTree(json));
    assertThat(JSON.readTree(sparkPostUnfolded)).isEqualTo(JSON.readTree(json));
  }

  @Test
  void keepsALongStringOnOneLineWithinTheSmtpLimit() {
    String value = "x".repeat(900);
    String json = XMsysApiHeader.json(Map.of("metadata", Map.of("long", value)));

    String folded = XMsysApiHeader.fold(json, USED);

    assertThat(folded).isNotNull();
    assertThat(folded.split("\r\n")).anySatisfy(line -> assertThat(line).contains(value))
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(XMsysApiHeader.MAX_LINE_LENGTH));
  }

  @Test
  void givesUpWhenOneTokenIsLongerThanAnSmtpLine() {
    String json = XMsysApiHeader.json(Map.of("metadata", Map.of("long", "x".repeat(1000))));

    assertThat(XMsysApiHeader.fold(json, USED)).isNull();
  }

  @Test
  void leavesAShortHeaderOnOneLine() {
    assertThat(XMsysApiHeader.fold("{\"campaign_id\":\"spring\"}", USED)).isEqualTo("{\"campaign_id\":\"spring\"}");
  }

  private static Message message() {
    return Message.builder().from("a@shop.example").to("b@example.com").subject("s").text("t").build();
  }
}
