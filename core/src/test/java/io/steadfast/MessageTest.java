package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {

  private static Message.Builder minimal() {
    return Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello");
  }

  @Test
  void buildsMessageWithEveryField() {
    Instant start = Instant.parse("2026-11-26T10:00:00Z");
    Message message = Message.builder()
        .from("shop@example.com", "Shop")
        .replyTo("help@example.com")
        .to("alice@example.com", "Alice")
        .cc("bob@example.com")
        .bcc("carol@example.com")
        .subject("Order 42")
        .text("text")
        .html("<p>html</p>")
        .ampHtml("<html amp4email></html>")
        .header("X-Order", "42")
        .attachment("invoice.pdf", "application/pdf", new byte[] {1, 2, 3})
        .inlineImage("logo", "image/png", new byte[] {4})
        .campaignId("autumn")
        .description("order mail")
        .returnPath("bounces@example.com")
        .metadata(Map.of("order", 42))
        .substitutionData(Map.of("name", "Alice"))
        .tag("orders")
        .transactional(true)
        .openTracking(false)
        .clickTracking(true)
        .sandbox(false)
        .skipSuppression(false)
        .inlineCss(true)
        .performSubstitutions(true)
        .ipPool("pool-1")
        .startTime(start)
        .idempotencyKey(IdempotencyKey.of("order-42"))
        .build();

    assertThat(message.from()).isEqualTo(EmailAddress.of("shop@example.com", "Shop"));
    assertThat(message.recipients()).extracting(Recipient::kind)
        .containsExactly(Recipient.Kind.TO, Recipient.Kind.CC, Recipient.Kind.BCC);
    assertThat(message.options()).isEqualTo(
        new MessageOptions(true, false, true, false, false, true, true, "pool-1", start));
    assertThat(message.contentKind()).isEqualTo(Message.ContentKind.INLINE);
    assertThat(message.toBuilder().build()).isEqualTo(message);
  }

  @Test
  void reportsEveryProblemInOneException() {
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class, () -> Message.builder()
        .from("not-an-address")
        .to("also bad")
        .cc("fine@example.com")
        .subject("Line\r\nBcc: x@example.com")
        .header("Bad Name", "v")
        .header("X-Ok", "v\nInjected: yes")
        .attachment("a\nb.txt", "text/plain", new byte[0])
        .campaignId("c".repeat(65))
        .build());

    assertThat(e.violations()).extracting(InvalidMessageException.Violation::field)
        .contains("from", "to[0]", "subject", "headers.Bad Name", "headers.X-Ok", "attachments[0].name",
            "campaignId", "content");
    assertThat(e.getMessage()).startsWith("Invalid message (").contains("Nothing was sent");
  }

  @Test
  void rejectsMissingContentRecipientsAndSubject() {
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class,
        () -> Message.builder().from("a@example.com").build());

    assertThat(e.violations()).extracting(InvalidMessageException.Violation::field)
        .containsExactlyInAnyOrder("recipients", "subject", "content");
  }

  @Test
  void rejectsCcWithoutTo() {
    assertThatThrownBy(() -> Message.builder().from("a@example.com").cc("b@example.com").subject("s").text("t").build())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("no To recipient");
  }

  @Test
  void rejectsMixedContentKinds() {
    assertThatThrownBy(() -> minimal().template("welcome").build())
        .hasMessageContaining("mixes inline content, a template and RFC 822 content");
  }

  @Test
  void acceptsTemplateWithoutSenderOrSubject() {
    Message message = Message.builder().to("a@example.com").template("welcome", true)
        .substitutionData(Map.of("first", "A")).build();

    assertThat(message.contentKind()).isEqualTo(Message.ContentKind.TEMPLATE);
    assertThat(message.useDraftTemplate()).isTrue();
  }

  @Test
  void rejectsSenderAndAttachmentsWithTemplate() {
    assertThatThrownBy(() -> Message.builder().from("a@example.com").to("b@example.com").template("t")
        .attachment("a.txt", "text/plain", new byte[1]).build())
        .hasMessageContaining("from cannot be set with a stored template")
        .hasMessageContaining("attachments and inline images cannot be combined");
  }

  @Test
  void acceptsRfc822ContentAndRecipientList() {
    Message message = Message.builder().recipientList("vips").rfc822("From: a@example.com\r\n\r\nHi").build();

    assertThat(message.contentKind()).isEqualTo(Message.ContentKind.RFC822);
    assertThat(message.recipients()).isEmpty();
  }

  @Test
  void refusesFieldsTheApiWouldDropInsteadOfDroppingThem() {
    assertThatThrownBy(() -> Message.builder().to("a@example.com").template("t").replyTo("r@example.com").build())
        .hasMessageContaining("replyTo cannot be set with a stored template");
    assertThatThrownBy(() -> Message.builder().recipientList("vips").template("t").tag("x").build())
        .hasMessageContaining("tags cannot be combined with a stored recipient list");
  }

  @Test
  void rejectsRecipientListCombinedWithInlineRecipients() {
    assertThatThrownBy(() -> minimal().recipientList("vips").build())
        .hasMessageContaining("cannot be combined with a stored recipient list");
  }

  @Test
  void rejectsReservedHeadersNamingTheRightMethod() {
    assertThatThrownBy(() -> minimal().header("Subject", "x").header("message-id", "<a@b>").build())
        .hasMessageContaining("headers.Subject is set by Steadfast; use subject(...)")
        .hasMessageContaining("headers.message-id is set by Steadfast; use idempotencyKey(...)");
  }

  @Test
  void rejectsMessagesOverSparkPostsSizeLimit() {
    byte[] big = new byte[(int) (Message.MAX_MESSAGE_BYTES * 3 / 4) + 10];

    assertThatThrownBy(() -> minimal().attachment("big.bin", "application/octet-stream", big).build())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("over SparkPost's limit of " + Message.MAX_MESSAGE_BYTES);
  }

  @Test
  void estimatesSizeWithBase64Attachments() {
    Message message = minimal().attachment("a.bin", "application/octet-stream", new byte[300]).build();

    assertThat(message.estimatedSizeBytes()).isEqualTo("Hi".length() + "Hello".length() + 400);
  }

  @Test
  void rejectsNonJsonMetadataValues() {
    Map<String, Object> metadata = new HashMap<>();
    metadata.put("when", Instant.EPOCH);
    metadata.put("ratio", Double.NaN);

    assertThatThrownBy(() -> minimal().metadata(metadata).build())
        .hasMessageContaining("metadata.when is a java.time.Instant")
        .hasMessageContaining("metadata.ratio is NaN");
  }

  @Test
  void rejectsTheReservedIdempotencyMetadataField() {
    assertThatThrownBy(() -> minimal().metadata(Map.of(IdempotencyKey.METADATA_FIELD, "x")).build())
        .hasMessageContaining("reserved for the idempotency key");
  }

  @Test
  void copiesMetadataDeeplySoLaterChangesDoNotLeakIn() {
    List<Object> items = new ArrayList<>(List.of("a"));
    Map<String, Object> metadata = new HashMap<>(Map.of("items", items));
    Message message = minimal().metadata(metadata).build();

    items.add("b");
    metadata.put("late", true);

    assertThat(message.metadata()).isEqualTo(Map.of("items", List.of("a")));
    assertThatThrownBy(() -> message.metadata().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsNonImageInlineImages() {
    assertThatThrownBy(() -> minimal().inlineImage("doc", "application/pdf", new byte[1]).build())
        .hasMessageContaining("inlineImages[0].contentType");
  }

  @Test
  void toStringOmitsBodyAndSubject() {
    Message message = minimal().subject("secret subject").text("secret body").build();

    assertThat(message.toString()).doesNotContain("secret");
  }

  @Test
  void comparesAttachmentsByContent() {
    Attachment a = Attachment.of("a.txt", "text/plain", "x".getBytes(StandardCharsets.UTF_8));
    Attachment b = Attachment.of("a.txt", "TEXT/PLAIN", "x".getBytes(StandardCharsets.UTF_8));
    byte[] copy = a.content();
    copy[0] = 'y';

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.content()).containsExactly('x');
    assertThat(a.toString()).doesNotContain("[B@");
  }
}
