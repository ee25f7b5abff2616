package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Outcome.NotSent;
import io.steadfast.spi.Outcome.Rejected;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.jspecify.annotations.Nullable;

/** Every row of the REST classification table. */
class ErrorClassifierTest {
  private static final Duration WAIT = Duration.ofSeconds(42);
  private static final String TARGET = "api.sparkpost.com:443";

  static Stream<Arguments> statuses() {
    return Stream.of(
        // status, expected outcome, expected reason (null for Unknown), keeps Retry-After
        row(200, Outcome.Unknown.class, null, false),
        row(201, Outcome.Unknown.class, null, false),
        row(204, Outcome.Unknown.class, null, false),
        row(301, NotSent.class, NotSent.Reason.UNAVAILABLE, false),
        row(302, NotSent.class, NotSent.Reason.UNAVAILABLE, false),
        row(307, NotSent.class, NotSent.Reason.UNAVAILABLE, false),
        row(308, NotSent.class, NotSent.Reason.UNAVAILABLE, false),
        row(400, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(401, Rejected.class, Rejected.Reason.AUTHENTICATION, false),
        row(403, Rejected.class, Rejected.Reason.AUTHENTICATION, false),
        row(404, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(405, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(408, NotSent.class, NotSent.Reason.UNAVAILABLE, true),
        row(409, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(413, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(415, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(420, NotSent.class, NotSent.Reason.QUOTA_EXCEEDED, true),
        row(422, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(429, NotSent.class, NotSent.Reason.RATE_LIMITED, true),
        row(451, Rejected.class, Rejected.Reason.MESSAGE, false),
        row(499, Rejected.class, Rejected.Reason.MESSAGE, false),
        // Without SparkPost's error body (these failures carry none): only 503 proves nothing was taken.
        row(500, Outcome.Unknown.class, null, false),
        row(502, Outcome.Unknown.class, null, false),
        row(503, NotSent.class, NotSent.Reason.UNAVAILABLE, true),
        row(504, Outcome.Unknown.class, null, false),
        row(599, Outcome.Unknown.class, null, false),
        row(199, Outcome.Unknown.class, null, false),
        row(600, Outcome.Unknown.class, null, false));
  }

  @ParameterizedTest(name = "HTTP {0} with SparkPost's error body -> {1}")
  @MethodSource("serverErrorsFromSparkPost")
  void aServerErrorInSparkPostsOwnErrorFormatIsNotSentExceptAGatewaysAnswer(int status, Class<? extends Outcome> type) {
    Failure failure = new Failure("HTTP " + status, status, "1901", "Internal error", "req-1", null);

    assertThat(ErrorClassifier.forStatus(status, failure, WAIT)).isInstanceOf(type);
  }

  static Stream<Arguments> serverErrorsFromSparkPost() {
    return Stream.of(Arguments.of(500, NotSent.class), Arguments.of(501, NotSent.class),
        Arguments.of(503, NotSent.class), Arguments.of(599, NotSent.class),
        Arguments.of(502, Outcome.Unknown.class), Arguments.of(504, Outcome.Unknown.class));
  }

  @ParameterizedTest(name = "HTTP {0} -> {1} {2}")
  @MethodSource("statuses")
  void classifiesStatus(int status, Class<? extends Outcome> type, @Nullable Enum<?> reason, boolean keepsRetryAfter) {
    Failure failure = new Failure("HTTP " + status, status, null, null, null, null);

    Outcome outcome = ErrorClassifier.forStatus(status, failure, WAIT);

    assertThat(outcome).isInstanceOf(type);
    if (outcome instanceof NotSent notSent) {
      assertThat(notSent.reason()).isEqualTo(reason);
      assertThat(notSent.retryAfter()).isEqualTo(keepsRetryAfter ? WAIT : null);
      assertThat(notSent.failure()).isSameAs(failure);
    } else if (outcome instanceof Rejected rejected) {
      assertThat(rejected.reason()).isEqualTo(reason);
      assertThat(rejected.failure()).isSameAs(failure);
    } else {
      assertThat(((Outcome.Unknown) outcome).failure()).isSameAs(failure);
    }
  }

  static Stream<Arguments> ioFailures() {
    return Stream.of(
        // failure, request body written, expected outcome, summary prefix
        io(new ConnectException("Connection refused"), false, NotSent.class, "could not connect to " + TARGET),
        io(new NoRouteToHostException("No route to host"), false, NotSent.class, "could not connect to " + TARGET),
        io(new UnknownHostException("api.sparkpost.com"), false, NotSent.class, "could not resolve " + TARGET),
        io(new SocketTimeoutException("Connect timed out"), false, NotSent.class, "connect to " + TARGET + " timed out"),
        io(new SSLHandshakeException("PKIX path building failed"), false, NotSent.class, "TLS handshake with " + TARGET),
        io(new InterruptedIOException("timeout"), false, NotSent.class, "call to " + TARGET + " timed out"),
        io(new SocketTimeoutException("timeout"), false, NotSent.class, "write to " + TARGET + " timed out"),
        io(new IOException("Canceled"), false, NotSent.class, "attempt canceled"),
        io(new SocketException("Broken pipe"), false, NotSent.class, "connection to " + TARGET + " failed"),
        io(new SocketTimeoutException("timeout"), true, Outcome.Unknown.class, "read timed out"),
        io(new SocketTimeoutException("Read timed out"), true, Outcome.Unknown.class, "read timed out"),
        io(new InterruptedIOException("timeout"), true, Outcome.Unknown.class, "call timed out"),
        io(new SocketException("Connection reset"), true, Outcome.Unknown.class, "connection failed after"),
        io(new EOFException("\\n not found: limit=0"), true, Outcome.Unknown.class, "connection failed after"),
        io(new IOException("unexpected end of stream on http://localhost/..."), true, Outcome.Unknown.class,
            "connection failed after"),
        io(new ProtocolException("Unexpected status line: garbage"), true, Outcome.Unknown.class,
            "connection failed after"),
        io(new IOException("Canceled"), true, Outcome.Unknown.class, "attempt canceled after"));
  }

  @ParameterizedTest(name = "{0} (sent={1}) -> {2}")
  @MethodSource("ioFailures")
  void classifiesIoFailureByWhetherTheRequestWasWritten(IOException failure, boolean sent,
      Class<? extends Outcome> type, String summary) {
    Outcome outcome = ErrorClassifier.forIoFailure(failure, sent, TARGET);

    assertThat(outcome).isInstanceOf(type);
    Failure facts = outcome instanceof NotSent notSent ? notSent.failure() : ((Outcome.Unknown) outcome).failure();
    assertThat(facts.summary()).startsWith(summary);
    assertThat(facts.cause()).isSameAs(failure);
    assertThat(facts.statusCode()).isNull();
    if (outcome instanceof NotSent notSent) {
      assertThat(notSent.reason()).isEqualTo(NotSent.Reason.UNAVAILABLE);
      assertThat(notSent.retryAfter()).isNull();
    }
  }

  /**
   * SparkPost's extended error codes whose corrective action decides before the status
   * (support.sparkpost.com/docs/tech-resources/extended-error-codes), and codes that must not.
   */
  static Stream<Arguments> codes() {
    return Stream.of(
        // status, code, expected outcome, expected reason, keeps Retry-After
        Arguments.of(400, "1502", NotSent.class, NotSent.Reason.UNAVAILABLE, true),   // "retry later"
        Arguments.of(503, "1900", NotSent.class, NotSent.Reason.UNAVAILABLE, true),   // "retry, likely transient"
        Arguments.of(400, "1900", NotSent.class, NotSent.Reason.UNAVAILABLE, true),
        Arguments.of(420, "2101", NotSent.class, NotSent.Reason.QUOTA_EXCEEDED, true),
        Arguments.of(400, "2103", NotSent.class, NotSent.Reason.QUOTA_EXCEEDED, true),
        Arguments.of(429, "2102", NotSent.class, NotSent.Reason.QUOTA_EXCEEDED, true),
        Arguments.of(403, "1100", Rejected.class, Rejected.Reason.AUTHENTICATION, false), // "check API key"
        Arguments.of(400, "1100", Rejected.class, Rejected.Reason.AUTHENTICATION, false),
        // No action that changes the status's answer: the status decides.
        Arguments.of(400, "1902", Rejected.class, Rejected.Reason.MESSAGE, false),
        Arguments.of(422, "1300", Rejected.class, Rejected.Reason.MESSAGE, false),
        Arguments.of(404, "1600", Rejected.class, Rejected.Reason.MESSAGE, false),
        // A code never makes a status that says "retry" permanent (a 429 carrying 1800 has been seen).
        Arguments.of(429, "1800", NotSent.class, NotSent.Reason.RATE_LIMITED, true),
        Arguments.of(503, "1100", NotSent.class, NotSent.Reason.UNAVAILABLE, true),
        Arguments.of(408, "3000", NotSent.class, NotSent.Reason.UNAVAILABLE, true));
  }

  @ParameterizedTest(name = "HTTP {0} code {1} -> {2} {3}")
  @MethodSource("codes")
  void classifiesBySparkPostsErrorCodeWhereItsTableGivesAnAction(int status, String code,
      Class<? extends Outcome> type, Enum<?> reason, boolean keepsRetryAfter) {
    Failure failure = new Failure("HTTP " + status, status, code, "message", "req-1", null);

    Outcome outcome = ErrorClassifier.forAnswer(status, failure, WAIT);

    assertThat(outcome).isInstanceOf(type);
    if (outcome instanceof NotSent notSent) {
      assertThat(notSent.reason()).isEqualTo(reason);
      assertThat(notSent.retryAfter()).isEqualTo(keepsRetryAfter ? WAIT : null);
    } else {
      assertThat(((Rejected) outcome).reason()).isEqualTo(reason);
    }
  }

  @ParameterizedTest(name = "status only: HTTP {0}")
  @MethodSource("statuses")
  void withoutACodeAnAnswerIsClassifiedByItsStatus(int status, Class<? extends Outcome> type) {
    Failure failure = new Failure("HTTP " + status, status, null, null, null, null);

    assertThat(ErrorClassifier.forAnswer(status, failure, WAIT)).isInstanceOf(type);
  }

  static Stream<Arguments> tlsTrustFailures() {
    return Stream.of(
        Arguments.of(untrusted(), "the TLS certificate of " + TARGET
            + " is not trusted (unable to find valid certification path to requested target"),
        Arguments.of(new SSLPeerUnverifiedException("Hostname api.sparkpost.com not verified:\n    certificate: sha256/x"),
            "the TLS certificate of " + TARGET + " is not issued for that host (Hostname api.sparkpost.com not verified"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tlsTrustFailures")
  void aTlsTrustFailureIsPermanentAndNamesTheHostAndTheReason(IOException failure, String summary) {
    Outcome outcome = ErrorClassifier.forIoFailure(failure, false, TARGET);

    assertThat(outcome).isInstanceOfSatisfying(Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Rejected.Reason.AUTHENTICATION);
      assertThat(rejected.failure().summary()).isEqualTo(summary + ")");
      assertThat(rejected.failure().cause()).isSameAs(failure);
    });
  }

  /** What the JDK throws for a self-signed certificate: a handshake failure caused by a CertificateException. */
  private static SSLHandshakeException untrusted() {
    SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
    handshake.initCause(new CertificateException("PKIX path building failed",
        new IllegalStateException("unable to find valid certification path to requested target")));
    return handshake;
  }

  private static Arguments row(int status, Class<? extends Outcome> type, @Nullable Enum<?> reason, boolean keeps) {
    return Arguments.of(status, type, reason, keeps);
  }

  private static Arguments io(IOException failure, boolean sent, Class<? extends Outcome> type, String summary) {
    return Arguments.of(failure, sent, type, summary);
  }
}
