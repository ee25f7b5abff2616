package io.steadfast.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.Recipient;
import io.steadfast.SendReceipt;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

  /** Metadata whose values are themselves empty (a message refuses null values): the compact form keeps them. */
  private static Map<String, Object> awkwardValues() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("blank", "");
    nested.put("list", new ArrayList<>());
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("blank", "");
    values.put("emptyList", new ArrayList<>());
    values.put("emptyMap", new LinkedHashMap<>());
    values.put("nested", nested);
    values.put("number", 42);
    return values;
  }

  private static Message everything() {
    return Message.builder()
        .from("sender@example.com", "Sender")
        .replyTo("reply@example.com")
        .recipient(Recipient.to(new EmailAddress("to@example.com", "To")).withTags(List.of("vip"))
            .withMetadata(awkwardValues()).withSubstitutionData(Map.of("name", "Ann")))
        .cc("cc@example.com")
        .bcc("bcc@example.com")
        .subject("")
        .text("text\nwith lines")
        .html("<p>html</p>")
        .ampHtml("<html amp4email></html>")
        .header("X-Order", "42")
        .attachment(Attachment.of("a.txt", "text/plain", "attached".getBytes(StandardCharsets.UTF_8)))
        .inlineImage("logo.png", "image/png", new byte[] {1, 2, 3})
        .campaignId("spring")
        .description("all fields")
        .returnPath("bounces@example.com")
        .metadata(awkwardValues())
        .substitutionData(awkwardValues())
        .tag("t1")
        .transactional(true)
        .openTracking(false)
        .ipPool("pool")
        .startTime(Instant.parse("2026-01-01T00:00:00Z"))
        .idempotencyKey(IdempotencyKey.of("codec-1"))
        .build();
  }

  private static Message minimal() {
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject("s").text("t").build();
  }

  @Test
  void bothFormsReadBackAsTheSameMessageWithTheSameFingerprint() {
    for (Message message : List.of(everything(), minimal())) {
      for (byte[] json : List.of(MessageCodec.encode(message), MessageCodec.encodeCompact(message))) {
        Message back = MessageCodec.decode(json);

        assertThat(back).isEqualTo(message);
        assertThat(back.fingerprint()).isEqualTo(message.fingerprint());
      }
    }
  }

  @Test
  void compactFormLeavesOutNullsAndEmptyListsButKeepsEmptyStringsAndEmptyValuesInMetadata() {
    String full = new String(MessageCodec.encode(minimal()), StandardCharsets.UTF_8);
    String compact = new String(MessageCodec.encodeCompact(minimal()), StandardCharsets.UTF_8);

    assertThat(full).contains("\"html\":null").contains("\"attachments\":[]");
    assertThat(compact).doesNotContain("null").doesNotContain("[]").doesNotContain("\"attachments\"");
    assertThat(compact.length()).isLessThan(full.length() / 2);

    String rich = new String(MessageCodec.encodeCompact(everything()), StandardCharsets.UTF_8);
    assertThat(rich).contains("\"subject\":\"\"").contains("\"blank\":\"\"").contains("\"emptyList\":[]")
        .contains("\"emptyMap\":{}");
  }

  @Test
  void templateMessageWithoutSenderOrBodiesRoundTrips() {
    Message template = Message.builder().to("rcpt@example.com").template("welcome", true)
        .substitutionData(Map.of("name", "Ann")).build();

    assertThat(MessageCodec.decode(MessageCodec.encodeCompact(template))).isEqualTo(template);
  }

  @Test
  void receiptConfirmedFromEventsRoundTrips() {
    SendReceipt confirmed = new SendReceipt("tx-1", 2, 1, IdempotencyKey.of("k1"), "rest-eu", 3, "req-1", true);
    SendReceipt replied = new SendReceipt("tx-2", 1, 0, IdempotencyKey.of("k2"), "smtp", 1, null);

    assertThat(MessageCodec.decodeReceipt(MessageCodec.encodeReceipt(confirmed))).isEqualTo(confirmed);
    assertThat(MessageCodec.decodeReceipt(MessageCodec.encodeReceipt(replied))).isEqualTo(replied);
    assertThat(MessageCodec.encodeReceipt(confirmed)).contains("\"confirmedFromEvents\":true");
  }

  @Test
  void receiptStoredBeforeConfirmedFromEventsExistedReadsBackAsNotConfirmedFromEvents() {
    // As the spool stored receipts up to schema 3 (SQLite) and 1 (PostgreSQL).
    String stored = "{\"transmissionId\":\"tx-1\",\"acceptedRecipients\":1,\"rejectedRecipients\":0,"
        + "\"idempotencyKey\":{\"value\":\"k1\"},\"route\":\"rest-us\",\"attempts\":2,\"requestId\":null}";

    SendReceipt receipt = MessageCodec.decodeReceipt(stored);

    assertThat(receipt).isEqualTo(new SendReceipt("tx-1", 1, 0, IdempotencyKey.of("k1"), "rest-us", 2, null));
    assertThat(receipt.confirmedFromEvents()).isFalse();
  }
}
