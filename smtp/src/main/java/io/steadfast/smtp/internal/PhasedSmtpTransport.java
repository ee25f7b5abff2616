package io.steadfast.smtp.internal;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.Socket;
import java.util.EnumMap;
import java.util.Map;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.jspecify.annotations.Nullable;

/**
 * Angus Mail's {@link SMTPTransport}, extended so that every reply is known together with the step
 * it answered.
 *
 * <p><b>Why this design.</b> Whether a failed attempt may have sent the message depends on exactly
 * where it failed: before the final {@code .} of DATA nothing was sent (NOT_SENT), while waiting for
 * the reply to it anything is possible (UNKNOWN). {@code Transport.sendMessage} hides that line: it
 * reports MAIL, RCPT, DATA and end-of-data failures through the same exception types, sends {@code
 * RSET} on failure (overwriting the reply), buffers the content so that a dropped connection
 * surfaces only when the final dot is flushed, and falls back from EHLO to HELO. So this class keeps
 * Angus for what it does well (the socket, connect and write timeouts, STARTTLS with certificate and
 * host name checks, AUTH LOGIN, reply parsing) and drives the transaction itself with the methods
 * Angus documents for subclasses:
 *
 * <ul>
 *   <li>{@link #sendCommand} and {@link #readServerResponse} are overridden to record each reply
 *       with the step it answered, so a failure inside {@code connect()} (greeting, EHLO,
 *       STARTTLS, AUTH) is classified from the server's actual reply, not from exception text;
 *   <li>MAIL FROM, RCPT TO and DATA are single commands ({@link #command}), each reply checked;
 *   <li>the content is written straight to the TLS socket (captured by {@link SocketCapture}) and
 *       flushed <em>before</em> the final {@code .} is written, so a failure while writing content
 *       is certainly NOT_SENT, and only a failure from the final {@code .} onwards is UNKNOWN.
 * </ul>
 *
 * <p>Not thread-safe beyond what {@code SMTPTransport} gives: one thread uses a connection at a time
 * (the pool hands it out); another thread may only {@link SocketCapture#abort() abort} it.
 */
final class PhasedSmtpTransport extends SMTPTransport {
  private final SocketCapture sockets;

  /** The step of the last command sent. Guarded by {@code this}. */
  private Step step = Step.GREETING;
  /** The last reply to each step on this connection. Guarded by {@code this}. */
  private final Map<Step, SmtpReply> replies = new EnumMap<>(Step.class);
  /** Guarded by {@code this}. */
  private boolean tlsStarted;
  /** Guarded by {@code this}. */
  private boolean authSent;

  PhasedSmtpTransport(Session session, URLName url, SocketCapture sockets) {
    super(session, url);
    this.sockets = sockets;
  }

  @Override
  protected synchronized void sendCommand(String command) throws MessagingException {
    Step next = Step.ofCommand(command);
    if (next != null) {
      step = next;
      replies.remove(next);
      if (next == Step.AUTH) {
        authSent = true;
      }
    }
    super.sendCommand(command);
  }

  @Override
  protected synchronized int readServerResponse() throws MessagingException {
    replies.remove(step); // an earlier reply to this step (an AUTH challenge) must not stand in for this one
    int code = super.readServerResponse(); // throws on an I/O error or timeout: then no reply is recorded
    replies.put(step, new SmtpReply(step, code, getLastServerResponse()));
    return code;
  }

  /**
   * Refuses the HELO fallback: HELO cannot negotiate STARTTLS, and a refused EHLO should be reported
   * with its own reply, which the fallback would overwrite.
   */
  @Override
  protected synchronized boolean ehlo(String domain) throws MessagingException {
    if (!super.ehlo(domain)) {
      throw new MessagingException("EHLO refused");
    }
    return true;
  }

  @Override
  protected synchronized void startTLS() throws MessagingException {
    super.startTLS();
    tlsStarted = true;
  }

  /**
   * Returns the EHLO name: the local address as an address literal (RFC 5321 section 4.1.3), which is
   * always valid and needs no DNS lookup, unlike Angus's default canonical host name.
   */
  @Override
  public synchronized String getLocalHost() {
    Socket socket = sockets.plain();
    InetAddress local = socket == null ? null : socket.getLocalAddress();
    if (local == null || local.isAnyLocalAddress()) {
      return "[127.0.0.1]";
    }
    String address = local.getHostAddress();
    int scope = address.indexOf('%');
    if (scope >= 0) {
      address = address.substring(0, scope);
    }
    return local instanceof Inet6Address ? "[IPv6:" + address + "]" : "[" + address + "]";
  }

  /** Sends {@code command} and returns the server's reply. */
  synchronized SmtpReply command(String command) throws MessagingException {
    sendCommand(command);
    readServerResponse();
    return replyOrEof(step);
  }

  /** Reads the reply to {@code next}, whose command was written directly to the socket. */
  synchronized SmtpReply awaitReply(Step next) throws MessagingException {
    step = next;
    replies.remove(next);
    readServerResponse();
    return replyOrEof(next);
  }

  /** Returns the step of the last command sent. */
  synchronized Step step() {
    return step;
  }

  /** Returns the last reply to {@code which}, or {@code null} if none was read. */
  synchronized @Nullable SmtpReply reply(Step which) {
    return replies.get(which);
  }

  /** Returns whether STARTTLS succeeded on this connection. */
  synchronized boolean tlsStarted() {
    return tlsStarted;
  }

  /** Returns whether AUTH was sent on this connection. */
  synchronized boolean authSent() {
    return authSent;
  }

  /** Returns the protocol, host and port; never the user name or password Angus keeps in its URL. */
  @Override
  public String toString() {
    URLName url = getURLName();
    return url == null ? "PhasedSmtpTransport" : "PhasedSmtpTransport[" + url.getHost() + ":" + url.getPort() + "]";
  }

  private SmtpReply replyOrEof(Step which) {
    SmtpReply reply = replies.get(which);
    return reply != null ? reply : new SmtpReply(which, -1, "[EOF]");
  }
}
