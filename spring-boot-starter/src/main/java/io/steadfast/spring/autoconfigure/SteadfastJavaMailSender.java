package io.steadfast.spring.autoconfigure;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.EmailAddress;
import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.SteadfastException;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * A {@link JavaMailSender} that sends through Steadfast, so code written against Spring's mail API
 * gets retries, failover and circuit breaking without changes.
 *
 * <p>A {@link MimeMessage} is sent whole as RFC 822 content (SparkPost's Transmissions API accepts a
 * complete message), with its To, Cc and Bcc addresses as recipients; the Cc header stays in the
 * message as written (the Cc addresses go to SparkPost as hidden copies, since SparkPost adds no CC
 * header to RFC 822 content), and the Bcc header itself is not written, so Bcc recipients stay hidden. A {@link SimpleMailMessage} is mapped field by field.
 *
 * <p>Like {@code JavaMailSenderImpl}, every message of a batch is attempted; failures are reported
 * together in one {@link MailSendException} whose cause is the first Steadfast exception. A rejected
 * API key fails at once with a {@link MailAuthenticationException}, since every later message would
 * be rejected too.
 */
final class SteadfastJavaMailSender implements JavaMailSender {

  // Headers the SMTP transport of Jakarta Mail also leaves out: Bcc must not reach other recipients.
  private static final String[] IGNORED_HEADERS = {"Bcc", "Content-Length"};

  private final EmailClient client;
  private final Session session = Session.getInstance(new Properties());

  SteadfastJavaMailSender(EmailClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  @Override
  public MimeMessage createMimeMessage() {
    return new MimeMessage(session);
  }

  @Override
  public MimeMessage createMimeMessage(InputStream contentStream) {
    try {
      return new MimeMessage(session, contentStream);
    } catch (MessagingException e) {
      throw new MailParseException("Could not parse MIME message", e);
    }
  }

  @Override
  public void send(MimeMessage... mimeMessages) {
    Map<Object, Exception> failed = new LinkedHashMap<>();
    @Nullable SteadfastException first = null;
    for (MimeMessage mime : mimeMessages) {
      Message message = toMessage(mime);
      try {
        client.send(message);
      } catch (SteadfastException e) {
        first = failed(mime, e, failed, first);
      }
    }
    throwIfFailed(failed, first);
  }

  @Override
  public void send(SimpleMailMessage... simpleMessages) {
    Map<Object, Exception> failed = new LinkedHashMap<>();
    @Nullable SteadfastException first = null;
    for (SimpleMailMessage simple : simpleMessages) {
      Message message = toMessage(simple);
      try {
        client.send(message);
      } catch (SteadfastException e) {
        first = failed(simple, e, failed, first);
      }
    }
    throwIfFailed(failed, first);
  }

  private static SteadfastException failed(Object original, SteadfastException e, Map<Object, Exception> failed,
      @Nullable SteadfastException first) {
    if (e instanceof AuthenticationFailedException) {
      throw new MailAuthenticationException(e.getMessage(), e);
    }
    failed.put(original, e);
    return first == null ? e : first;
  }

  private static void throwIfFailed(Map<Object, Exception> failed, @Nullable SteadfastException first) {
    if (first != null) {
      throw new MailSendException(failed.size() + " message(s) could not be sent through Steadfast: "
          + first.getMessage(), first, failed);
    }
  }

  static Message toMessage(MimeMessage mime) {
    Message.Builder builder = Message.builder();
    try {
      addAll(builder, mime.getRecipients(jakarta.mail.Message.RecipientType.TO), Kind.TO);
      // The MIME message carries its own Cc header, and SparkPost builds none for RFC 822 content:
      // each Cc address is a recipient SparkPost must not announce again, which is what bcc() means.
      addAll(builder, mime.getRecipients(jakarta.mail.Message.RecipientType.CC), Kind.BCC);
      addAll(builder, mime.getRecipients(jakarta.mail.Message.RecipientType.BCC), Kind.BCC);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      mime.writeTo(out, IGNORED_HEADERS);
      // writeTo emits 7-bit or declared-charset bytes; UTF-8 keeps 8BITMIME/SMTPUTF8 content intact.
      builder.rfc822(out.toString(StandardCharsets.UTF_8));
    } catch (MessagingException | IOException e) {
      throw new MailPreparationException("Could not write the MIME message for Steadfast", e);
    }
    return build(builder);
  }

  static Message toMessage(SimpleMailMessage simple) {
    Message.Builder builder = Message.builder();
    try {
      if (simple.getFrom() != null) {
        builder.from(address(simple.getFrom()));
      }
      if (simple.getReplyTo() != null) {
        builder.replyTo(address(simple.getReplyTo()));
      }
      for (String to : orEmpty(simple.getTo())) {
        builder.to(address(to));
      }
      for (String cc : orEmpty(simple.getCc())) {
        builder.cc(address(cc));
      }
      for (String bcc : orEmpty(simple.getBcc())) {
        builder.bcc(address(bcc));
      }
    } catch (MessagingException e) {
      throw new MailParseException("Could not parse an address of the SimpleMailMessage", e);
    }
    if (simple.getSubject() != null) {
      builder.subject(simple.getSubject());
    }
    if (simple.getText() != null) {
      builder.text(simple.getText());
    }
    return build(builder);
  }

  private static Message build(Message.Builder builder) {
    try {
      return builder.build();
    } catch (SteadfastException | IllegalArgumentException | IllegalStateException e) {
      throw new MailPreparationException("Steadfast cannot send this message: " + e.getMessage(), e);
    }
  }

  private enum Kind { TO, BCC }

  private static void addAll(Message.Builder builder, Address @Nullable [] addresses, Kind kind) {
    if (addresses == null) {
      return;
    }
    for (Address address : addresses) {
      if (!(address instanceof InternetAddress internet)) {
        throw new MailPreparationException("Steadfast sends to Internet addresses only but got " + address.getType());
      }
      EmailAddress email = emailAddress(internet);
      switch (kind) {
        case TO -> builder.to(email);
        case BCC -> builder.bcc(email);
        default -> throw new AssertionError(kind);
      }
    }
  }

  private static EmailAddress address(String text) throws MessagingException {
    return emailAddress(new InternetAddress(text, true));
  }

  private static EmailAddress emailAddress(InternetAddress internet) {
    String personal = internet.getPersonal();
    return personal == null || personal.isBlank()
        ? EmailAddress.of(internet.getAddress())
        : EmailAddress.of(internet.getAddress(), personal);
  }

  private static String[] orEmpty(String @Nullable [] values) {
    return values == null ? new String[0] : values;
  }
}
