package io.steadfast.spi;

import io.steadfast.RecipientError;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one delivery attempt ended. The four cases decide everything that follows: whether to retry,
 * whether another route may be tried, and whether the message may already have been sent.
 *
 * <ul>
 *   <li>{@link Accepted}: SparkPost took the message.
 *   <li>{@link NotSent}: it certainly did not; retrying, on this or another route, is safe.
 *   <li>{@link Unknown}: it may have; retry only on the same route with the same key.
 *   <li>{@link Rejected}: it never will, unchanged.
 * </ul>
 */
public sealed interface Outcome
    permits Outcome.Accepted, Outcome.NotSent, Outcome.Unknown, Outcome.Rejected {

  /**
   * SparkPost accepted the transmission.
   *
   * @param transmissionId SparkPost's transmission id (for SMTP, the id the server reported, or the
   *     Message-ID)
   * @param acceptedRecipients how many recipients SparkPost accepted
   * @param rejectedRecipients how many recipients SparkPost rejected
   * @param requestId SparkPost's request id, or {@code null} if the response carried none
   * @param recipientErrors why SparkPost refused the rejected recipients, as far as it said
   *     (its {@code results.rcpt_to_errors}); empty if it said nothing
   */
  record Accepted(String transmissionId, long acceptedRecipients, long rejectedRecipients,
      @Nullable String requestId, List<RecipientError> recipientErrors) implements Outcome {
    /** Checks the id is present and the counts are not negative, and copies the errors. */
    public Accepted {
      Objects.requireNonNull(transmissionId, "transmissionId");
      if (acceptedRecipients < 0 || rejectedRecipients < 0) {
        throw new IllegalArgumentException("recipient counts must be >= 0");
      }
      recipientErrors = List.copyOf(recipientErrors);
    }

    /** Creates an acceptance whose answer gave no per-recipient errors. */
    public Accepted(String transmissionId, long acceptedRecipients, long rejectedRecipients,
        @Nullable String requestId) {
      this(transmissionId, acceptedRecipients, rejectedRecipients, requestId, List.of());
    }
  }

  /**
   * The message was certainly not sent; retrying is safe.
   *
   * @param reason why, which decides how soon a retry may come
   * @param failure what the transport observed
   * @param retryAfter how long the server asked us to wait, or {@code null} if it did not say
   */
  record NotSent(Reason reason, Failure failure, @Nullable Duration retryAfter) implements Outcome {
    /** Checks the parts are present and the wait is not negative. */
    public NotSent {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(failure, "failure");
      if (retryAfter != null && retryAfter.isNegative()) {
        throw new IllegalArgumentException("retryAfter must not be negative");
      }
    }

    /** Why a message was not sent. */
    public enum Reason {
      /** No connection, a server error (HTTP 5xx, 408) or a transient SMTP reply (4xx). */
      UNAVAILABLE,
      /** Too many requests (HTTP 429): retry after the server's Retry-After. */
      RATE_LIMITED,
      /** The account's sending quota is exhausted (HTTP 420): retry much later, never in-call. */
      QUOTA_EXCEEDED
    }
  }

  /**
   * The request was written but no answer came back: SparkPost may have accepted the message.
   *
   * @param failure what the transport observed
   */
  record Unknown(Failure failure) implements Outcome {
    /** Checks the failure is present. */
    public Unknown {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /**
   * SparkPost refused the message permanently.
   *
   * @param reason whether the key or the message was refused
   * @param failure what the transport observed, including SparkPost's error code
   * @param recipientErrors why SparkPost refused each recipient, when it answered with 0 recipients
   *     accepted; otherwise empty
   */
  record Rejected(Reason reason, Failure failure, List<RecipientError> recipientErrors) implements Outcome {
    /** Checks the parts are present and copies the errors. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(failure, "failure");
      recipientErrors = List.copyOf(recipientErrors);
    }

    /** Creates a rejection without per-recipient errors. */
    public Rejected(Reason reason, Failure failure) {
      this(reason, failure, List.of());
    }

    /** What SparkPost refused. */
    public enum Reason {
      /**
       * The API key (HTTP 401, SMTP 535) or its permissions (HTTP 403), or the server's identity: a
       * TLS certificate that is not trusted or not issued for the host, so the key was never sent.
       */
      AUTHENTICATION,
      /**
       * The message or request itself (HTTP 400, 404, 409, 413, 422, SMTP 5xx), or every one of its
       * recipients (HTTP 200 with 0 accepted).
       */
      MESSAGE
    }
  }
}
