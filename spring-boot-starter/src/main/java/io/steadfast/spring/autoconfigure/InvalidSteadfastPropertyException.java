package io.steadfast.spring.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * Thrown while the client bean is created when a {@code steadfast.*} property is set to a value
 * Steadfast rejects; {@link SteadfastFailureAnalyzer} turns it into a description and an action.
 */
final class InvalidSteadfastPropertyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String property;
  private final @Nullable String value;
  private final String action;

  InvalidSteadfastPropertyException(String property, @Nullable Object value, String reason, String action,
      @Nullable Throwable cause) {
    super("Invalid Steadfast configuration: " + property + (value == null ? "" : " = " + value) + ": " + reason,
        cause);
    this.property = property;
    this.value = value == null ? null : value.toString();
    this.action = action;
  }

  /** Returns the property name, such as {@code steadfast.base-url}. */
  String property() {
    return property;
  }

  /** Returns the rejected value as text, or {@code null} if the property was missing. */
  @Nullable String value() {
    return value;
  }

  /** Returns what the user should set instead. */
  String action() {
    return action;
  }
}
