package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.Recipient;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Transmissions JSON byte for byte: field order, only the fields set, escaping and number
 * formats, for every content kind and every field of {@link Message}. The expected files were written
 * by the first (Jackson databind DTO) implementation, so the writer must send exactly what it sent. Also the header formatting of addresses (RFC 5322 3.4) and SparkPost's start_time format.
 */
class TransmissionWriterTest {
  private static final IdempotencyKey KEY = IdempotencyKey.of("order-1042-confirmation");

  static Stream<Arguments> messages() {
    return Stream.of(
        Arguments.of("minimal", Message.builder()
            .from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello").build()),
        Arguments.of("inline-everything", everything()),
        Arguments.of("html-only-named-from", Message.builder()
            .from("shop@example.com", "Shop").to("alice@example.com", "Alice").subject("Hi")
            .html("<p>Hi</p>").build()),
        Arguments.of("cc-bcc-tags", Message.builder()
            .from("shop@example.com").to("alice@example.com").to("zed@example.com", "Zed")
            .cc(EmailAddress.of("carol@example.com", "Carol, Accounts")).cc("dave@example.com")
            .bcc(EmailAddress.of("eve@example.com", "Eve")).subject("Copies").text("t")
            .header("X-Campaign", "cc")
            .tag("orders").tag("eu")
            .recipient(Recipient.to(EmailAddress.of("tagged@example.com"))
                .withTags(List.of("eu", "vip", "orders")))
            .build()),
        Arguments.of("template-draft", Message.builder()
            .template("welcome", true).to("alice@example.com").bcc("audit@example.com")
            .substitutionData(Map.of("name", "Alice")).build()),
        Arguments.of("template-published", Message.builder()
            .template("welcome").to("alice@example.com").campaignId("onboarding").build()),
        Arguments.of("rfc822-recipient-list", Message.builder()
            .rfc822("From: shop@example.com\r\nTo: list\r\nSubject: Grüße\r\n\r\nBody \"quoted\" 😀\r\n")
            .recipientList("newsletter-list").description("weekly").returnPath("bounces@example.com")
            .sandbox(true).build()),
        Arguments.of("some-options", Message.builder()
            .from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello")
            .openTracking(false).ipPool("dedicated").startTime(Instant.parse("2026-11-26T23:59:59.999Z"))
            .build()),
        Arguments.of("numbers-and-escapes", numbersAndEscapes()),
        // Core lets a lone surrogate through in metadata, and UTF-8 cannot encode it: whatever
        // Jackson makes of it, it must be what it always made of it.
        Arguments.of("lone-surrogate", Message.builder()
            .from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello")
            .metadata(ordered("broken", "lone \ud83d surrogate", "reversed", "\ude00\ud83d")).build()));
  }

  private static Message everything() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("list", List.of(1, "two", false, List.of(), Map.of()));
    nested.put("object", Map.of("deep", Map.of("deeper", List.of(Map.of("k", "v")))));
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("order", 1042);
    metadata.put("customer", "C-77");
    metadata.put("nested", nested);
    return Message.builder()
        .from("orders@shop.example", "Shop \"Orders\" & Co")
        .replyTo(EmailAddress.of("help@shop.example", "Help, Desk"))
        .recipient(Recipient.to(EmailAddress.of("alice@example.com", "Alice Liddell"))
            .withTags(List.of("vip"))
            .withMetadata(Map.of("customer", 7))
            .withSubstitutionData(ordered("first_name", "Alice", "items", List.of("book", "pen"))))
        .to("bob@example.com")
        .cc(EmailAddress.of("carol@example.com", "Carol"))
        .bcc("dave@example.com")
        .subject("Your order #1042 — shipped ✓")
        .text("Hello Alice,\r\nyour order is on its way.\n\tThanks!")
        .html("<p>Hello <b>Alice</b> &amp; <a href=\"https://shop.example/o?id=1&x=2\">track</a></p>"
            + "<script>alert('x')</script></p>")
        .ampHtml("<html ⚡4email><head></head><body>amp</body></html>")
        .header("X-Order", "1042")
        .header("List-Unsubscribe", "<mailto:unsubscribe@shop.example>")
        .header("X-Greeting", "Grüße, Zoë")
        .attachment("invoice.pdf", "application/pdf", bytes(1000, 1))
        .attachment("one.bin", "application/octet-stream", bytes(1, 2))
        .attachment("two.bin", "application/octet-stream", bytes(2, 3))
        .attachment("big.bin", "application/octet-stream", bytes(12_000, 4))
        .inlineImage("logo", "image/png", bytes(300, 5))
        .campaignId("autumn-sale")
        .description("order confirmation")
        .returnPath("bounces@shop.example")
        .metadata(metadata)
        .substitutionData(Map.of("discount", 10))
        .tag("orders")
        .transactional(true)
        .openTracking(true)
        .clickTracking(false)
        .sandbox(false)
        .skipSuppression(true)
        .inlineCss(true)
        .performSubstitutions(false)
        .ipPool("pool-1")
        .startTime(Instant.parse("2026-11-26T10:15:30.500Z"))
        .build();
  }

  private static Message numbersAndEscapes() {
    Map<String, Object> numbers = new LinkedHashMap<>();
    numbers.put("int", Integer.MIN_VALUE);
    numbers.put("long", Long.MAX_VALUE);
    numbers.put("short", (short) -7);
    numbers.put("byte", (byte) 127);
    numbers.put("big_integer", new BigInteger("123456789012345678901234567890"));
    numbers.put("big_decimal", new BigDecimal("19.990"));
    numbers.put("big_decimal_exp", new BigDecimal("1E+3"));
    numbers.put("big_decimal_small", new BigDecimal("0.0000001"));
    numbers.put("double", 0.1d);
    numbers.put("double_whole", 1.0d);
    numbers.put("double_huge", 1e300d);
    numbers.put("double_tiny", 1.0e-7d);
    numbers.put("double_negative_zero", -0.0d);
    numbers.put("float", 0.5f);
    numbers.put("float_max", Float.MAX_VALUE);
    numbers.put("float_third", 1f / 3);
    Map<String, Object> strings = new LinkedHashMap<>();
    strings.put("quote\"key", "a \"quoted\" value");
    strings.put("back\\slash", "C:\\path\\file");
    strings.put("slash", "</script> a/b");
    strings.put("controls", "\u0000\u0001\b\f\n\r\t\u001f\u007f");
    strings.put("separators", "\u2028\u2029");
    strings.put("unicode", "Zoë Müller, 東京, Ελληνικά");
    strings.put("emoji 😀", "😀🎉");
    strings.put("html", "<b>&amp;</b> 'single'");
    strings.put("empty", "");
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("numbers", numbers);
    metadata.put("strings", strings);
    metadata.put("booleans", List.of(true, false));
    return Message.builder()
        .from("shop@example.com", "Zoë \\ \"Shop\"")
        .to(EmailAddress.of("alice@example.com", "Ali\u00e7e 😀"))
        .subject("Line\u2028separator \"and\" \\ slash /")
        .text("\u0000 nul and \u007f del")
        .metadata(metadata)
        .substitutionData(Map.of("strings", strings))
        .build();
  }

  /** A two-entry map in a fixed order ({@code Map.of}'s order changes from one JVM to the next). */
  private static Map<String, Object> ordered(String key1, Object value1, String key2, Object value2) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(key1, value1);
    map.put(key2, value2);
    return map;
  }

  private static byte[] bytes(int length, int seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void writesWhatTheDatabindPathWrote(String name, Message message) throws IOException {
    byte[] written = TransmissionWriter.write(message, KEY).toByteArray();

    byte[] expected = expected(name);
    assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(written).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "Alice Liddell | Alice Liddell <a@example.com>",
      "O'Brien | O'Brien <a@example.com>",
      "Zoë Müller | Zoë Müller <a@example.com>",
      "Carol, Accounts | `\"Carol, Accounts\" <a@example.com>`",
      "Dr. Who | `\"Dr. Who\" <a@example.com>`",
      "Support @ Shop | `\"Support @ Shop\" <a@example.com>`",
      "`Shop \"Orders\"` | `\"Shop \\\"Orders\\\"\" <a@example.com>`",
      "`back\\slash` | `\"back\\\\slash\" <a@example.com>`",
      "`a  b` | `\"a  b\" <a@example.com>`",
      "(comment) | `\"(comment)\" <a@example.com>`",
  })
  void formatsDisplayNameQuotingOnlyWhenNeeded(String name, String expected) {
    assertThat(TransmissionWriter.format(EmailAddress.of("a@example.com", name))).isEqualTo(expected);
  }

  /**
   * Core refuses metadata over SparkPost's 10 KB counting the key the writer adds (issue #20 item 3):
   * the largest message core accepts must send exactly 10240 bytes of metadata JSON, escapes,
   * multi-byte characters and number formats included.
   */
  @Test
  void sendsExactlyTheMetadataSizeCoreCounted() {
    Map<String, Object> tricky = new LinkedHashMap<>();
    tricky.put("quote\"and\\slash/", "tab\tnl\n\u0001é😀\u2028");
    tricky.put("numbers", List.of(1, 2L, 0.1, 1.0e20, 0.25f, new BigDecimal("1E+3"), BigInteger.TEN, (short) 7));
    tricky.put("nested", Map.of("flag", true));
    int accepted = -1;
    for (int pad = 10_240; pad > 9_000; pad--) {
      Map<String, Object> metadata = new LinkedHashMap<>(tricky);
      metadata.put("pad", "x".repeat(pad));
      try {
        Message message = Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi")
            .text("Hello").metadata(metadata).idempotencyKey(KEY).build();
        String json = new String(TransmissionWriter.write(message, KEY).toByteArray(), StandardCharsets.UTF_8);
        int start = json.indexOf("\"metadata\":") + "\"metadata\":".length();
        int end = json.indexOf(",\"recipients\":");
        assertThat(json.substring(start, end).getBytes(StandardCharsets.UTF_8)).hasSize((int) Message.MAX_METADATA_BYTES);
        accepted = pad;
        break;
      } catch (io.steadfast.InvalidMessageException e) {
        assertThat(e).hasMessageContaining("metadata is");
      }
    }

    assertThat(accepted).isPositive();
  }

  @Test
  void formatsAddressWithoutNameAsPlainEmail() {
    assertThat(TransmissionWriter.format(EmailAddress.of("a@example.com"))).isEqualTo("a@example.com");
  }

  @Test
  void formatsStartTimeWithOffsetAndWholeSeconds() {
    assertThat(TransmissionWriter.startTime(Instant.parse("2026-11-25T10:00:00.999999Z")))
        .isEqualTo("2026-11-25T10:00:00+00:00");
  }

  private static byte[] expected(String name) throws IOException {
    try (InputStream in = TransmissionWriterTest.class.getResourceAsStream("/transmissions/" + name + ".json")) {
      return Objects.requireNonNull(in, "no expected JSON for " + name).readAllBytes();
    }
  }
}
