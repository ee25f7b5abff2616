package io.steadfast.http.internal;

import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Outcome.NotSent;
import io.steadfast.spi.Outcome.Rejected;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Decides what a failed REST attempt means for the message: certainly not sent, perhaps sent, or
 * refused for good. Each rule is a row of {@code ErrorClassifierTest}.
 *
 * <p>The rules follow SparkPost's documented status codes (developers.sparkpost.com/api, "Errors"),
 * its performance guidance ("retry on timeout and on any 5xx") and DESIGN.md: a failure before the
 * request body was completely written is {@link NotSent} (SparkPost cannot act on a transmission it
 * never received whole); a failure after it is {@link Outcome.Unknown}, because SparkPost may have
 * accepted the transmission before the connection failed.
 */
final class ErrorClassifier {
  private ErrorClassifier() {}

  /**
   * Classifies a response whose status is not a success, or a 2xx whose body is not SparkPost's
   * success response.
   *
   * @param retryAfter the parsed {@code Retry-After}, or {@code null}; kept only where a retry is
   *     possible
   */
  static Outcome forStatus(int status, Failure failure, @Nullable Duration retryAfter) {
    if (status >= 200 && status < 300) {
      // A 2xx we cannot read as the documented success: SparkPost may well have accepted it.
      return new Outcome.Unknown(failure);
    }
    if (status >= 300 && status < 400) {
      // Redirects are not followed (a retry would resend the key to another host); a redirect means
      // the transmission was not processed here, so another attempt or route is safe.
      return new NotSent(NotSent.Reason.UNAVAILABLE, failure, null);
    }
    if (status == 420) {
      // SparkPost's sending limit (sandbox, hourly, daily or monthly): a quota, not a fault.
      return new NotSent(NotSent.Reason.QUOTA_EXCEEDED, failure, retryAfter);
    }
    if (status == 429) {
      return new NotSent(NotSent.Reason.RATE_LIMITED, failure, retryAfter);
    }
    if (status == 502 || status == 504) {
      // A gateway's answer: it passed the request on and got no good answer back (502) or none in
      // time (504). SparkPost's API behind it may have created the transmission, so a retry could be a
      // second email: only its events can tell (an independent review flagged 502/504 as NOT_SENT).
      return new Outcome.Unknown(failure);
    }
    if (status == 408 || status == 503 || status >= 500 && status < 600 && answeredBySparkPost(failure)) {
      // 408 and 503: the server (or the load balancer before it) did not take the request on.
      // Another 5xx with SparkPost's own {"errors": [...]} body: the Transmissions API itself answered
      // that it failed, and a failed transmission is not created (SparkPost's "retry any 5xx").
      return new NotSent(NotSent.Reason.UNAVAILABLE, failure, retryAfter);
    }
    if (status >= 500 && status < 600) {
      // A 5xx without SparkPost's error body (a proxy's HTML page, an empty body): something between
      // us and SparkPost answered, and nothing proves the API did not act on the request.
      return new Outcome.Unknown(failure);
    }
    if (status == 401 || status == 403) {
      return new Rejected(Rejected.Reason.AUTHENTICATION, failure);
    }
    if (status >= 400 && status < 500) {
      // 400, 404, 409, 413, 422 and every other client error: the request itself was refused.
      return new Rejected(Rejected.Reason.MESSAGE, failure);
    }
    // 1xx as a final status, or a code outside HTTP's range: an answer we cannot interpret.
    return new Outcome.Unknown(failure);
  }

  /** Whether the failure carries SparkPost's error JSON, so SparkPost's API itself gave the answer. */
  private static boolean answeredBySparkPost(Failure failure) {
    return failure.providerMessage() != null || failure.providerCode() != null;
  }

  /**
   * Classifies an I/O failure with no usable response.
   *
   * @param requestSent whether the request body had been completely written when it failed
   * @param target the host and port, for the summary
   */
  static Outcome forIoFailure(IOException failure, boolean requestSent, String target) {
    if (!requestSent) {
      return new NotSent(NotSent.Reason.UNAVAILABLE,
          Failure.of(summaryBeforeSend(failure, target), failure), null);
    }
    return new Outcome.Unknown(Failure.of(summaryAfterSend(failure), failure));
  }

  private static String summaryBeforeSend(IOException failure, String target) {
    if (failure instanceof UnknownHostException) {
      return "could not resolve " + target;
    }
    if (failure instanceof ConnectException || failure instanceof NoRouteToHostException) {
      return "could not connect to " + target;
    }
    if (failure instanceof SSLException) {
      return "TLS handshake with " + target + " failed";
    }
    if (failure instanceof SocketTimeoutException) {
      return isConnectTimeout(failure) ? "connect to " + target + " timed out" : "write to " + target + " timed out";
    }
    if (isCanceled(failure)) {
      return "attempt canceled";
    }
    if (failure instanceof InterruptedIOException) {
      return "call to " + target + " timed out";
    }
    return "connection to " + target + " failed (" + failure.getClass().getSimpleName() + ")";
  }

  private static String summaryAfterSend(IOException failure) {
    if (failure instanceof SocketTimeoutException) {
      return "read timed out waiting for SparkPost's response";
    }
    if (isCanceled(failure)) {
      return "attempt canceled after the request was sent";
    }
    if (failure instanceof InterruptedIOException) {
      return "call timed out waiting for SparkPost's response";
    }
    return "connection failed after the request was sent (" + failure.getClass().getSimpleName() + ")";
  }

  private static boolean isConnectTimeout(IOException failure) {
    String message = failure.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).contains("connect");
  }

  private static boolean isCanceled(IOException failure) {
    // OkHttp reports Call.cancel() (and close() of a queued call) as IOException("Canceled").
    String message = failure.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).startsWith("cancel");
  }
}
