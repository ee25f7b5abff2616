package io.steadfast;

import io.steadfast.spi.Failure;

/**
 * The spool reached its entry or byte limit and the message was not accepted; nothing was stored.
 *
 * <p>It is retryable because it goes away by itself: the dispatcher frees room as it delivers. The
 * spool never evicts an accepted message to make room.
 */
public final class SpoolFullException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param detail which limit was reached, e.g. "10000 undelivered entries, limit 10000"
   */
  public SpoolFullException(String detail) {
    super("The spool is full (" + detail + "); the message was not accepted. Retry later: room is freed "
        + "as messages are delivered. If it stays full, check that SparkPost is reachable (stats(), "
        + "circuit states) or raise SpoolConfig maxEntries/maxBytes.",
        Failure.of("spool full", null), null, 0, null, null);
  }
}
