package io.steadfast.smtp.internal;

import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Turns what happened in the SMTP dialogue into an {@link Outcome}. The whole policy is here, so the
 * table-driven tests can check every row:
 *
 * <table>
 *   <caption>SMTP outcome classification</caption>
 *   <tr><th>what happened</th><th>outcome</th></tr>
 *   <tr><td>4xx reply at any step (421, 450, 451, 452, 454 ...)</td><td>NotSent(UNAVAILABLE)</td></tr>
 *   <tr><td>5xx reply to AUTH, or 535 anywhere</td><td>Rejected(AUTHENTICATION)</td></tr>
 *   <tr><td>5xx reply to STARTTLS; STARTTLS or AUTH not offered</td><td>Rejected(AUTHENTICATION)</td></tr>
 *   <tr><td>other 5xx reply</td><td>Rejected(MESSAGE)</td></tr>
 *   <tr><td>no reply, connection failure or timeout before the end of DATA</td><td>NotSent(UNAVAILABLE)</td></tr>
 *   <tr><td>no reply, drop or timeout after the final {@code .} was sent</td><td>Unknown</td></tr>
 *   <tr><td>a reply that makes no sense at that step</td><td>NotSent before the end of DATA, else Unknown</td></tr>
 *   <tr><td>the attempt's deadline passed, or a reply exceeded its size or line limit, before the final
 *       {@code .} was sent</td><td>NotSent(UNAVAILABLE)</td></tr>
 *   <tr><td>the same while waiting for the reply to the final {@code .}</td><td>Unknown</td></tr>
 * </table>
 *
 * <p>This follows RFC 5321 section 4.2.1 (4yz transient, 5yz permanent) and DESIGN.md: only the reply
 * to the final {@code .} says whether SparkPost took the message, so only losing that reply is
 * UNKNOWN.
 */
final class SmtpOutcomes {
  private final String server;
  private final Redactor redactor;
  private final Duration callTimeout;

  SmtpOutcomes(String server, Redactor redactor, Duration callTimeout) {
    this.server = server;
    this.redactor = redactor;
    this.callTimeout = callTimeout;
  }

  /** Returns the outcome of a reply that was not the one hoped for at {@code reply.step()}. */
  Outcome reply(SmtpReply reply, @Nullable Throwable cause) {
    Step step = reply.step();
    if (reply.code() == -1) {
      return noReply(step, reply.isEof() ? "the server closed the connection" : "the reply had no SMTP code", cause);
    }
    String enhanced = reply.enhancedCode();
    String summary = "SMTP " + reply.code() + (enhanced == null ? "" : " " + enhanced) + " in reply to "
        + step.description() + " from " + server;
    Failure failure = new Failure(redactor.redact(summary), reply.code(), enhanced,
        redactor.redact(reply.message()), null, redactor.redact(cause));
    if (reply.isTransient()) {
      return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, failure, null);
    }
    if (reply.isPermanent()) {
      boolean authentication = step == Step.AUTH || step == Step.STARTTLS || reply.code() == 535;
      return new Outcome.Rejected(
          authentication ? Outcome.Rejected.Reason.AUTHENTICATION : Outcome.Rejected.Reason.MESSAGE, failure);
    }
    // A 2xx or 3xx where another reply was due: the dialogue is out of step, so nothing is certain
    // after the final dot, and nothing was sent before it.
    return step == Step.END_OF_DATA
        ? new Outcome.Unknown(failure)
        : new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, failure, null);
  }

  /** Returns the outcome of an I/O failure, timeout or dropped connection during {@code step}. */
  Outcome noReply(Step step, String what, @Nullable Throwable cause) {
    String reason = what + detail(cause);
    if (step == Step.END_OF_DATA) {
      String summary = "no reply to the end of DATA from " + server + " (" + reason
          + "); SparkPost may have accepted the message";
      return new Outcome.Unknown(Failure.of(redactor.redact(summary), redactor.redact(cause)));
    }
    String summary = (step == Step.CONNECT ? "could not connect to " + server : step.description() + " with " + server
        + " failed") + " (" + reason + ")";
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
        Failure.of(redactor.redact(summary), redactor.redact(cause)), null);
  }

  /**
   * Returns the outcome of an attempt stopped during {@code step} because {@code limit} tripped: the
   * deadline passed, or the server sent a reply larger than any SMTP server sends (a server that
   * never ends its greeting, a hostile or broken one). Where the step decides, as for any lost reply:
   * before the final {@code .} nothing was sent; while waiting for its reply, anything is possible.
   */
  Outcome stopped(Step step, SocketCapture.Limit limit, @Nullable Throwable cause) {
    String what = switch (limit) {
      case DEADLINE -> (step == Step.CONNECT ? "could not connect to " + server
          : (step == Step.END_OF_DATA ? "no reply to the end of DATA from " + server
              : step.description() + " with " + server + " did not finish"))
          + " within the attempt's deadline of " + human(callTimeout) + " (callTimeout)";
      case REPLY_BYTES, REPLY_LINES -> (step == Step.GREETING ? "the greeting from " + server
          : "the reply to " + step.description() + " from " + server) + " exceeded "
          + (limit == SocketCapture.Limit.REPLY_LINES ? ReplyMeter.MAX_REPLY_LINES + " lines"
              : ReplyMeter.MAX_REPLY_BYTES + " bytes")
          + ", more than any SMTP server sends, so the connection was closed";
    };
    if (step == Step.END_OF_DATA) {
      return new Outcome.Unknown(Failure.of(redactor.redact(what + "; SparkPost may have accepted the message"),
          redactor.redact(cause)));
    }
    String next = limit == SocketCapture.Limit.DEADLINE
        ? "; nothing was sent. The server is slow or is not answering as SMTP servers do; check the host and port"
        : "; nothing was sent. Check that the host and port are a SparkPost SMTP endpoint";
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
        Failure.of(redactor.redact(what + next), redactor.redact(cause)), null);
  }

  /** Returns the outcome when every pooled connection stayed busy until the attempt's deadline. */
  Outcome poolBusy(int maxConnections) {
    String summary = "all " + maxConnections + " SMTP connections to " + server + " stayed busy for the attempt's "
        + "deadline of " + human(callTimeout) + " (callTimeout); nothing was sent";
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, Failure.of(summary, null), null);
  }

  /** Returns the outcome of a failed TLS handshake after {@code STARTTLS}: nothing was sent. */
  Outcome tlsFailed(@Nullable Throwable cause) {
    String summary = "TLS handshake with " + server + " failed" + detail(cause)
        + "; the certificate must be trusted by the JVM trust store (or the configured trustStore) and name the host";
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
        Failure.of(redactor.redact(summary), redactor.redact(cause)), null);
  }

  /**
   * Returns the outcome when the server offers no {@code STARTTLS}.
   *
   * <p>Rejected(AUTHENTICATION), not MESSAGE: the message is fine, it is the route that cannot be
   * used, because Steadfast will not send the API key in clear text. Like a refused key, it fails
   * every message on this route until someone fixes the configuration (wrong host or port, or a
   * middlebox stripping STARTTLS), so retrying would only hammer a misconfigured route.
   */
  Outcome noStartTls() {
    String summary = "SMTP server " + server + " does not offer STARTTLS";
    String message = "Steadfast never sends the API key over a plain connection, so it did not log in; "
        + "check the host and port (SparkPost offers STARTTLS on 587 and 2525) and that no proxy strips STARTTLS";
    return new Outcome.Rejected(Outcome.Rejected.Reason.AUTHENTICATION,
        new Failure(summary, null, null, message, null, null));
  }

  /**
   * Returns the outcome of a bug: an exception the transport did not expect. Nothing says the final
   * dot was not sent, so it is UNKNOWN.
   */
  Outcome unexpected(Throwable error) {
    return new Outcome.Unknown(Failure.of(
        redactor.redact("unexpected failure in the SMTP transport: " + error), redactor.redact(error)));
  }

  /** Returns the outcome when the server offers no {@code AUTH LOGIN}, so the key cannot be presented. */
  Outcome noAuthLogin() {
    String summary = "SMTP server " + server + " does not offer AUTH LOGIN";
    String message = "SparkPost's SMTP injection requires AUTH LOGIN with user SMTP_Injection; "
        + "check that the host is a SparkPost SMTP endpoint";
    return new Outcome.Rejected(Outcome.Rejected.Reason.AUTHENTICATION,
        new Failure(summary, null, null, message, null, null));
  }

  /** Returns {@code duration} as a person writes it: {@code 2 s}, {@code 1500 ms}. */
  static String human(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static String detail(@Nullable Throwable cause) {
    Throwable root = cause;
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root == null) {
      return "";
    }
    if (root instanceof SocketTimeoutException) {
      return ": timed out";
    }
    String message = root.getMessage();
    return ": " + root.getClass().getSimpleName() + (message == null ? "" : " " + message);
  }
}
