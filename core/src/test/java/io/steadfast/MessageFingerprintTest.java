package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Fingerprints are stored in spools and idempotency ledgers, so they must never change for a given
 * message: these values were computed by the first implementation and are pinned here.
 */
class MessageFingerprintTest {

  static Message minimal() {
    return Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello").build();
  }

  static Message rich() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("zeta", List.of(1, 2L, "three", true, Map.of("k", "v")));
    nested.put("alpha", Map.of("deep", Map.of("deeper", List.of())));
    nested.put("Ä-key", "ünïcödé \"quoted\" \\ back/slash \t tab 😀");
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("order", 42);
    metadata.put("big", new BigInteger("123456789012345678901234567890"));
    metadata.put("price", new BigDecimal("19.990"));
    metadata.put("ratio", 0.1d);
    metadata.put("half", 0.5f);
    metadata.put("small", (short) 7);
    metadata.put("tiny", (byte) -3);
    metadata.put("long", Long.MIN_VALUE);
    metadata.put("flag", false);
    metadata.put("nested", nested);
    metadata.put("😀emoji", "key with a surrogate pair");
    metadata.put("\uffffhigh", "key above the surrogates");
    return Message.builder()
        .from("shop@example.com", "Shop \"Orders\"")
        .replyTo(EmailAddress.of("help@example.com", "Help, Desk"))
        .recipient(Recipient.to(EmailAddress.of("alice@example.com", "Alice Liddell"))
            .withTags(List.of("vip", "eu"))
            .withMetadata(Map.of("customer", 7, "segment", "gold"))
            .withSubstitutionData(Map.of("first", "Alice")))
        .cc("bob@example.com")
        .bcc(EmailAddress.of("carol@example.com", "Carol"))
        .subject("Order #42 — shipped ✓")
        .text("Line one\r\nLine two\n\u0001 control \u2028 separator")
        .html("<p>Hello <b>Alice</b> &amp; <script>alert('x')</script></p>")
        .ampHtml("<html ⚡4email><body>amp</body></html>")
        .header("X-Order", "42")
        .header("X-Unicode", "Grüße")
        .attachment("invoice.pdf", "application/pdf", bytes(3, 1))
        .attachment("big.bin", "application/octet-stream", bytes(70_000, 2))
        .inlineImage("logo", "image/png", bytes(513, 3))
        .campaignId("autumn")
        .description("order mail")
        .returnPath("bounces@example.com")
        .metadata(metadata)
        .substitutionData(Map.of("discount", 10, "items", List.of(Map.of("sku", "A1", "qty", 2))))
        .tag("orders")
        .tag("shipping")
        .transactional(true)
        .openTracking(false)
        .clickTracking(true)
        .sandbox(false)
        .skipSuppression(true)
        .inlineCss(false)
        .performSubstitutions(true)
        .ipPool("pool-1")
        .startTime(Instant.parse("2026-11-26T10:15:30.123Z"))
        .build();
  }

  static Message template() {
    return Message.builder()
        .template("welcome", true)
        .to("alice@example.com")
        .substitutionData(Map.of("name", "Alice"))
        .build();
  }

  static Message rfc822ToList() {
    return Message.builder()
        .rfc822("From: shop@example.com\r\nSubject: " + "long ".repeat(2000) + "\r\n\r\nbody 😀")
        .recipientList("newsletter-list")
        .campaignId("news")
        .build();
  }

  static Message longTexts() {
    return Message.builder()
        .from("shop@example.com")
        .to("alice@example.com")
        .subject("S")
        .text("ä😀".repeat(5000))
        .html("<p>" + "x".repeat(100_000) + "</p>")
        .build();
  }

  @Test
  void fingerprintsStayAsFirstComputed() {
    assertThat(minimal().fingerprint())
        .isEqualTo("869478be9708c89d8f54b53e419ab78c625be8fcb0c238699de08defb68a18e3");
    assertThat(rich().fingerprint())
        .isEqualTo("84f999d0734c519c227f45bd35f879b146967a410b37545d98e9ca2f1f63bc87");
    assertThat(template().fingerprint())
        .isEqualTo("b61e1cad40d074de340c520fa4ef6b5a2d702916cdceec39a1bcbbfdbfdc55ce");
    assertThat(rfc822ToList().fingerprint())
        .isEqualTo("cf55312f96815c97848e6908465bcd65786f40a5a3df4945270fc6400f14cce6");
    assertThat(longTexts().fingerprint())
        .isEqualTo("03d36c3f65925e5fca848b00ee913dd35de3cbf0f60592f668e6806546873bde");
  }

  @Test
  void fingerprintIgnoresMapOrderAndIdempotencyKey() {
    Map<String, Object> forward = new LinkedHashMap<>();
    Map<String, Object> backward = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      forward.put("k" + i, i);
      backward.put("k" + (19 - i), 19 - i);
    }
    Message a = minimal().toBuilder().metadata(forward).build();
    Message b = minimal().toBuilder().metadata(backward).idempotencyKey(IdempotencyKey.of("order-1")).build();
    assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).isEqualTo(reference(a));
  }

  @Test
  void fingerprintChangesWithAnyField() {
    assertThat(minimal().toBuilder().text("Hello!").build().fingerprint()).isNotEqualTo(minimal().fingerprint());
    assertThat(minimal().toBuilder().tag("t").build().fingerprint()).isNotEqualTo(minimal().fingerprint());
    assertThat(minimal().toBuilder().metadata(Map.of("a", 1)).build().fingerprint())
        .isNotEqualTo(minimal().toBuilder().metadata(Map.of("a", 1L)).build().fingerprint());
  }

  @Test
  void fingerprintMatchesTheReferenceForRandomMessages() {
    Random random = new Random(20261126);
    for (int i = 0; i < 300; i++) {
      Message message = randomMessage(random);
      assertThat(message.fingerprint()).as("message %d", i).isEqualTo(reference(message));
    }
    for (Message message : List.of(minimal(), rich(), template(), rfc822ToList(), longTexts())) {
      assertThat(message.fingerprint()).isEqualTo(reference(message));
    }
  }

  private static Message randomMessage(Random random) {
    Message.Builder builder = Message.builder();
    int kind = random.nextInt(3);
    if (kind == 0) {
      builder.from(EmailAddress.of("s" + random.nextInt(5) + "@example.com", "N" + randomText(random, 8).replace('\t', ' ')))
          .subject(randomText(random, 40))
          .text(randomText(random, random.nextInt(4) == 0 ? 3000 : 60));
      if (random.nextBoolean()) {
        builder.html("<p>" + randomText(random, 200) + "</p>");
      }
      if (random.nextBoolean()) {
        builder.attachment("a.bin", "application/octet-stream", bytes(random.nextInt(5000), random.nextInt()));
      }
      if (random.nextBoolean()) {
        builder.header("X-" + random.nextInt(100), "v" + randomText(random, 20).replace('\t', ' '));
      }
    } else if (kind == 1) {
      builder.template("t" + random.nextInt(10), random.nextBoolean());
    } else {
      builder.rfc822("Subject: x\r\n\r\n" + randomText(random, 500));
    }
    if (random.nextInt(5) == 0) {
      builder.recipientList("list-" + random.nextInt(9));
    } else {
      int count = 1 + random.nextInt(4);
      for (int r = 0; r < count; r++) {
        Recipient recipient = Recipient.to(EmailAddress.of("r" + r + "@example.com"))
            .withMetadata(randomObject(random, 2))
            .withSubstitutionData(randomObject(random, 1));
        builder.recipient(recipient);
      }
    }
    builder.metadata(randomObject(random, 3)).substitutionData(randomObject(random, 2));
    if (random.nextBoolean()) {
      builder.transactional(random.nextBoolean()).startTime(Instant.ofEpochSecond(random.nextInt(2_000_000_000)));
    }
    return builder.build();
  }

  private static Map<String, Object> randomObject(Random random, int depth) {
    int size = random.nextInt(depth == 0 ? 3 : 12);
    Map<String, Object> object = random.nextBoolean() ? new LinkedHashMap<>() : new HashMap<>();
    for (int i = 0; i < size; i++) {
      String key = random.nextInt(4) == 0 ? randomText(random, 4) : "k" + random.nextInt(30);
      if (!key.isEmpty()) {
        object.put(key, randomValue(random, depth));
      }
    }
    return object;
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 0 ? 9 : 7)) {
      case 0: return randomText(random, 30);
      case 1: return random.nextInt();
      case 2: return random.nextLong();
      case 3: return random.nextBoolean();
      case 4: return random.nextDouble() * 1000;
      case 5: return new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(10));
      case 6: return (float) random.nextGaussian();
      case 7: return randomObject(random, depth - 1);
      default:
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
          list.add(randomValue(random, depth - 1));
        }
        return list;
    }
  }

  private static String randomText(Random random, int maxLength) {
    String alphabet = "abcXYZ 09 äöü€ 😀\"\\/\t{}[]<>";
    int length = random.nextInt(maxLength + 1);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int at = random.nextInt(alphabet.length());
      char c = alphabet.charAt(at);
      if (Character.isSurrogate(c)) {
        text.append("😀");
      } else {
        text.append(c);
      }
    }
    return text.toString();
  }

  private static byte[] bytes(int length, int seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** The first implementation, kept verbatim as the reference any faster one must agree with. */
  static String reference(Message m) {
    Reference f = new Reference();
    f.address(m.from()).address(m.replyTo()).text(m.recipientListId());
    f.number(m.recipients().size());
    for (Recipient r : m.recipients()) {
      f.address(r.address()).text(r.kind().name()).value(r.tags()).value(r.metadata()).value(r.substitutionData());
    }
    f.text(m.subject()).text(m.text()).text(m.html()).text(m.ampHtml()).value(m.headers());
    f.attachments(m.attachments()).attachments(m.inlineImages());
    f.text(m.templateId()).text(String.valueOf(m.useDraftTemplate())).text(m.rfc822());
    f.text(m.campaignId()).text(m.description()).address(m.returnPath());
    f.value(m.metadata()).value(m.substitutionData()).value(m.tags());
    MessageOptions o = m.options();
    f.text(String.valueOf(o.transactional())).text(String.valueOf(o.openTracking()))
        .text(String.valueOf(o.clickTracking())).text(String.valueOf(o.sandbox()))
        .text(String.valueOf(o.skipSuppression())).text(String.valueOf(o.inlineCss()))
        .text(String.valueOf(o.performSubstitutions())).text(o.ipPool())
        .text(o.startTime() == null ? null : o.startTime().toString());
    return HexFormat.of().formatHex(f.digest.digest());
  }

  private static final class Reference {
    private final MessageDigest digest;

    Reference() {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    Reference number(long n) {
      digest.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(n).array());
      return this;
    }

    Reference bytes(byte[] bytes) {
      number(bytes.length);
      digest.update(bytes);
      return this;
    }

    Reference text(@Nullable String text) {
      return text == null ? number(-1) : bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    Reference address(@Nullable EmailAddress address) {
      return address == null ? number(-1) : text(address.email()).text(address.name());
    }

    Reference attachments(List<Attachment> attachments) {
      number(attachments.size());
      for (Attachment a : attachments) {
        text(a.name()).text(a.contentType()).bytes(a.content());
      }
      return this;
    }

    Reference value(Object value) {
      if (value instanceof Map<?, ?> map) {
        text("{").number(map.size());
        for (Map.Entry<?, ?> entry : new TreeMap<>(map).entrySet()) {
          text(String.valueOf(entry.getKey())).value(entry.getValue());
        }
        return this;
      }
      if (value instanceof List<?> list) {
        text("[").number(list.size());
        for (Object element : list) {
          value(element);
        }
        return this;
      }
      return text(value.getClass().getSimpleName()).text(value.toString());
    }
  }
}
