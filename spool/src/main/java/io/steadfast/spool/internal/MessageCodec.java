package io.steadfast.spool.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns messages and receipts into JSON for the spool and back. Attachments are base64 (Jackson's
 * {@code byte[]} form). The format carries no secret: a message holds none.
 *
 * <p>Messages have two written forms and one reader for both. {@link #encode} writes every property,
 * nulls and empty lists included; the PostgreSQL spool uses it, because every node of a fleet reads
 * what any node wrote, including nodes not yet upgraded. {@link #encodeCompact} leaves out null
 * properties and empty lists and maps, which the reader restores; the SQLite spool uses it from schema
 * version 3, which older versions refuse to open. A 2 KB text message shrinks from about 2.8 KB to
 * 2.3 KB, and those bytes are most of what a spool commit writes. Values inside metadata and
 * substitution data are always written as they are, nulls and empties included.
 */
public final class MessageCodec {
  /** Lists and maps: left out when empty, read back as empty when absent or null. */
  private static final JsonInclude.Value OMIT_EMPTY =
      JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, JsonInclude.Include.ALWAYS);
  private static final JsonSetter.Value ABSENT_AS_EMPTY = JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY);

  /** Writes every property; reads both forms. */
  private static final JsonMapper FULL = JsonMapper.builder()
      // Derived accessors such as MessageOptions.isEmpty() are written but are not constructor input.
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .withConfigOverride(List.class, o -> o.setNullHandling(ABSENT_AS_EMPTY))
      .withConfigOverride(Map.class, o -> o.setNullHandling(ABSENT_AS_EMPTY))
      .build();

  private static final JsonMapper COMPACT = FULL.rebuild()
      .changeDefaultPropertyInclusion(include ->
          JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
      .withConfigOverride(List.class, o -> o.setInclude(OMIT_EMPTY))
      .withConfigOverride(Map.class, o -> o.setInclude(OMIT_EMPTY))
      .build();

  /** The receipt property that releases before reconciliation did not write. */
  private static final String CONFIRMED_FROM_EVENTS = "confirmedFromEvents";

  private MessageCodec() {}

  /** Returns {@code message} as UTF-8 JSON with every property written. */
  public static byte[] encode(Message message) {
    return FULL.writeValueAsBytes(message);
  }

  /** Returns {@code message} as UTF-8 JSON without null properties and empty lists and maps. */
  public static byte[] encodeCompact(Message message) {
    return COMPACT.writeValueAsBytes(message);
  }

  /**
   * Returns the message in {@code json}, written by either encoder.
   *
   * @throws RuntimeException if the bytes are not a valid message
   */
  public static Message decode(byte[] json) {
    return FULL.readValue(json, Message.class);
  }

  /** Returns {@code receipt} as JSON text. */
  public static String encodeReceipt(SendReceipt receipt) {
    return new String(FULL.writeValueAsBytes(receipt), StandardCharsets.UTF_8);
  }

  /**
   * Returns the receipt in {@code json}. A receipt stored before {@code confirmedFromEvents} existed
   * (SQLite schema 3, PostgreSQL schema 1, and older nodes of a fleet) reads as not confirmed from
   * events: SparkPost's reply said so. Jackson would refuse the missing primitive otherwise.
   */
  public static SendReceipt decodeReceipt(String json) {
    JsonNode tree = FULL.readTree(json);
    if (tree instanceof ObjectNode object && !object.has(CONFIRMED_FROM_EVENTS)) {
      object.put(CONFIRMED_FROM_EVENTS, false);
    }
    return FULL.treeToValue(tree, SendReceipt.class);
  }
}
