package io.steadfast;

import io.steadfast.spi.Failure;

/**
 * The spool could not store the message (the disk is full, a file-size limit was reached, the spool's
 * storage failed or is unreachable); nothing was stored and nothing was acknowledged.
 *
 * <p>It is retryable because the cause is in the environment, not in the message: submit the same
 * message again, with the same idempotency key, once the disk has room or the storage is back. The
 * message names the cause the spool reported.
 */
public final class SpoolUnavailableException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param cause the spool's own failure; its message says what went wrong
   */
  public SpoolUnavailableException(Throwable cause) {
    super("The spool could not store the message (" + describe(cause) + "); nothing was stored. Free disk space "
        + "or fix the storage, then submit again with the same idempotency key.",
        Failure.of("spool unavailable", cause), null, 0, null, null);
  }

  private static String describe(Throwable cause) {
    String text = cause.getMessage();
    if (text == null || text.isBlank()) {
      return cause.getClass().getSimpleName();
    }
    // The spool's own text may already say it; the sentence after the parenthesis says it once.
    String said = "; nothing was stored";
    return text.endsWith(said) ? text.substring(0, text.length() - said.length()) : text;
  }
}
