package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Spool;
import io.steadfast.spool.SpoolOpenException;
import io.steadfast.spool.SqliteSpool;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Opens the SQLite spool in {@code steadfast.spool.directory}, and explains each way that can fail in
 * terms of that property. Loaded only when steadfast-spool is on the class path.
 *
 * <p>An instance with {@code steadfast.spool.dispatch=true} (the default) opens the spool for dispatch:
 * a damaged database is salvaged (its readable entries moved to a fresh spool, the damaged file kept in
 * {@code corrupt/}) and the application starts, with the health indicator {@code DOWN} while entries
 * could not be read. With {@code dispatch=false} it opens the spool for submitting only
 * ({@link SqliteSpool#openForSubmit}), as one of any number of instances on the host beside the one
 * that dispatches. What still fails the startup is explained here: another process dispatches the spool
 * (transient), the environment stops SQLite (native library, temporary directory, disk, file-size
 * limit, permission; no file is touched), a newer Steadfast wrote it, or a damaged file could not be
 * salvaged.
 *
 * <p>With {@code steadfast.spool.trusted-group} set, the spool is opened trusting that group
 * ({@link SqliteSpool#open(Path, java.time.Duration, String)} and the matching {@code openForSubmit}), so a
 * directory shared by applications that run as different users of the group may be group-writable.
 */
final class SqliteSpoolOpener implements SpoolOpener {

  private static final String PROPERTY = "steadfast.spool.directory";
  private static final String TRUSTED_GROUP = "steadfast.spool.trusted-group";

  /** Opens the spool in a directory, trusting a group or, for {@code null}, none. */
  @FunctionalInterface
  private interface Open {
    Spool open(Path directory, @Nullable String trustedGroup);
  }

  private final Open openForDispatch;
  private final Open openForSubmit;

  /**
   * Creates an opener that opens the spool with {@link SqliteSpool#open(Path)}, or
   * {@link SqliteSpool#openForSubmit(Path)} for an instance that does not dispatch, or their overloads
   * with a trusted group when {@code steadfast.spool.trusted-group} is set.
   */
  SqliteSpoolOpener() {
    this((directory, group) -> group == null ? SqliteSpool.open(directory)
            : SqliteSpool.open(directory, SqliteSpool.DEFAULT_LOCK_TIMEOUT, group),
        (directory, group) -> group == null ? SqliteSpool.openForSubmit(directory)
            : SqliteSpool.openForSubmit(directory, SqliteSpool.DEFAULT_LOCK_TIMEOUT, group));
  }

  /**
   * Creates an opener that opens the spool with {@code open}, dispatching or not: tests pass one that fails
   * as a broken environment would, which a test process cannot break for real (the native library is
   * loaded once).
   */
  SqliteSpoolOpener(Function<Path, ? extends Spool> open) {
    this((directory, group) -> open.apply(directory), (directory, group) -> open.apply(directory));
  }

  private SqliteSpoolOpener(Open openForDispatch, Open openForSubmit) {
    this.openForDispatch = Objects.requireNonNull(openForDispatch, "openForDispatch");
    this.openForSubmit = Objects.requireNonNull(openForSubmit, "openForSubmit");
  }

  @Override
  public Spool open(SteadfastProperties.Spool properties) {
    Path directory = properties.getDirectory();
    if (directory == null) {
      throw new InvalidSteadfastPropertyException(PROPERTY, null, "the SQLite spool needs a directory and none is set",
          "Set steadfast.spool.directory to a directory only this application uses, such as /var/spool/my-app-mail "
              + "(it is created owner-only if missing), or set steadfast.spool.store=postgresql for a fleet.", null);
    }
    String trustedGroup = properties.getTrustedGroup();
    if (trustedGroup != null && trustedGroup.isBlank()) {
      throw new InvalidSteadfastPropertyException(TRUSTED_GROUP, trustedGroup, "the group name is blank",
          "Set steadfast.spool.trusted-group to the group whose members' applications share "
              + "steadfast.spool.directory, or remove it to trust no group.", null);
    }
    try {
      return (properties.isDispatch() ? openForDispatch : openForSubmit).open(directory, trustedGroup);
    } catch (IllegalArgumentException e) {
      if (trustedGroup == null) {
        throw e;
      }
      // The group is the only argument here that the spool can reject: it names no group on this host.
      throw new InvalidSteadfastPropertyException(TRUSTED_GROUP, trustedGroup, String.valueOf(e.getMessage()),
          "Set steadfast.spool.trusted-group to a group that exists on this host (see /etc/group or getent group), "
              + "or remove it to trust no group.", e);
    } catch (UncheckedIOException e) {
      throw InvalidSteadfastPropertyException.spoolUnavailable(PROPERTY, directory, String.valueOf(e.getMessage()),
          ioAction(directory, e), e);
    } catch (SpoolOpenException e) {
      throw InvalidSteadfastPropertyException.spoolUnavailable(PROPERTY, directory, String.valueOf(e.getMessage()),
          action(directory, e.reason()), e);
    }
  }

  private static String ioAction(Path directory, UncheckedIOException e) {
    @Nullable Throwable cause = e.getCause();
    if (cause instanceof FileSystemException) {
      return "Make " + directory.toAbsolutePath() + " a directory the user running this application can write "
          + "(it holds spool.db and its lock files; chown it to that user and chmod 700), or set "
          + "steadfast.spool.directory to a directory that user owns.";
    }
    return "Check that " + directory.toAbsolutePath() + " is on a local, writable file system with free space, or "
        + "set steadfast.spool.directory to another directory.";
  }

  private static String action(Path directory, SpoolOpenException.Reason reason) {
    Path dir = directory.toAbsolutePath();
    Path corrupt = dir.resolve(SqliteSpool.CORRUPT_DIRECTORY);
    // A switch expression: a reason added later fails to compile here until it has its advice.
    return switch (reason) {
      case IN_USE -> "This is transient, and nothing in " + dir + " was touched: another process dispatches it (another "
          + "instance of this application, or a 'steadfast dispatch' or 'drain' on this spool), or it had to be "
          + "salvaged or migrated while other processes kept it open. Instances on one host may share the directory "
          + "while only one of them dispatches: set steadfast.spool.dispatch=false on every other one (they then only "
          + "store messages). Otherwise start the application again once that process has exited, give each instance "
          + "its own steadfast.spool.directory, or use steadfast.spool.store=postgresql to share one spool.";
      case ENVIRONMENT -> "Fix the cause named above, then start the application again; nothing in " + dir
          + " was touched and the spool is not damaged. For a permission, make " + dir + " a directory the user "
          + "running this application can write (chown it to that user and chmod 700), or set "
          + "steadfast.spool.directory to one that user owns; for a full disk or a file-size limit (ulimit -f), make "
          + "room on its file system; for SQLite's native library, give it a writable temporary directory that "
          + "allows executables (-Dorg.sqlite.tmpdir or -Djava.io.tmpdir).";
      case NEWER_SCHEMA -> "Upgrade Steadfast to the version that wrote this spool, or set "
          + "steadfast.spool.directory to another directory; the spool was left unchanged.";
      case DAMAGED -> "The damaged database was left exactly as it is (nothing moved or deleted): it was opened "
          + "read-only. Start the application again: opening the spool for dispatch salvages every readable entry "
          + "into a fresh spool, keeps the damaged file in " + corrupt + ", and reports the entries it could not "
          + "read on the steadfast health indicator until they are cleared with 'steadfast spool clear-damage'.";
      case DAMAGED_NOT_MOVED -> "The damaged database could not be salvaged and is where it was; nothing was "
          + "deleted. Salvage writes a fresh spool in " + dir + " and keeps the damaged file in " + corrupt
          + ": free disk space there (or make it writable) and start the application again. To salvage by hand, "
          + "move " + dir.resolve(SqliteSpool.DATABASE_FILE) + " (and any -wal and -shm files beside it) out of "
          + dir + " and recover its messages with the sqlite3 shell's .recover command.";
      case UNSAFE_FILES -> "Do what the message above says (chown or chmod the path it names, or remove the link), "
          + "then start the application again; nothing in " + dir + " was created or changed. Or set "
          + "steadfast.spool.directory to a new directory, which the application creates owner-only. For a "
          + "directory shared with applications that run as other users of one group, set "
          + "steadfast.spool.trusted-group to that group.";
      // Only read-only opens report it; the application's open for dispatch creates the spool.
      case NO_SPOOL -> "Check that steadfast.spool.directory names the directory the spool is in, then start the "
          + "application again: it opens the spool for dispatch, which creates "
          + dir.resolve(SqliteSpool.DATABASE_FILE) + " if there is none.";
    };
  }
}
