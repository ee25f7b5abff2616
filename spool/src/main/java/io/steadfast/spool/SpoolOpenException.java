package io.steadfast.spool;

import java.util.Objects;

/**
 * A spool could not be opened, for a {@link Reason} a caller can act on without reading the message:
 * another process holds it, the environment stops it (native library, temporary directory, disk,
 * permissions), another user could have planted or changed its files, a newer Steadfast wrote it, the
 * database is damaged, or (read-only) there is none. In
 * every case nothing spooled was deleted, and only a verified integrity failure is ever reported as
 * damage. An {@link IllegalStateException}, as before this type existed, so code that caught that still
 * does.
 */
public final class SpoolOpenException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Why the spool could not be opened. */
  public enum Reason {
    /**
     * Another process (or another spool in this one) dispatches the spool, which has one dispatcher at a
     * time (submitting works beside it); or the spool had to be salvaged or migrated while other
     * processes kept it open, or another process's salvage or migration took longer than the lock
     * timeout. Nothing was changed; try again later.
     */
    IN_USE,
    /**
     * The environment keeps the spool from opening: SQLite's native library cannot be loaded, the
     * temporary directory is not writable, a file-size limit or a full disk stops a write, permission is
     * denied. The message names the cause and the fix; no file was touched; try again once it is fixed.
     */
    ENVIRONMENT,
    /** The spool was written by a newer Steadfast; it was left unchanged. */
    NEWER_SCHEMA,
    /**
     * The database failed SQLite's integrity check and was opened read-only, so it was left exactly as
     * it is; opening it for dispatch salvages its readable entries into a fresh spool.
     */
    DAMAGED,
    /**
     * The database is damaged and could not be salvaged (for example no room for the fresh spool); it
     * is where it was, nothing deleted.
     */
    DAMAGED_NOT_MOVED,
    /** A read-only open found no spool in the directory; it created none. */
    NO_SPOOL,
    /**
     * The spool directory or one of its files could have been planted or changed by another user: it is
     * owned by another user, writable by others (by its group, unless that group is the spool's trusted
     * group), or, for a file, a symbolic link. Nothing was created, opened or changed; the message names
     * the path, the owner and mode found, and the fix ({@code chown}, {@code chmod 700} or {@code chmod 600},
     * removing the link, or naming the group as trusted). Not retryable: someone must change the files.
     */
    UNSAFE_FILES
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

  /** Returns whether trying again later, unchanged, may succeed (in use, or an environment fault). */
  public boolean retryable() {
    return reason == Reason.IN_USE || reason == Reason.ENVIRONMENT;
  }
}
