package io.steadfast.smtp.internal;

import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.Recipient;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import jakarta.activation.DataHandler;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds the SMTP form of a {@link Message}: the MIME content (with Jakarta Mail) and the envelope.
 *
 * <p><b>MIME structure.</b> Bodies go in {@code multipart/alternative} in the order the AMP for Email
 * specification requires: {@code text/plain}, {@code text/x-amp-html}, then {@code text/html} last
 * (clients show the last part they understand; AMP must not be last). Inline images go with the HTML
 * in {@code multipart/related} (RFC 2387, {@code type="text/html"}), referenced as {@code cid:<name>}
 * by their {@code Content-ID: <name>}; attachments wrap everything in {@code multipart/mixed}. A
 * message with one body has no {@code alternative} part. Jakarta Mail picks each part's transfer
 * encoding (7bit, quoted-printable or base64) from its content, so no line exceeds 998 characters.
 *
 * <p><b>Headers.</b> Subject, display names and non-ASCII custom header values are encoded per RFC
 * 2047 with UTF-8. Addresses need no encoding: {@link EmailAddress} stores domains as A-labels
 * ({@code xn--...}) and refuses non-ASCII local parts, so every address is ASCII and no SMTPUTF8
 * extension is needed; SparkPost's SMTP endpoint is not asked for it. {@code Message-ID} is derived
 * from the idempotency key (see {@link #messageId}); {@code Idempotency-Key} carries the key itself;
 * {@code X-MSYS-API} carries campaign, metadata (with the key), tags and options.
 *
 * <p><b>Cc and Bcc.</b> Every recipient goes in the SMTP envelope ({@code RCPT TO}); To and Cc
 * recipients also appear in the {@code To} and {@code Cc} headers, Bcc recipients in no header at
 * all. SparkPost delivers one copy per envelope recipient, as any SMTP relay does. The X-MSYS-API
 * {@code cc}/{@code bcc} lists are not used: SparkPost generates an extra copy for each address in
 * them, so using both would deliver twice; and a Bcc list in a header of the message would expose
 * the hidden addresses to anything that handles the message before SparkPost strips the header.
 * Events then report Cc and Bcc copies as ordinary recipients (no {@code rcpt_type}).
 *
 * <p><b>RFC 822 content</b> is sent as given. Steadfast prepends {@code X-MSYS-API}, {@code
 * Idempotency-Key} (unless present) and {@code Message-ID} (unless present) header lines, which is
 * safe because header order does not matter and the rest of the message is not touched; content
 * that already has an X-MSYS-API header is refused, since two of them would be ambiguous.
 */
final class OutgoingMessages {
  private static final String UTF_8 = "UTF-8";

  /** Used for the {@code Message-ID} when the sender's domain is an address literal. */
  static final String FALLBACK_ID_DOMAIN = "steadfast.invalid";

  private static final String ATEXT_SPECIALS = "!#$%&'*+-/?^_`{|}~";

  private final Session session;
  private final Clock clock;

  OutgoingMessages(Clock clock) {
    Properties properties = new Properties();
    properties.setProperty("mail.mime.charset", UTF_8);
    properties.setProperty("mail.mime.allowutf8", "false");
    this.session = Session.getInstance(properties);
    this.clock = clock;
  }

  /** The result of preparing: the message to send, or why it cannot go over SMTP. */
  record Prepared(@Nullable OutgoingMessage message, Outcome.@Nullable Rejected rejection) {}

  /** Prepares {@code message} for sending with {@code key}, without any network access. */
  Prepared prepare(Message message, IdempotencyKey key) {
    try {
      return build(message, key);
    } catch (MessagingException | IOException | RuntimeException e) {
      // Deterministic and before any connection: the same message would fail the same way again.
      return new Prepared(null, new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE,
          Failure.of("could not build the MIME message for SMTP: " + e, e)));
    }
  }

  private Prepared build(Message message, IdempotencyKey key) throws MessagingException, IOException {
    List<String> restOnly = restOnlyFeatures(message);
    if (!restOnly.isEmpty()) {
      return rejected(String.join(", ", restOnly) + (restOnly.size() == 1 ? " is" : " are")
          + " REST-only: SparkPost's SMTP injection cannot carry "
          + (restOnly.size() == 1 ? "it" : "them"),
          "send this message on a REST route (steadfast-http), or remove the REST-only "
              + (restOnly.size() == 1 ? "feature" : "features"));
    }
    for (String header : message.headers().keySet()) {
      if (header.equalsIgnoreCase(XMsysApiHeader.NAME)) {
        return rejected("custom header X-MSYS-API is set by Steadfast",
            "set campaignId, metadata, tags and options on the Message instead");
      }
    }
    Map<String, Object> fields = XMsysApiHeader.fields(message, key);
    String json = XMsysApiHeader.json(fields);
    String folded = XMsysApiHeader.fold(json, XMsysApiHeader.NAME.length() + 2);
    if (folded == null) {
      return rejected("the X-MSYS-API header cannot be folded into SMTP lines of at most 998 characters",
          "shorten the longest metadata value or tag");
    }
    int metadataBytes = XMsysApiHeader.jsonBytes(XMsysApiHeader.metadata(message, key));
    if (message.contentKind() == Message.ContentKind.RFC822) {
      return rfc822(message, key, folded, metadataBytes);
    }
    return inline(message, key, folded, metadataBytes);
  }

  /**
   * Returns the features of {@code message} that SparkPost's SMTP API cannot carry, as the builder
   * methods that set them; empty if it can be sent over SMTP.
   *
   * <p>The X-MSYS-API header supports campaign_id, metadata, tags, cc/bcc/archive and the options
   * open_tracking, click_tracking, transactional, sandbox, skip_suppression, ip_pool and inline_css,
   * and "key-value substitutions are not supported in SMTP API" (SparkPost SMTP API reference).
   * So stored templates, stored recipient lists, substitution data, scheduled sending, the
   * description and per-recipient tags or metadata are REST-only. {@code performSubstitutions(false)}
   * is allowed: SMTP never substitutes, so it asks for what SMTP does anyway.
   */
  static List<String> restOnlyFeatures(Message message) {
    List<String> features = new ArrayList<>();
    if (message.templateId() != null) {
      features.add("a stored template (template(...))");
    }
    if (message.abTestId() != null) {
      features.add("a stored A/B test (abTest(...))");
    }
    if (message.options().initialOpen() != null) {
      features.add("initial_open (initialOpen(...))");
    }
    if (message.recipients().stream().anyMatch(r -> r.returnPath() != null)) {
      features.add("a per-recipient return path (Recipient.withReturnPath)");
    }
    if (message.recipients().stream().anyMatch(r -> r.kind() != Recipient.Kind.TO && r.headerTo() != null)) {
      // One MIME message serves every envelope recipient, so a Cc or Bcc copy cannot show its own To.
      features.add("a Cc or Bcc recipient's own header_to (Recipient.withHeaderTo)");
    }
    if (message.recipientListId() != null) {
      features.add("a stored recipient list (recipientList(...))");
    }
    boolean recipientSubstitution = message.recipients().stream().anyMatch(r -> !r.substitutionData().isEmpty());
    if (!message.substitutionData().isEmpty() || recipientSubstitution) {
      features.add("substitution data (substitutionData(...))");
    }
    if (Boolean.TRUE.equals(message.options().performSubstitutions())) {
      features.add("perform_substitutions (performSubstitutions(true))");
    }
    if (message.options().startTime() != null) {
      features.add("start_time (startTime(...))");
    }
    if (message.description() != null) {
      features.add("a description (description(...))");
    }
    if (message.recipients().stream().anyMatch(r -> !r.tags().isEmpty() || !r.metadata().isEmpty())) {
      features.add("per-recipient tags or metadata (Recipient.withTags/withMetadata)");
    }
    return features;
  }

  /**
   * Returns the {@code Message-ID} for {@code key}: {@code <key@sender-domain>}.
   *
   * <p>The same key gives the same id on every attempt and every route, so a duplicate is
   * recognisable downstream (in the recipient's mailbox, in SparkPost's events) and a caller can
   * compute the id from the key alone. The right-hand side is the sender's own domain, as RFC 5322
   * section 3.6.4 recommends, rather than a made-up one such as {@code steadfast.invalid}: ids stay
   * unique across senders that use the same key scheme (order numbers, say), and spam filters do
   * not see a Message-ID domain that cannot exist. Characters of the key that a Message-ID cannot
   * hold (RFC 5322 dot-atom-text) are written as {@code =XX} (hex), and {@code =} itself as {@code
   * =3D}, so the key can always be read back.
   */
  static String messageId(IdempotencyKey key, @Nullable String senderEmail) {
    String domain = FALLBACK_ID_DOMAIN;
    if (senderEmail != null) {
      String candidate = senderEmail.substring(senderEmail.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
      if (!candidate.isEmpty() && !candidate.startsWith("[")) {
        domain = candidate;
      }
    }
    String value = key.value();
    StringBuilder left = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean atext = c < 0x80 && (Character.isLetterOrDigit(c) || ATEXT_SPECIALS.indexOf(c) >= 0);
      boolean dotAllowed = c == '.' && i > 0 && i < value.length() - 1 && value.charAt(i - 1) != '.';
      if (atext || dotAllowed) {
        left.append(c);
      } else {
        left.append('=').append(String.format(Locale.ROOT, "%02X", (int) c));
      }
    }
    return "<" + left + "@" + domain + ">";
  }

  private Prepared inline(Message message, IdempotencyKey key, String xMsysApi, int metadataBytes)
      throws MessagingException, IOException {
    EmailAddress from = java.util.Objects.requireNonNull(message.from(), "from");
    String messageId = messageId(key, from.email());
    MimeMessage mime = new FixedIdMimeMessage(session, messageId);
    mime.setFrom(address(from));
    if (message.replyTo() != null) {
      mime.setReplyTo(new Address[] {address(message.replyTo())});
    }
    List<Address> to = new ArrayList<>();
    List<Address> cc = new ArrayList<>();
    for (Recipient recipient : message.recipients()) {
      switch (recipient.kind()) {
        // The To header shows what the REST copy would show: a chosen header_to, named as SparkPost names it.
        case TO -> to.add(address(shownTo(recipient)));
        case CC -> cc.add(address(recipient.address()));
        case BCC -> {
          // Envelope only: a Bcc recipient appears in no header.
        }
        default -> throw new IllegalStateException("unknown recipient kind " + recipient.kind());
      }
    }
    mime.setRecipients(jakarta.mail.Message.RecipientType.TO, to.toArray(new Address[0]));
    if (!cc.isEmpty()) {
      mime.setRecipients(jakarta.mail.Message.RecipientType.CC, cc.toArray(new Address[0]));
    }
    mime.setSubject(java.util.Objects.requireNonNull(message.subject(), "subject"), UTF_8);
    mime.setSentDate(Date.from(clock.instant()));
    for (Map.Entry<String, String> header : message.headers().entrySet()) {
      mime.addHeader(header.getKey(), headerValue(header.getKey(), header.getValue()));
    }
    mime.setHeader("Idempotency-Key", key.value());
    mime.setHeader(XMsysApiHeader.NAME, xMsysApi);
    setBody(mime, message);
    mime.saveChanges();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
        message.estimatedSizeBytes() + 4096));
    mime.writeTo(bytes);
    String envelopeFrom = message.returnPath() != null ? message.returnPath().email() : from.email();
    return new Prepared(new OutgoingMessage(envelopeFrom, envelope(message), bytes.toByteArray(), messageId,
        metadataBytes), null);
  }

  /** Returns what a To recipient's copy shows in its To header: its header_to (with its own name if none). */
  private static EmailAddress shownTo(Recipient recipient) {
    EmailAddress chosen = recipient.headerTo();
    if (chosen == null) {
      return recipient.address();
    }
    String name = chosen.name() != null ? chosen.name() : recipient.address().name();
    return name == null ? chosen : EmailAddress.of(chosen.email(), name);
  }

  private Prepared rfc822(Message message, IdempotencyKey key, String xMsysApi, int metadataBytes)
      throws MessagingException {
    byte[] raw = java.util.Objects.requireNonNull(message.rfc822(), "rfc822").getBytes(StandardCharsets.UTF_8);
    InternetHeaders headers = new InternetHeaders(new ByteArrayInputStream(raw));
    if (headers.getHeader(XMsysApiHeader.NAME) != null) {
      return rejected("the RFC 822 content already has an X-MSYS-API header",
          "remove it and set campaignId, metadata, tags and options on the Message, so Steadfast can add "
              + "the idempotency key to the one header SparkPost reads");
    }
    String sender = null;
    String fromHeader = headers.getHeader("From", ",");
    if (fromHeader != null) {
      try {
        InternetAddress[] parsed = InternetAddress.parseHeader(fromHeader, false);
        if (parsed.length > 0) {
          sender = parsed[0].getAddress();
        }
      } catch (AddressException e) {
        sender = null;
      }
    }
    String envelopeFrom = message.returnPath() != null ? message.returnPath().email() : sender;
    if (envelopeFrom == null || envelopeFrom.isEmpty() || !isAscii(envelopeFrom)) {
      return rejected("the RFC 822 content has no usable From address for the SMTP envelope",
          "give it a From header with an ASCII address, or set returnPath(...)");
    }
    String existingId = headers.getHeader("Message-ID", null);
    String messageId = existingId != null ? existingId.strip() : messageId(key, sender != null ? sender : envelopeFrom);
    StringBuilder prefix = new StringBuilder();
    prefix.append(XMsysApiHeader.NAME).append(": ").append(xMsysApi).append("\r\n");
    if (headers.getHeader("Idempotency-Key") == null) {
      prefix.append("Idempotency-Key: ").append(key.value()).append("\r\n");
    }
    if (existingId == null) {
      prefix.append("Message-ID: ").append(messageId).append("\r\n");
    }
    byte[] head = prefix.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] content = new byte[head.length + raw.length];
    System.arraycopy(head, 0, content, 0, head.length);
    System.arraycopy(raw, 0, content, head.length, raw.length);
    return new Prepared(new OutgoingMessage(envelopeFrom, envelope(message), content, messageId, metadataBytes), null);
  }

  private void setBody(MimeMessage mime, Message message) throws MessagingException, IOException {
    List<MimeBodyPart> alternatives = new ArrayList<>();
    if (message.text() != null) {
      alternatives.add(textPart(message.text(), "plain"));
    }
    if (message.ampHtml() != null) {
      alternatives.add(textPart(message.ampHtml(), "x-amp-html"));
    }
    boolean imagesWithHtml = message.html() != null && !message.inlineImages().isEmpty();
    if (message.html() != null) {
      MimeBodyPart html = textPart(message.html(), "html");
      if (imagesWithHtml) {
        MimeMultipart related = new RelatedMultipart();
        related.addBodyPart(html);
        for (Attachment image : message.inlineImages()) {
          related.addBodyPart(inlineImage(image));
        }
        html = wrap(related);
      }
      alternatives.add(html);
    }
    Object body;
    if (alternatives.size() == 1) {
      body = alternatives.get(0);
    } else {
      MimeMultipart alternative = new MimeMultipart("alternative");
      for (MimeBodyPart part : alternatives) {
        alternative.addBodyPart(part);
      }
      body = alternative;
    }
    List<MimeBodyPart> extras = new ArrayList<>();
    if (!imagesWithHtml) {
      for (Attachment image : message.inlineImages()) {
        extras.add(inlineImage(image)); // no HTML to refer to them: still sent, with their Content-ID
      }
    }
    for (Attachment attachment : message.attachments()) {
      extras.add(attachment(attachment));
    }
    if (!extras.isEmpty()) {
      MimeMultipart mixed = new MimeMultipart("mixed");
      mixed.addBodyPart(body instanceof MimeBodyPart part ? part : wrap((Multipart) body));
      for (MimeBodyPart extra : extras) {
        mixed.addBodyPart(extra);
      }
      body = mixed;
    }
    if (body instanceof MimeBodyPart part && part.getContent() instanceof Multipart wrapped) {
      body = wrapped; // HTML with images and nothing else: multipart/related is the whole message
    }
    if (body instanceof Multipart multipart) {
      mime.setContent(multipart);
    } else {
      mime.setDataHandler(((MimeBodyPart) body).getDataHandler());
    }
  }

  private static MimeBodyPart textPart(String text, String subtype) throws MessagingException {
    MimeBodyPart part = new MimeBodyPart();
    // A DataSource rather than setText: Jakarta Activation has no content handler for
    // text/x-amp-html, and the same path for every body keeps the encodings consistent.
    part.setDataHandler(new DataHandler(
        new ByteArrayDataSource(text.getBytes(StandardCharsets.UTF_8), "text/" + subtype + "; charset=" + UTF_8)));
    return part;
  }

  private static MimeBodyPart inlineImage(Attachment image) throws MessagingException {
    MimeBodyPart part = new MimeBodyPart();
    part.setDataHandler(new DataHandler(new ByteArrayDataSource(image.content(), image.contentType())));
    part.setDisposition(Part.INLINE);
    part.setFileName(image.name());
    part.setContentID("<" + image.name() + ">");
    return part;
  }

  private static MimeBodyPart attachment(Attachment attachment) throws MessagingException {
    MimeBodyPart part = new MimeBodyPart();
    part.setDataHandler(new DataHandler(new ByteArrayDataSource(attachment.content(), attachment.contentType())));
    part.setDisposition(Part.ATTACHMENT);
    part.setFileName(attachment.name());
    return part;
  }

  private static MimeBodyPart wrap(Multipart multipart) throws MessagingException {
    MimeBodyPart part = new MimeBodyPart();
    part.setContent(multipart);
    return part;
  }

  private static InternetAddress address(EmailAddress address) throws UnsupportedEncodingException {
    InternetAddress internet = new InternetAddress();
    internet.setAddress(address.email());
    if (address.name() != null) {
      internet.setPersonal(address.name(), UTF_8); // RFC 2047 when the name is not ASCII
    }
    return internet;
  }

  private static String headerValue(String name, String value) throws UnsupportedEncodingException {
    String encoded = isAscii(value) ? value : MimeUtility.encodeText(value, UTF_8, null);
    return MimeUtility.fold(name.length() + 2, encoded);
  }

  /** Returns every recipient's address once, in message order; Bcc included, since the envelope is where it goes. */
  private static List<String> envelope(Message message) {
    Set<String> addresses = new LinkedHashSet<>();
    for (Recipient recipient : message.recipients()) {
      addresses.add(recipient.address().email());
    }
    return List.copyOf(addresses);
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static Prepared rejected(String what, String next) {
    return new Prepared(null, new Outcome.Rejected(Outcome.Rejected.Reason.MESSAGE,
        new Failure(what + " (SMTP route)", null, null, next, null, null)));
  }

  /** A MimeMessage whose Message-ID is the one derived from the key, not a random one. */
  private static final class FixedIdMimeMessage extends MimeMessage {
    private final String messageId;

    FixedIdMimeMessage(Session session, String messageId) {
      super(session);
      this.messageId = messageId;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
      setHeader("Message-ID", messageId);
    }
  }

  /** {@code multipart/related} with the {@code type} parameter RFC 2387 section 3.1 requires. */
  private static final class RelatedMultipart extends MimeMultipart {
    RelatedMultipart() throws MessagingException {
      super("related");
      ContentType type = new ContentType(contentType);
      type.setParameter("type", "text/html");
      contentType = type.toString();
    }
  }
}
