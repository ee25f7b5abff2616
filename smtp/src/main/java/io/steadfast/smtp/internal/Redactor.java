package io.steadfast.smtp.internal;

import io.steadfast.ApiKey;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Removes the API key from text that leaves the transport (failure summaries, server replies), in
 * case a server or a JDK message ever echoes it: AUTH LOGIN sends it base64-encoded, so that form is
 * removed too.
 */
final class Redactor {
  static final String REDACTED = "[redacted]";

  private final List<String> secrets;

  Redactor(ApiKey apiKey) {
    String key = apiKey.value();
    String base64 = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    this.secrets = List.of(key, base64);
  }

  /** Returns {@code text} with every form of the key replaced by {@code [redacted]}. */
  String redact(String text) {
    String result = text;
    for (String secret : secrets) {
      if (result.contains(secret)) {
        result = result.replace(secret, REDACTED);
      }
    }
    return result;
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
    return "Redactor[" + REDACTED + "]";
  }
}
