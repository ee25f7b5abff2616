package io.steadfast.smtp.internal;

import io.steadfast.ApiKey;
import io.steadfast.internal.Redaction;
import org.jspecify.annotations.Nullable;

/**
 * Removes the API key from text that leaves the transport (failure summaries, server replies), in
 * case a server or a JDK message ever echoes it, in every form {@link ApiKey#redact} finds (AUTH LOGIN
 * sends it base64-encoded; a server may echo it upper-cased or percent-encoded), and from the messages
 * of an exception chain.
 */
final class Redactor {
  private final ApiKey apiKey;

  Redactor(ApiKey apiKey) {
    this.apiKey = apiKey;
  }

  /** Returns {@code text} with every form of the key replaced by {@code [redacted]}. */
  String redact(String text) {
    return apiKey.redact(text);
  }

  /**
   * Returns {@code cause} itself if no message in its chain holds the key, else a copy of the chain
   * with the key removed from every message (same stack traces, the original class named in the
   * message). Server replies end up in Angus exception messages, and those travel as causes into
   * SteadfastException and its log lines.
   */
  @Nullable Throwable redact(@Nullable Throwable cause) {
    if (cause == null || !leaks(cause)) {
      return cause;
    }
    String message = cause.getMessage();
    RedactedException copy = new RedactedException(cause.getClass().getName()
        + (message == null ? "" : ": " + redact(message)), redact(cause.getCause() == cause ? null : cause.getCause()));
    copy.setStackTrace(cause.getStackTrace());
    return copy;
  }

  private boolean leaks(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message != null && !redact(message).equals(message)) {
        return true;
      }
    }
    return false;
  }

  /** Stands in for an exception whose message held the key. */
  static final class RedactedException extends Exception {
    private static final long serialVersionUID = 1L;

    RedactedException(String message, @Nullable Throwable cause) {
      super(message, cause, false, true);
    }
  }

  @Override
  public String toString() {
    return "Redactor[" + Redaction.REDACTED + "]";
  }
}
