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
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
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
 *
 * <p>An error answer is classified by SparkPost's extended error code first where its table gives an
 * action the status would get wrong ({@link #CODE_ACTIONS}), then by the status. A TLS certificate
 * that is not trusted or not issued for the host is permanent ({@link Rejected.Reason#AUTHENTICATION}):
 * it will not change until someone changes the trust configuration, and says nothing about SparkPost's
 * health, so it is neither retried nor counted as an outage by the circuit breaker.
 */
final class ErrorClassifier {
  private ErrorClassifier() {}

  /** What SparkPost's extended error table says to do about a code, where it changes the status's answer. */
  enum CodeAction {
    /** "retry later", "retry, likely transient error": the transmission was not created; retry. */
    RETRY_LATER,
    /** An exceeded sending limit (hourly, daily or sandbox): a quota; retry hours later, not soon. */
    QUOTA,
    /** "check API key": the key or its permissions are wrong, whatever 4xx carried it. */
    CHECK_API_KEY
  }

  /**
   * SparkPost's extended error codes whose row in its table "Extended Error Codes"
   * (support.sparkpost.com/docs/tech-resources/extended-error-codes) gives a corrective action that
   * the status alone would get wrong, or names a quota. The code decides before the status: SparkPost
   * answers 1502 "Server resources unavailable" with HTTP 400 and the action "retry later", which the
   * status alone would make a permanent rejection.
   *
   * <p>Rows whose action is "fix ... and retry" (1101, 1300, 1600, 1700, 1800, 3000-3050, 10000-10002)
   * are permanent, which their 4xx status already says, so they are not listed; and no code turns a
   * status that says "retry" (408, 420, 429, 5xx) into a permanent rejection, since a proxy or an older
   * API version may pair a code with another status than the table's (a 429 carrying 1800 has been seen).
   * Every code not listed falls back to the status.
   */
  static final Map<String, CodeAction> CODE_ACTIONS = Map.of(
      "1100", CodeAction.CHECK_API_KEY,  // 403 permission denied: "check API key, retry"
      "1502", CodeAction.RETRY_LATER,    // 400 Server resources unavailable: "retry later"
      "1900", CodeAction.RETRY_LATER,    // 503 Message generation module not available: "retry, likely transient"
      "2101", CodeAction.QUOTA,          // 420 Exceed Sending Limit (hourly)
      "2102", CodeAction.QUOTA,          // Exceed Sending Limit (daily), deprecated
      "2103", CodeAction.QUOTA);         // 420 Exceed Sending Limit (sandbox)

  /**
   * Classifies an error answer by SparkPost's extended error code where {@link #CODE_ACTIONS} gives an
   * action, and otherwise by the status ({@link #forStatus}).
   *
   * @param retryAfter the parsed {@code Retry-After}, or {@code null}; kept only where a retry is
   *     possible
   */
  static Outcome forAnswer(int status, Failure failure, @Nullable Duration retryAfter) {
    CodeAction action = failure.providerCode() == null || status < 400 ? null : CODE_ACTIONS.get(failure.providerCode());
    if (action == CodeAction.RETRY_LATER) {
      // SparkPost's own error body names a transient failure: the transmission was not created.
      return new NotSent(NotSent.Reason.UNAVAILABLE, failure, retryAfter);
    }
    if (action == CodeAction.QUOTA) {
      return new NotSent(NotSent.Reason.QUOTA_EXCEEDED, failure, retryAfter);
    }
    Outcome byStatus = forStatus(status, failure, retryAfter);
    if (action == CodeAction.CHECK_API_KEY && byStatus instanceof Rejected) {
      return new Rejected(Rejected.Reason.AUTHENTICATION, failure);
    }
    return byStatus;
  }

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
    String untrusted = tlsTrustFailure(failure, target);
    if (untrusted != null) {
      // The server could not prove it is SparkPost, so the key was never sent. Retrying changes nothing
      // until someone changes the trust configuration or the endpoint, and a wrong certificate says
      // nothing about SparkPost's health: permanent, and a success for the circuit breaker.
      return new Rejected(Rejected.Reason.AUTHENTICATION, Failure.of(untrusted, failure));
    }
    if (!requestSent) {
      return new NotSent(NotSent.Reason.UNAVAILABLE,
          Failure.of(summaryBeforeSend(failure, target), failure), null);
    }
    return new Outcome.Unknown(Failure.of(summaryAfterSend(failure), failure));
  }

  /**
   * Returns the summary of a TLS trust failure, or {@code null} if {@code failure} is not one: a
   * certificate the JVM's trust store does not accept (a {@link CertificateException} behind the
   * handshake failure: self-signed, unknown CA, expired, or a JDK host-name check), or a certificate
   * that does not name the host ({@link SSLPeerUnverifiedException}, OkHttp's host-name verifier). Other
   * TLS failures (a handshake cut off, no common protocol) may be transient and stay retryable.
   */
  static @Nullable String tlsTrustFailure(IOException failure, String target) {
    if (failure instanceof SSLPeerUnverifiedException) {
      return "the TLS certificate of " + target + " is not issued for that host (" + firstLine(failure) + ")";
    }
    if (!(failure instanceof SSLException)) {
      return null;
    }
    for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      if (cause instanceof CertificateException) {
        return "the TLS certificate of " + target + " is not trusted (" + firstLine(rootCause(cause)) + ")";
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** The first line of the exception's message, at most 200 characters: OkHttp's spans several lines. */
  private static String firstLine(Throwable failure) {
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      return failure.getClass().getSimpleName();
    }
    String line = message.strip().lines().findFirst().orElse("").strip();
    if (line.endsWith(":")) {
      line = line.substring(0, line.length() - 1);
    }
    return line.length() > 200 ? line.substring(0, 197) + "..." : line;
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
