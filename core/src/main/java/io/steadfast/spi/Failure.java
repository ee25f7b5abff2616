package io.steadfast.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The facts a transport observed when an attempt did not end in acceptance.
 *
 * <p>None of the text may contain the API key or the message body: it ends up in exception messages
 * and logs.
 *
 * @param summary what happened in a few words, e.g. {@code HTTP 503 Service Unavailable} or
 *     {@code connect timed out}
 * @param statusCode the HTTP status or SMTP reply code, or {@code null} if no response arrived
 * @param providerCode SparkPost's error code (e.g. {@code 1902}) or the SMTP enhanced status code, or
 *     {@code null} if there was none
 * @param providerMessage SparkPost's error message and description, or {@code null} if there was none
 * @param requestId SparkPost's {@code X-SparkPost-Request-Id}, or {@code null} if there was none
 * @param cause the I/O or parsing exception behind the failure, or {@code null} if there was none
 */
public record Failure(
    String summary,
    @Nullable Integer statusCode,
    @Nullable String providerCode,
    @Nullable String providerMessage,
    @Nullable String requestId,
    @Nullable Throwable cause) {

  /** Checks the summary is present. */
  public Failure {
    Objects.requireNonNull(summary, "summary");
  }

  /** Returns a failure with only a summary and a cause, for errors before any response arrived. */
  public static Failure of(String summary, @Nullable Throwable cause) {
    return new Failure(summary, null, null, null, null, cause);
  }
}
