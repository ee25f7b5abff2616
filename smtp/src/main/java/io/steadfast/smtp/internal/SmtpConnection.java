package io.steadfast.smtp.internal;

import io.steadfast.spi.Outcome;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * One authenticated SMTP connection to SparkPost, which carries many messages one after another.
 *
 * <p>Used by one thread at a time (the pool hands it out); {@link #abort()} may be called from any
 * thread to break a blocked read or write.
 */
final class SmtpConnection {
  private static final byte[] END_OF_DATA = ".\r\n".getBytes(StandardCharsets.US_ASCII);

  private final PhasedSmtpTransport transport;
  private final SocketCapture sockets;
  private final SmtpOutcomes outcomes;
  private final Instant createdAt;
  /** Written when the connection goes back to the pool, read when it is taken out again. */
  private volatile Instant lastUsedAt;
  private volatile int transactions;

  private SmtpConnection(PhasedSmtpTransport transport, SocketCapture sockets, SmtpOutcomes outcomes,
      Instant createdAt) {
    this.transport = transport;
    this.sockets = sockets;
    this.outcomes = outcomes;
    this.createdAt = createdAt;
    this.lastUsedAt = createdAt;
  }

  /** A new connection, or the outcome that says why there is none. */
  record Opened(@Nullable SmtpConnection connection, @Nullable Outcome failure) {}

  /** The outcome of one transaction, and whether the connection may carry another. */
  record Transaction(Outcome outcome, boolean reusable) {}

  /**
   * Connects, says EHLO, upgrades with STARTTLS (required, with certificate and host name checks),
   * says EHLO again and logs in with AUTH LOGIN.
   *
   * @param sockets where the connection's sockets are captured, so the caller can abort the connect
   */
  static Opened open(SmtpSettings settings, SocketCapture sockets, SmtpOutcomes outcomes,
      ScheduledExecutorService writeTimeouts) {
    Session session = Session.getInstance(properties(settings, sockets, writeTimeouts));
    PhasedSmtpTransport transport = new PhasedSmtpTransport(session,
        new URLName("smtp", settings.host(), settings.port(), null, settings.username(), null), sockets);
    try {
      transport.connect(settings.host(), settings.port(), settings.username(), settings.apiKey().value());
    } catch (MessagingException | RuntimeException e) {
      sockets.abort();
      return new Opened(null, classifyConnectFailure(transport, sockets, outcomes, e));
    }
    if (!transport.authSent()) {
      // Angus skips AUTH when the server does not advertise it; SparkPost always wants it.
      closeQuietly(transport, sockets);
      return new Opened(null, outcomes.noAuthLogin());
    }
    return new Opened(new SmtpConnection(transport, sockets, outcomes, settings.clock().instant()), null);
  }

  /**
   * The Angus properties of one connection. Every timeout is set (Angus waits forever by default);
   * STARTTLS is required, so credentials never cross a plain connection; the server's certificate
   * and host name are checked against {@code settings.tls()} (the JVM trust store or the configured
   * one; {@code mail.smtp.ssl.trust} is never set, so nothing is trusted blindly); debug output is
   * off, and AUTH tracing would be suppressed even if a logger were turned up.
   */
  static Properties properties(SmtpSettings settings, SocketCapture sockets, ScheduledExecutorService writeTimeouts) {
    Properties properties = new Properties();
    properties.setProperty("mail.smtp.host", settings.host());
    properties.setProperty("mail.smtp.port", Integer.toString(settings.port()));
    properties.setProperty("mail.smtp.auth", "true");
    properties.setProperty("mail.smtp.auth.mechanisms", "LOGIN"); // what SparkPost documents
    properties.setProperty("mail.smtp.sasl.enable", "false");
    properties.setProperty("mail.smtp.starttls.enable", "true");
    properties.setProperty("mail.smtp.starttls.required", "true");
    properties.setProperty("mail.smtp.ssl.checkserveridentity", "true");
    properties.put("mail.smtp.ssl.socketFactory", sockets.tlsFactory());
    properties.put("mail.smtp.socketFactory", sockets.plainFactory());
    properties.setProperty("mail.smtp.socketFactory.fallback", "false");
    properties.setProperty("mail.smtp.connectiontimeout", millis(settings.connectTimeout()));
    properties.setProperty("mail.smtp.timeout", millis(settings.readTimeout()));
    properties.setProperty("mail.smtp.writetimeout", millis(settings.writeTimeout()));
    properties.put("mail.smtp.executor.writetimeout", writeTimeouts);
    properties.setProperty("mail.smtp.ehlo", "true");
    properties.setProperty("mail.smtp.quitwait", "false");
    properties.setProperty("mail.smtp.quitonsessionreject", "false");
    properties.setProperty("mail.smtp.noop.strict", "true");
    properties.setProperty("mail.smtp.userset", "false");
    properties.setProperty("mail.smtp.reportsuccess", "false");
    properties.setProperty("mail.debug", "false");
    properties.setProperty("mail.debug.auth", "false");
    properties.setProperty("mail.debug.auth.password", "false");
    return properties;
  }

  /**
   * Sends one message: MAIL FROM, RCPT TO for each recipient, DATA, the content and the final dot.
   *
   * <p>Partial acceptance: if some recipients get a 5xx and the rest are accepted, the message goes to
   * the accepted ones and the outcome is Accepted with the refused ones counted in {@code
   * rejectedRecipients}, as SparkPost's REST API reports {@code total_rejected_recipients}. A 4xx for
   * any recipient aborts the transaction (RSET) as NOT_SENT: sending to the others would leave that
   * recipient without a retry.
   */
  Transaction send(OutgoingMessage message) {
    transactions++;
    try {
      SmtpReply mail = transport.command("MAIL FROM:<" + message.envelopeFrom() + ">");
      if (!mail.isPositive()) {
        return refused(mail);
      }
      int accepted = 0;
      int rejected = 0;
      SmtpReply firstRefusal = null;
      for (String recipient : message.recipients()) {
        SmtpReply rcpt = transport.command("RCPT TO:<" + recipient + ">");
        if (rcpt.isPositive()) {
          accepted++;
        } else if (rcpt.isPermanent()) {
          rejected++;
          if (firstRefusal == null) {
            firstRefusal = rcpt;
          }
        } else {
          return refused(rcpt);
        }
      }
      if (accepted == 0) {
        return refused(java.util.Objects.requireNonNull(firstRefusal, "firstRefusal"));
      }
      SmtpReply data = transport.command("DATA");
      if (data.code() != 354) {
        return refused(data);
      }
      Outcome notWritten = writeContent(message);
      if (notWritten != null) {
        return new Transaction(notWritten, false);
      }
      SmtpReply end = transport.awaitReply(Step.END_OF_DATA);
      if (end.code() == -1 && sockets.tripped() != null) {
        return new Transaction(stopped(Step.END_OF_DATA, null), false);
      }
      if (end.isPositive()) {
        String queueId = end.queueId();
        return new Transaction(new Outcome.Accepted(queueId != null ? queueId : message.messageId(), accepted,
            rejected, null), true);
      }
      return new Transaction(outcomes.reply(end, null), end.code() != 421 && end.code() != -1);
    } catch (MessagingException | RuntimeException e) {
      Step step = transport.step();
      return new Transaction(noReply(step, "connection failed", e), false);
    }
  }

  /**
   * Writes the content, then the final dot, straight to the TLS socket.
   *
   * @return {@code null} if both were written, else the outcome: NOT_SENT if the content could not be
   *     written and flushed (the server cannot have seen the end of the message), UNKNOWN if writing
   *     the final dot itself failed (part of it may have arrived)
   */
  private @Nullable Outcome writeContent(OutgoingMessage message) {
    SSLSocket tls = sockets.tls();
    if (tls == null) {
      // Unreachable: connect() refuses a connection without STARTTLS. Checked so it cannot regress.
      return outcomes.noStartTls();
    }
    OutputStream raw;
    BufferedOutputStream buffered;
    try {
      raw = tls.getOutputStream();
      buffered = new BufferedOutputStream(raw, 16 * 1024);
      DotStuffingOutputStream data = new DotStuffingOutputStream(buffered);
      data.write(message.content());
      data.endLine();
      buffered.flush(); // everything but the final dot is now with the kernel
    } catch (IOException e) {
      return noReply(Step.CONTENT, "writing failed", e);
    }
    try {
      buffered.write(END_OF_DATA);
      buffered.flush();
    } catch (IOException e) {
      return noReply(Step.END_OF_DATA, "writing the final dot failed", e);
    }
    return null;
  }

  /** Ends the transaction after a refusal before DATA completed: RSET, if the connection survived. */
  private Transaction refused(SmtpReply reply) {
    if (reply.code() == -1 && sockets.tripped() != null) {
      return new Transaction(stopped(reply.step(), null), false);
    }
    Outcome outcome = outcomes.reply(reply, null);
    if (reply.code() == 421 || reply.code() == -1) {
      return new Transaction(outcome, false); // the server closed, or the dialogue is out of step
    }
    try {
      SmtpReply rset = transport.command("RSET");
      return new Transaction(outcome, rset.isPositive());
    } catch (MessagingException | RuntimeException e) {
      return new Transaction(outcome, false);
    }
  }

  /** Returns the outcome of a failed read or write, which names the deadline or limit if one stopped it. */
  private Outcome noReply(Step step, String what, Exception e) {
    return sockets.tripped() != null ? stopped(step, e) : outcomes.noReply(step, what, e);
  }

  private Outcome stopped(Step step, @Nullable Throwable cause) {
    return outcomes.stopped(step, java.util.Objects.requireNonNull(sockets.tripped(), "tripped"), cause);
  }

  /** Returns whether the server still answers NOOP; closes the connection if not. */
  boolean isAlive() {
    return transport.isConnected();
  }

  Instant createdAt() {
    return createdAt;
  }

  Instant lastUsedAt() {
    return lastUsedAt;
  }

  void touch(Instant now) {
    lastUsedAt = now;
  }

  int transactions() {
    return transactions;
  }

  /** Returns the sockets, for an attempt that may need to abort this connection. */
  SocketCapture sockets() {
    return sockets;
  }

  /** Closes the sockets now, from any thread, without QUIT; the thread using the connection fails fast. */
  void abort() {
    sockets.abort();
  }

  /** Says QUIT (without waiting for the reply) and closes. */
  void close() {
    closeQuietly(transport, sockets);
  }

  /** Returns how long the connection has existed at {@code now}. */
  Duration age(Instant now) {
    return Duration.between(createdAt, now);
  }

  private static void closeQuietly(PhasedSmtpTransport transport, SocketCapture sockets) {
    try {
      transport.close();
    } catch (MessagingException | RuntimeException e) {
      // QUIT is a courtesy; the sockets are closed below either way.
    } finally {
      sockets.abort();
    }
  }

  private static Outcome classifyConnectFailure(PhasedSmtpTransport transport, SocketCapture sockets,
      SmtpOutcomes outcomes, Exception e) {
    Step step = transport.step();
    SmtpReply reply = transport.reply(step);
    SocketCapture.Limit limit = sockets.tripped();
    if (limit != null) {
      Socket plain = sockets.plain();
      Step where = step == Step.GREETING && reply == null && (plain == null || !plain.isConnected()) ? Step.CONNECT
          : step == Step.STARTTLS && reply != null && reply.code() == 220 ? Step.TLS_HANDSHAKE : step;
      return outcomes.stopped(where, limit, e);
    }
    if (step == Step.GREETING && reply == null) {
      Socket plain = sockets.plain();
      boolean connected = plain != null && plain.isConnected();
      return outcomes.noReply(connected ? Step.GREETING : Step.CONNECT,
          connected ? "no greeting" : "connection failed", e);
    }
    if (step == Step.EHLO && reply != null && reply.isPositive()) {
      // EHLO succeeded and connect() still failed without another command: before TLS that is
      // Angus's "STARTTLS is required but host does not support STARTTLS"; after TLS it is
      // "No authentication mechanisms supported by both server and client".
      return transport.tlsStarted() ? outcomes.noAuthLogin() : outcomes.noStartTls();
    }
    if (step == Step.STARTTLS && reply != null && reply.code() == 220 && !transport.tlsStarted()) {
      return outcomes.tlsFailed(e);
    }
    if (reply == null) {
      return outcomes.noReply(step, "connection failed", e);
    }
    return outcomes.reply(reply, e);
  }

  private static String millis(Duration duration) {
    return Long.toString(Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis())));
  }
}
