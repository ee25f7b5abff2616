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
  private final boolean spoolUnavailable;

  InvalidSteadfastPropertyException(String property, @Nullable Object value, String reason, String action,
      @Nullable Throwable cause) {
    this(property, value, reason, action, cause, false);
  }

  private InvalidSteadfastPropertyException(String property, @Nullable Object value, String reason, String action,
      @Nullable Throwable cause, boolean spoolUnavailable) {
    super((spoolUnavailable ? "Steadfast could not open its spool: " : "Invalid Steadfast configuration: ")
        + property + (value == null ? "" : " = " + value) + ": " + reason, cause);
    this.property = property;
    this.value = value == null ? null : value.toString();
    this.action = action;
    this.spoolUnavailable = spoolUnavailable;
  }

  /**
   * Returns an exception for a spool that {@code property} names correctly but that could not be
   * opened (in use, unwritable, unreachable, damaged): the value is valid, the place is not usable.
   */
  static InvalidSteadfastPropertyException spoolUnavailable(String property, Object value, String reason,
      String action, Throwable cause) {
    return new InvalidSteadfastPropertyException(property, value, reason, action, cause, true);
  }

  /** Returns whether the spool the property names could not be opened, rather than the value being invalid. */
  boolean spoolUnavailable() {
    return spoolUnavailable;
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
