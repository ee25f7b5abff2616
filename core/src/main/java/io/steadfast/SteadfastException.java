package io.steadfast;

import io.steadfast.spi.Failure;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The root of every failure Steadfast reports; its two subtypes say whether retrying may help.
 *
 * <p>Branch on the type: {@code if (e instanceof RetryableException r)} means the same message, with
 * the same idempotency key, may succeed later; a {@link PermanentException} will fail again unchanged.
 * {@link #mayHaveBeenSent()} says whether SparkPost may already have accepted the message.
 *
 * <p>The message text says what happened and what to do next. It never contains the API key, the
 * message body or the idempotency key.
 */
public abstract sealed class SteadfastException extends RuntimeException
    permits RetryableException, PermanentException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String route;
  private final int attempts;
  private final @Nullable Integer statusCode;
  private final @Nullable String providerCode;
  private final @Nullable String requestId;
  private final @Nullable IdempotencyKey idempotencyKey;

  SteadfastException(String message, @Nullable Failure failure, @Nullable String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super(message, failure == null ? null : failure.cause());
    this.route = route;
    this.attempts = attempts;
    this.statusCode = failure == null ? null : failure.statusCode();
    this.providerCode = failure == null ? null : failure.providerCode();
    this.requestId = failure == null ? null : failure.requestId();
    this.idempotencyKey = idempotencyKey;
  }

  /** Returns the name of the route that failed last, e.g. {@code rest-us}, if a route was tried. */
  public Optional<String> route() {
    return Optional.ofNullable(route);
  }

  /** Returns how many delivery attempts were made before this failure; 0 if none was. */
  public int attempts() {
    return attempts;
  }

  /** Returns the HTTP status (REST) or SMTP reply code of the last response, if there was one. */
  public OptionalInt statusCode() {
    return statusCode == null ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }

  /** Returns SparkPost's own error code (e.g. {@code 1902}), if the response carried one. */
  public Optional<String> providerCode() {
    return Optional.ofNullable(providerCode);
  }

  /** Returns SparkPost's request id ({@code X-SparkPost-Request-Id}) to quote to its support. */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** Returns the message's idempotency key, if one had been assigned, for reconciliation. */
  public Optional<IdempotencyKey> idempotencyKey() {
    return Optional.ofNullable(idempotencyKey);
  }

  /** Returns whether retrying the same message with the same idempotency key may succeed. */
  public final boolean isRetryable() {
    return this instanceof RetryableException;
  }

  /**
   * Returns whether SparkPost may have accepted the message despite this failure.
   *
   * <p>{@code true} only for {@link DeliveryUnknownException}: the request was written but no answer
   * came back. Retrying then risks a second email, which the idempotency key lets you recognise.
   */
  public boolean mayHaveBeenSent() {
    return false;
  }

  static String where(@Nullable String route, int attempts) {
    if (route == null) {
      return "";
    }
    return " on route '" + route + "'" + (attempts > 1 ? " after " + attempts + " attempts" : "");
  }

  static String requestIdSuffix(@Nullable Failure failure) {
    return failure == null || failure.requestId() == null
        ? "" : " (SparkPost request id " + failure.requestId() + ")";
  }

  static String providerText(Failure failure) {
    StringBuilder text = new StringBuilder();
    if (failure.providerCode() != null) {
      text.append(" code ").append(failure.providerCode());
    }
    if (failure.providerMessage() != null) {
      text.append(text.length() > 0 ? ": " : " ").append(failure.providerMessage());
    }
    return text.toString();
  }
}
