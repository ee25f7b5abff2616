package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutgoingMessagesTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0190f5a2-7b3c-7def-8abc-0123456789ab|<0190f5a2-7b3c-7def-8abc-0123456789ab@shop.example>",
      "order-42|<order-42@shop.example>",
      "a.b|<a.b@shop.example>",
      ".lead|<=2Elead@shop.example>",
      "a..b|<a.=2Eb@shop.example>",
      "trail.|<trail=2E@shop.example>",
      "x=y|<x=3Dy@shop.example>",
      "<x>@(y)|<=3Cx=3E=40=28y=29@shop.example>"})
  void derivesTheMessageIdFromTheKeyAndTheSenderDomain(String key, String messageId) {
    assertThat(OutgoingMessages.messageId(IdempotencyKey.of(key), "orders@Shop.Example")).isEqualTo(messageId);
  }

  @Test
  void usesAFallbackDomainForAnAddressLiteral() {
    assertThat(OutgoingMessages.messageId(IdempotencyKey.of("k"), "a@[192.0.2.1]")).isEqualTo("<k@steadfast.invalid>");
  }

  @Test
  void buildsTheSameMessageIdOnEveryAttempt() {
    OutgoingMessages messages = new OutgoingMessages(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    Message message = Message.builder().from("a@shop.example").to("b@example.com").bcc("c@example.com")
        .returnPath("bounces@shop.example").subject("s").text("t").build();

    OutgoingMessage first = messages.prepare(message, IdempotencyKey.of("k-1")).message();
    OutgoingMessage second = messages.prepare(message, IdempotencyKey.of("k-1")).message();

    assertThat(first.messageId()).isEqualTo(second.messageId()).isEqualTo("<k-1@shop.example>");
    assertThat(first.envelopeFrom()).isEqualTo("bounces@shop.example");
    assertThat(first.recipients()).containsExactly("b@example.com", "c@example.com");
    String content = new String(first.content(), StandardCharsets.US_ASCII);
    assertThat(content).contains("Message-ID: <k-1@shop.example>\r\n").doesNotContain("c@example.com")
        .doesNotContainIgnoringCase("bcc:");
  }

  @Test
  void makesMultipartRelatedTheWholeBodyForHtmlWithImagesOnly() throws Exception {
    OutgoingMessages messages = new OutgoingMessages(Clock.systemUTC());
    Message message = Message.builder().from("a@shop.example").to("b@example.com").subject("s")
        .html("<img src=\"cid:logo.png\">").inlineImage("logo.png", "image/png", new byte[] {1, 2, 3}).build();

    byte[] content = messages.prepare(message, IdempotencyKey.of("k")).message().content();

    MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(content));
    assertThat(parsed.getContentType()).startsWith("multipart/related").contains("type=\"text/html\"");
    MimeMultipart related = (MimeMultipart) parsed.getContent();
    assertThat(related.getCount()).isEqualTo(2);
    assertThat(related.getBodyPart(0).getContentType()).startsWith("text/html");
    assertThat(((MimeBodyPart) related.getBodyPart(1)).getContentID()).isEqualTo("<logo.png>");
  }

  @Test
  void listsEachRecipientOnceInTheEnvelope() {
    OutgoingMessages messages = new OutgoingMessages(Clock.systemUTC());
    Message message = Message.builder().from("a@shop.example").to("b@example.com").cc("b@example.com")
        .subject("s").text("t").build();

    assertThat(messages.prepare(message, IdempotencyKey.of("k")).message().recipients())
        .containsExactly("b@example.com");
  }
}
