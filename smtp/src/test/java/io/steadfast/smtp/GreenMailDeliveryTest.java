package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.StartTlsRelay;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * The happy paths against a real mail server: GreenMail behind a STARTTLS relay (GreenMail itself
 * offers no STARTTLS), with assertions on the MIME message GreenMail received.
 */
class GreenMailDeliveryTest {

  @RegisterExtension
  static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
      .withConfiguration(GreenMailConfiguration.aConfig()
          .withUser("SMTP_Injection", Fixtures.API_KEY.value()));

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  private static final byte[] PDF = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n".getBytes(StandardCharsets.ISO_8859_1);

  private StartTlsRelay relay;
  private SmtpTransport transport;

  @BeforeEach
  void start() {
    relay = StartTlsRelay.start("127.0.0.1", greenMail.getSmtp().getPort());
    transport = Fixtures.transport(relay.host(), relay.port()).build();
  }

  @AfterEach
  void stop() {
    transport.close();
    relay.close();
  }

  /**
   * Issue #20 item 1: every copy shows the headers the REST route's copies show. SparkPost builds a
   * REST copy's To header as {@code "address.name" <address.header_to>} with the primary's name and
   * address (support article "Using CC and BCC with the REST API"); over SMTP one MIME message serves
   * every envelope recipient, so the Cc and Bcc copies show the primary's To and the visible Cc
   * header too. Archive recipients go in X-MSYS-API, not in the envelope (SMTP API reference).
   */
  @Test
  void showsThePrimarysToHeaderOnEveryCopyAndArchivesThroughXMsysApi() throws Exception {
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("alice@to.example", "Alice Liddell")
        .cc(EmailAddress.of("carol@cc.example", "Carol"))
        .bcc(EmailAddress.of("bob@bcc.example", "Bob"))
        .archive(EmailAddress.of("audit@archive.example", "Audit"))
        .subject("Copies")
        .text("t")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message, "order-43"));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    assertThat(greenMail.getReceivedMessages()).hasSize(3);
    assertThat(mailbox("audit@archive.example")).isEmpty();
    for (String copy : List.of("alice@to.example", "carol@cc.example", "bob@bcc.example")) {
      MimeMessage mime = mailbox(copy).get(0);
      assertThat(mime.getHeader("To")).containsExactly("Alice Liddell <alice@to.example>");
      assertThat(mime.getHeader("Cc")).containsExactly("Carol <carol@cc.example>");
    }
    assertThat(xMsysApi(mailbox("carol@cc.example").get(0)))
        .containsEntry("archive", List.of(Map.of("email", "audit@archive.example", "name", "Audit")));
  }

  @Test
  void sendsEveryPartHeaderAndRecipientOverStartTls() throws Exception {
    Message message = Message.builder()
        .from("orders@shop.example", "B\u00fccher Laden")
        .replyTo("help@shop.example")
        .to("alice@to.example", "Alice")
        .cc("carol@cc.example")
        .bcc("bob@bcc.example")
        .subject("Gr\u00fc\u00dfe \u2013 your order")
        .text("It is on its way.\n")
        .ampHtml("<!doctype html><html \u26a14email><body>AMP</body></html>")
        .html("<p>It is on its way. <img src=\"cid:logo.png\"></p>")
        .inlineImage("logo.png", "image/png", PNG)
        .attachment("invoice.pdf", "application/pdf", PDF)
        .header("X-Order", "42")
        .header("X-Note", "na\u00efve")
        .campaignId("spring")
        .metadata(Map.of("order", 42))
        .tag("shipping")
        .tag("eu")
        .openTracking(true)
        .clickTracking(false)
        .transactional(true)
        .sandbox(false)
        .skipSuppression(false)
        .ipPool("pool-1")
        .inlineCss(true)
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message, "order-42"));

    assertThat(outcome).isEqualTo(new Outcome.Accepted("<order-42@shop.example>", 3, 0, null));
    assertThat(relay.tlsSessions()).isEqualTo(1);
    assertThat(relay.plainCommandsRefused()).isZero();
    MimeMessage[] received = greenMail.getReceivedMessages();
    assertThat(received).hasSize(3);
    assertThat(mailbox("alice@to.example")).hasSize(1);
    assertThat(mailbox("carol@cc.example")).hasSize(1);
    assertThat(mailbox("bob@bcc.example")).hasSize(1);
    for (MimeMessage copy : received) {
      assertThat(copy.getHeader("Bcc")).isNull();
      assertThat(raw(copy)).doesNotContain("bob@bcc.example");
    }

    MimeMessage mime = mailbox("alice@to.example").get(0);
    assertThat(mime.getMessageID()).isEqualTo("<order-42@shop.example>");
    assertThat(mime.getHeader("Idempotency-Key")).containsExactly("order-42");
    assertThat(mime.getHeader("X-Order")).containsExactly("42");
    assertThat(MimeUtility.decodeText(mime.getHeader("X-Note")[0])).isEqualTo("na\u00efve");
    assertThat(mime.getHeader("Subject")[0]).startsWith("=?UTF-8?");
    assertThat(mime.getSubject()).isEqualTo("Gr\u00fc\u00dfe \u2013 your order");
    assertThat(mime.getHeader("From")[0]).contains("=?UTF-8?").contains("<orders@shop.example>");
    InternetAddress from = (InternetAddress) mime.getFrom()[0];
    assertThat(from.getPersonal()).isEqualTo("B\u00fccher Laden");
    assertThat(Arrays.toString(mime.getReplyTo())).isEqualTo("[help@shop.example]");
    assertThat(mime.getHeader("To")[0]).isEqualTo("Alice <alice@to.example>");
    assertThat(mime.getHeader("Cc")[0]).isEqualTo("carol@cc.example");

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("campaign_id", "spring");
    expected.put("metadata", Map.of(IdempotencyKey.METADATA_FIELD, "order-42", "order", 42));
    expected.put("tags", List.of("shipping", "eu"));
    expected.put("options", Map.of("open_tracking", true, "click_tracking", false, "transactional", true,
        "sandbox", false, "skip_suppression", false, "ip_pool", "pool-1", "inline_css", true));
    assertThat(xMsysApi(mime)).isEqualTo(expected);

    assertThat(mime.getContentType()).startsWith("multipart/mixed");
    Multipart mixed = (Multipart) mime.getContent();
    assertThat(mixed.getCount()).isEqualTo(2);
    BodyPart body = mixed.getBodyPart(0);
    assertThat(body.getContentType()).startsWith("multipart/alternative");
    Multipart alternative = (Multipart) body.getContent();
    assertThat(alternative.getCount()).isEqualTo(3);
    assertThat(alternative.getBodyPart(0).getContentType()).isEqualToIgnoringCase("text/plain; charset=UTF-8");
    assertThat(text(alternative.getBodyPart(0))).isEqualTo("It is on its way.\r\n");
    assertThat(alternative.getBodyPart(1).getContentType()).isEqualToIgnoringCase("text/x-amp-html; charset=UTF-8");
    assertThat(text(alternative.getBodyPart(1))).contains("\u26a14email");
    BodyPart relatedPart = alternative.getBodyPart(2);
    assertThat(relatedPart.getContentType()).startsWith("multipart/related").contains("type=\"text/html\"");
    Multipart related = (Multipart) relatedPart.getContent();
    assertThat(related.getBodyPart(0).getContentType()).isEqualToIgnoringCase("text/html; charset=UTF-8");
    assertThat(text(related.getBodyPart(0))).contains("cid:logo.png");
    MimeBodyPart image = (MimeBodyPart) related.getBodyPart(1);
    assertThat(image.getContentID()).isEqualTo("<logo.png>");
    assertThat(image.getDisposition()).isEqualTo(Part.INLINE);
    assertThat(image.getEncoding()).isEqualTo("base64");
    assertThat(bytes(image)).isEqualTo(PNG);
    MimeBodyPart pdf = (MimeBodyPart) mixed.getBodyPart(1);
    assertThat(pdf.getContentType()).startsWith("application/pdf");
    assertThat(pdf.getDisposition()).isEqualTo(Part.ATTACHMENT);
    assertThat(pdf.getFileName()).isEqualTo("invoice.pdf");
    assertThat(pdf.getEncoding()).isEqualTo("base64");
    assertThat(bytes(pdf)).isEqualTo(PDF);
  }

  @Test
  void sendsSingleTextBodyWithLeadingDotsIntact() throws Exception {
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com")
        .subject("Dots")
        .text(".first line starts with a dot\n.\n..two\nlast")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    MimeMessage mime = greenMail.getReceivedMessages()[0];
    assertThat(mime.getContentType()).isEqualToIgnoringCase("text/plain; charset=UTF-8");
    assertThat(text(mime)).isEqualTo(".first line starts with a dot\r\n.\r\n..two\r\nlast");
  }

  @Test
  void sendsInternationalisedDomainsAsALabels() throws Exception {
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("kunde@b\u00fccher.example", "K\u00e4the")
        .subject("IDN")
        .text("Hallo")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    List<MimeMessage> received = mailbox("kunde@xn--bcher-kva.example");
    assertThat(received).hasSize(1);
    assertThat(received.get(0).getHeader("To")[0]).contains("<kunde@xn--bcher-kva.example>").contains("=?UTF-8?");
  }

  @Test
  void sendsRfc822ContentAsIsWithSteadfastHeadersPrepended() throws Exception {
    String original = "From: Shop <orders@shop.example>\r\n"
        + "To: alice@example.com\r\n"
        + "Subject: Prebuilt\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Built elsewhere.\r\n";
    Message message = Message.builder()
        .to("alice@example.com")
        .rfc822(original)
        .campaignId("prebuilt")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message, "raw-1"));

    assertThat(outcome).isEqualTo(new Outcome.Accepted("<raw-1@shop.example>", 1, 0, null));
    MimeMessage mime = greenMail.getReceivedMessages()[0];
    assertThat(mime.getMessageID()).isEqualTo("<raw-1@shop.example>");
    assertThat(mime.getHeader("Idempotency-Key")).containsExactly("raw-1");
    assertThat(xMsysApi(mime)).isEqualTo(Map.of("campaign_id", "prebuilt",
        "metadata", Map.of(IdempotencyKey.METADATA_FIELD, "raw-1")));
    assertThat(mime.getSubject()).isEqualTo("Prebuilt");
    assertThat(raw(mime)).contains("From: Shop <orders@shop.example>\r\nTo: alice@example.com\r\nSubject: Prebuilt")
        .contains("\r\n\r\nBuilt elsewhere.");
  }

  @Test
  void asyncDeliveryReachesTheServerToo() throws Exception {
    Outcome outcome = Fixtures.Mode.ASYNC.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    assertThat(greenMail.getReceivedMessages()).singleElement()
        .satisfies(m -> assertThat(m.getSubject()).isEqualTo("Your order has shipped"));
  }

  /** Returns the messages delivered to {@code address}'s mailbox: what its RCPT TO brought, whatever the headers say. */
  private static List<MimeMessage> mailbox(String address) {
    return greenMail.findReceivedMessages(user -> user.getEmail().equalsIgnoreCase(address), m -> true).toList();
  }

  private static Map<String, Object> xMsysApi(MimeMessage mime) throws Exception {
    String[] values = mime.getHeader("X-MSYS-API");
    assertThat(values).hasSize(1);
    @SuppressWarnings("unchecked")
    Map<String, Object> parsed = JsonMapper.builder().build().readValue(MimeUtility.unfold(values[0]), Map.class);
    return parsed;
  }

  private static String raw(MimeMessage mime) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    mime.writeTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String text(Part part) throws Exception {
    return new String(bytes(part), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Part part) throws Exception {
    try (InputStream in = part.getInputStream()) {
      return in.readAllBytes();
    }
  }
}
