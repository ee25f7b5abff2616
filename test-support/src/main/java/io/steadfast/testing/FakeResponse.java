package io.steadfast.testing;

import com.github.tomakehurst.wiremock.http.Fault;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Describes one scripted answer of a {@link FakeSparkPost}: an HTTP response, optionally delayed,
 * or a broken connection.
 *
 * <p>Queue answers with {@link FakeSparkPost#enqueue(FakeResponse...)} or make one standing with
 * {@link FakeSparkPost#alwaysRespond(FakeResponse)}:
 *
 * <pre>{@code
 * fake.enqueue(
 *     FakeResponse.serverError(503),
 *     FakeResponse.connectionReset(),
 *     FakeResponse.rateLimited(Duration.ofSeconds(2)));
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe, and compare by value; {@link #withHeader} and {@link
 * #delayed} return new instances.
 */
public final class FakeResponse {

  /** What the fake does with a request answered by this response. */
  enum Kind {
    /** Sends the scripted status, headers and body; records no transmission. */
    HTTP,
    /**
     * Handles the request normally: validates it, and records it if SparkPost would accept it;
     * with a fault, then breaks the connection instead of answering.
     */
    NORMAL,
    /** Breaks the connection; the client sees no HTTP response. */
    FAULT
  }

  /** WireMock passes delays as {@code int} milliseconds. */
  private static final Duration MAX_DELAY = Duration.ofMillis(Integer.MAX_VALUE);

  private static final String JSON = "application/json";

  /** The transmission id of the documented answer with recipient errors. */
  private static final String DOCUMENTED_TRANSMISSION_ID = "11668787484950530";

  /** The documented {@code rcpt_to_errors} entry (developers.sparkpost.com/api/transmissions). */
  private static final ApiError DOCUMENTED_RECIPIENT_ERROR =
      ApiError.required("address.email is required for each recipient");

  private final Kind kind;
  private final String description;
  private final int status;
  private final String body;
  private final String contentType;
  private final Map<String, String> headers;
  private final Duration delay;
  private final Fault fault;

  private FakeResponse(
      Kind kind,
      String description,
      int status,
      String body,
      String contentType,
      Map<String, String> headers,
      Duration delay,
      Fault fault) {
    this.kind = kind;
    this.description = description;
    this.status = status;
    this.body = body;
    this.contentType = contentType;
    this.headers = headers;
    this.delay = delay;
    this.fault = fault;
  }

  private static FakeResponse http(String description, int status, String body, String type) {
    return new FakeResponse(
        Kind.HTTP, description, status, body, type, Map.of(), Duration.ZERO, null);
  }

  private static FakeResponse fault(String description, Fault fault) {
    return new FakeResponse(Kind.FAULT, description, 0, "", "", Map.of(), Duration.ZERO, fault);
  }

  /**
   * Returns a response that handles the request as the fake normally does: validates it, answers as
   * SparkPost would, and records the transmission if it is valid.
   *
   * <p>Useful inside a script, for example a success between two failures.
   *
   * @return a response that behaves as the fake does when nothing is scripted
   */
  public static FakeResponse accepted() {
    return new FakeResponse(Kind.NORMAL, "accepted()", 0, "", "", Map.of(), Duration.ZERO, null);
  }

  /**
   * Returns a response that handles the request normally but answers only after {@code delay}.
   *
   * <p>The transmission is recorded when the request arrives, so a client that times out first
   * leaves a transmission SparkPost accepted but the client never saw: the duplicate-delivery case.
   *
   * @param delay how long to wait before answering
   * @return a normal answer sent after {@code delay}
   * @throws IllegalArgumentException if {@code delay} is negative or longer than about 24 days
   */
  public static FakeResponse acceptedAfter(Duration delay) {
    return accepted().delayed(delay);
  }

  /**
   * Returns a response that handles the request normally, so a valid transmission is recorded,
   * produces its events and counts as accepted, and then resets the connection instead of
   * answering.
   *
   * <p>The client has written the whole body and sees a reset (or, with {@link #delayed}, a read
   * timeout first) and no status: an UNKNOWN outcome that SparkPost in fact accepted. A client that
   * simply re-sends creates a real duplicate; one that reconciles through the Events API finds the
   * injection event and does not. A request the fake would refuse (a bad key, an invalid body) is
   * not recorded, and its connection is reset too.
   *
   * <pre>{@code
   * fake.enqueue(FakeResponse.acceptedThenDropped());
   * // send one message; the client sees UNKNOWN, yet:
   * assertThat(fake.transmissionCountFor(key)).isEqualTo(1);
   * }</pre>
   *
   * @return a normal handling whose answer is replaced by {@code Fault.CONNECTION_RESET_BY_PEER}
   */
  public static FakeResponse acceptedThenDropped() {
    return new FakeResponse(
        Kind.NORMAL,
        "acceptedThenDropped()",
        0,
        "",
        "",
        Map.of(),
        Duration.ZERO,
        Fault.CONNECTION_RESET_BY_PEER);
  }

  /**
   * Returns SparkPost's {@code 403 Forbidden} answer, as for an API key that lacks the grant the
   * endpoint needs, such as "Events Search: Read-only" for the Events API.
   *
   * @return a 403 answer with a SparkPost-style errors body
   */
  public static FakeResponse forbidden() {
    return http(
        "forbidden()", 403, ApiError.body(new ApiError("Forbidden.", null, null)), JSON);
  }

  /**
   * Returns the {@code 502} "Could not proceed" answer SparkPost gives when a backend is briefly
   * unavailable; its documentation calls it transient: back off and retry.
   *
   * @return a 502 answer with {@code {"errors":[{"message":"Could not proceed"}]}}
   */
  public static FakeResponse couldNotProceed() {
    return http(
        "couldNotProceed()",
        502,
        ApiError.body(new ApiError("Could not proceed", null, null)),
        JSON);
  }

  /**
   * Returns a {@code 200} answer that claims {@code application/json} but whose body is cut off
   * mid-object, so a client's JSON parser fails.
   *
   * @return a 200 answer with a truncated JSON body
   */
  public static FakeResponse malformedJson() {
    return http("malformedJson()", 200, "{\"results\":[{\"type\":\"injec", JSON);
  }

  /**
   * Returns a server error with the given 5xx {@code status} and a SparkPost-style errors body.
   *
   * @param status the HTTP status, from 500 to 599; SparkPost advises retrying any 5xx
   * @return a JSON {@code {"errors":[{"message": "<reason phrase>"}]}} answer
   * @throws IllegalArgumentException if {@code status} is not between 500 and 599
   */
  public static FakeResponse serverError(int status) {
    if (status < 500 || status > 599) {
      throw new IllegalArgumentException("status must be between 500 and 599 but was " + status);
    }
    return http(
        "serverError(" + status + ")",
        status,
        ApiError.body(new ApiError(reasonPhrase(status), null, null)),
        JSON);
  }

  /**
   * Returns a {@code 429 Too Many Requests} response whose {@code Retry-After} header gives {@code
   * retryAfter} in whole seconds, rounded up.
   *
   * @param retryAfter the wait to advertise; {@link Duration#ZERO} sends {@code Retry-After: 0}
   * @return a 429 answer with a SparkPost-style errors body
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public static FakeResponse rateLimited(Duration retryAfter) {
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
    }
    long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
    return http(
            "rateLimited(" + retryAfter + ")",
            429,
            ApiError.body(new ApiError("Too many requests", null, null)),
            JSON)
        .withHeaderQuietly("Retry-After", Long.toString(seconds));
  }

  /**
   * Returns SparkPost's {@code 420} answer for a transmission that would exceed the account's
   * sending limit.
   *
   * <p>The body is the documented hourly-limit example, error code 2101. A 420 is a quota, not a
   * fault: clients should not retry soon.
   *
   * @return a 420 answer with SparkPost's errors body
   */
  public static FakeResponse sendingLimitExceeded() {
    // Body as in developers.sparkpost.com/api/transmissions, "Sending Limits".
    return http(
        "sendingLimitExceeded()",
        420,
        ApiError.body(new ApiError("Exceed Sending Limit (hourly)", "2101", null)),
        JSON);
  }

  /**
   * Returns SparkPost's {@code 400} answer with extended error code 1502, "Server resources
   * unavailable", whose corrective action in SparkPost's table is "retry later"
   * (support.sparkpost.com/docs/tech-resources/extended-error-codes): a 400 that is not the request's
   * fault, so a client must retry it rather than give up. Records no transmission.
   *
   * @return a 400 answer with {@code {"errors":[{"message":"Server resources unavailable","code":"1502"}]}}
   */
  public static FakeResponse serverResourcesUnavailable() {
    return http(
        "serverResourcesUnavailable()",
        400,
        ApiError.body(new ApiError("Server resources unavailable", "1502", null)),
        JSON);
  }

  /**
   * Returns SparkPost's documented {@code 200} answer for a transmission it created while refusing one
   * of its two recipients: the warning code 2000 "transmission created, but with validation errors",
   * {@code total_accepted_recipients: 1}, {@code total_rejected_recipients: 1} and one {@code
   * rcpt_to_errors} entry (code 1400, "address.email is required for each recipient"), as in
   * developers.sparkpost.com/api/transmissions, "Create a Transmission". The body is that example's,
   * whatever the request held, and no transmission is recorded.
   *
   * @return a 200 answer naming one refused recipient
   */
  public static FakeResponse someRecipientsRejected() {
    return http("someRecipientsRejected()", 200, Json.successWithRecipientErrors(
        DOCUMENTED_TRANSMISSION_ID, 1, List.of(DOCUMENTED_RECIPIENT_ERROR)), JSON);
  }

  /**
   * Returns a {@code 200} answer in which SparkPost accepted none of the recipients: {@code
   * total_accepted_recipients: 0} (as in the scheduled-transmission example of
   * developers.sparkpost.com/api/transmissions), with the warning code 2000 and one {@code
   * rcpt_to_errors} entry per refused recipient, each the documented code 1400 entry. Nothing will be
   * delivered, so a client must report a failure, not a receipt. No transmission is recorded.
   *
   * @param rejectedRecipients how many recipients to report refused, at least 1
   * @return a 200 answer with 0 recipients accepted
   * @throws IllegalArgumentException if {@code rejectedRecipients} is less than 1
   */
  public static FakeResponse allRecipientsRejected(int rejectedRecipients) {
    if (rejectedRecipients < 1) {
      throw new IllegalArgumentException("rejectedRecipients must be >= 1 but was " + rejectedRecipients);
    }
    return http("allRecipientsRejected(" + rejectedRecipients + ")", 200, Json.successWithRecipientErrors(
        DOCUMENTED_TRANSMISSION_ID, 0, Collections.nCopies(rejectedRecipients, DOCUMENTED_RECIPIENT_ERROR)), JSON);
  }

  /**
   * Returns a response with exactly the given {@code status}, {@code body} and {@code contentType}.
   *
   * <p>Even a 2xx status records no transmission, which makes this the way to test odd success
   * bodies, or an HTML error page from a load balancer.
   *
   * @param status the HTTP status, from 200 to 599
   * @param body the body to send, possibly empty
   * @param contentType the {@code Content-Type} to send, or an empty string to send none
   * @return an answer with exactly these parts, plus {@code X-SparkPost-Request-Id}
   * @throws IllegalArgumentException if {@code status} is not between 200 and 599, or {@code
   *     contentType} contains a line break
   */
  public static FakeResponse status(int status, String body, String contentType) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(contentType, "contentType");
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be between 200 and 599 but was " + status);
    }
    requireNoLineBreak("contentType", contentType);
    return http("status(" + status + ")", status, body, contentType);
  }

  /**
   * Returns a fault that resets the connection (TCP RST) instead of answering; the client sees an
   * {@link java.io.IOException}.
   *
   * <p>WireMock resets only after it has read the whole request, so this is a reset <em>after</em>
   * the body was sent: a client cannot know whether SparkPost took the message and must treat it as
   * UNKNOWN (retry on the same route with the same key, never fail over). The fake itself records no
   * transmission for it. A reset <em>before</em> the body was read, which a client could treat as
   * NOT_SENT, cannot be simulated with WireMock; a closed port (connection refused) is the nearest
   * certain "not sent".
   *
   * @return a fault that answers with {@code Fault.CONNECTION_RESET_BY_PEER} in WireMock terms
   */
  public static FakeResponse connectionReset() {
    return fault("connectionReset()", Fault.CONNECTION_RESET_BY_PEER);
  }

  /**
   * Returns a fault that closes the connection without sending anything; the client sees an {@link
   * java.io.IOException}.
   *
   * @return a fault that answers with {@code Fault.EMPTY_RESPONSE} in WireMock terms
   */
  public static FakeResponse emptyResponse() {
    return fault("emptyResponse()", Fault.EMPTY_RESPONSE);
  }

  /**
   * Returns a fault that sends random bytes that are not HTTP, then closes the connection; the
   * client sees an {@link java.io.IOException}.
   *
   * @return a fault that answers with {@code Fault.RANDOM_DATA_THEN_CLOSE} in WireMock terms
   */
  public static FakeResponse garbage() {
    return fault("garbage()", Fault.RANDOM_DATA_THEN_CLOSE);
  }

  /**
   * Returns a copy that also sends the header {@code name: value}, replacing a header of that name
   * that the fake would otherwise send.
   *
   * @param name the header name, matched case-insensitively
   * @param value the header value
   * @return a copy of this response with the header added
   * @throws IllegalArgumentException if {@code name} is blank or either argument contains a line
   *     break
   * @throws IllegalStateException if this response is a connection fault, which sends no headers
   */
  public FakeResponse withHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isBlank()) {
      throw new IllegalArgumentException("header name must not be blank");
    }
    requireNoLineBreak("header name", name);
    requireNoLineBreak("header value", value);
    if (fault != null) {
      throw new IllegalStateException(description + " breaks the connection and sends no headers");
    }
    return withHeaderQuietly(name, value);
  }

  private FakeResponse withHeaderQuietly(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach(
        (existing, v) -> {
          if (!existing.equalsIgnoreCase(name)) {
            copy.put(existing, v);
          }
        });
    copy.put(name, value);
    return new FakeResponse(
        kind,
        description,
        status,
        body,
        contentType,
        Collections.unmodifiableMap(copy),
        delay,
        fault);
  }

  /**
   * Returns a copy that answers only after {@code delay}, replacing any earlier delay.
   *
   * <p>The delay applies before anything is sent, so a client read timeout shorter than {@code
   * delay} fires. Waiting does not occupy one of the fake's request threads.
   *
   * @param delay how long to wait before answering
   * @return a copy of this response sent after {@code delay}
   * @throws IllegalArgumentException if {@code delay} is negative or longer than about 24 days
   */
  public FakeResponse delayed(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException(
          "delay must be between 0 and " + MAX_DELAY + " but was " + delay);
    }
    return new FakeResponse(kind, description, status, body, contentType, headers, delay, fault);
  }

  Kind kind() {
    return kind;
  }

  int status() {
    return status;
  }

  String body() {
    return body;
  }

  String contentType() {
    return contentType;
  }

  Map<String, String> headers() {
    return headers;
  }

  Duration delay() {
    return delay;
  }

  Fault fault() {
    return fault;
  }

  /** Compares kind, status, body, content type, headers, delay and fault. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof FakeResponse)) {
      return false;
    }
    FakeResponse that = (FakeResponse) o;
    return kind == that.kind
        && status == that.status
        && body.equals(that.body)
        && contentType.equals(that.contentType)
        && headers.equals(that.headers)
        && delay.equals(that.delay)
        && fault == that.fault;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, status, body, contentType, headers, delay, fault);
  }

  /** Returns the factory call and modifiers that built this response, for test failure messages. */
  @Override
  public String toString() {
    StringBuilder result = new StringBuilder("FakeResponse[").append(description);
    headers.forEach((name, value) -> result.append(" + ").append(name).append(": ").append(value));
    if (!delay.isZero()) {
      result.append(" after ").append(delay);
    }
    return result.append(']').toString();
  }

  private static void requireNoLineBreak(String what, String value) {
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(what + " must not contain a line break");
    }
  }

  private static String reasonPhrase(int status) {
    switch (status) {
      case 500:
        return "Internal Server Error";
      case 502:
        return "Bad Gateway";
      case 503:
        return "Service Unavailable";
      case 504:
        return "Gateway Timeout";
      default:
        return "Server Error " + status;
    }
  }
}
