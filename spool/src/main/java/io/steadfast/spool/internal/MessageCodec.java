package io.steadfast.spool.internal;

import io.steadfast.Message;
import io.steadfast.SendReceipt;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns messages and receipts into JSON for the spool and back. Attachments are base64 (Jackson's
 * {@code byte[]} form). The format carries no secret: a message holds none.
 */
public final class MessageCodec {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      // Derived accessors such as MessageOptions.isEmpty() are written but are not constructor input.
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private MessageCodec() {}

  /** Returns {@code message} as UTF-8 JSON. */
  public static byte[] encode(Message message) {
    return MAPPER.writeValueAsBytes(message);
  }

  /**
   * Returns the message in {@code json}.
   *
   * @throws RuntimeException if the bytes are not a valid message
   */
  public static Message decode(byte[] json) {
    return MAPPER.readValue(json, Message.class);
  }

  /** Returns {@code receipt} as JSON text. */
  public static String encodeReceipt(SendReceipt receipt) {
    return new String(MAPPER.writeValueAsBytes(receipt), StandardCharsets.UTF_8);
  }

  /** Returns the receipt in {@code json}. */
  public static SendReceipt decodeReceipt(String json) {
    return MAPPER.readValue(json, SendReceipt.class);
  }
}
