package io.steadfast.spool;

import java.util.Objects;

/**
 * A spool could not be opened, for a {@link Reason} a caller can act on without reading the message:
 * another process holds it, a newer Steadfast wrote it, or the database is damaged. In every case
 * nothing spooled was deleted. An {@link IllegalStateException}, as before this type existed, so code
 * that caught that still does.
 */
public final class SpoolOpenException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Why the spool could not be opened. */
  public enum Reason {
    /** Another process (or another spool in this one) holds the spool directory. */
    IN_USE,
    /** The spool was written by a newer Steadfast; it was left unchanged. */
    NEWER_SCHEMA,
    /** The database is damaged; it was moved to the spool's {@code corrupt/} folder, nothing deleted. */
    DAMAGED,
    /** The database is damaged and could not be moved aside; it is where it was, nothing deleted. */
    DAMAGED_NOT_MOVED
  }

  private final Reason reason;

  /** Creates the exception; {@code message} says what happened and what to do. */
  public SpoolOpenException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Creates the exception without a cause. */
  public SpoolOpenException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns why the spool could not be opened. */
  public Reason reason() {
    return reason;
  }
}
