package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Spool;
import io.steadfast.spool.SpoolOpenException;
import io.steadfast.spool.SqliteSpool;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Opens the SQLite spool in {@code steadfast.spool.directory}, and explains each way that can fail in
 * terms of that property. Loaded only when steadfast-spool is on the class path.
 */
final class SqliteSpoolOpener implements SpoolOpener {

  private static final String PROPERTY = "steadfast.spool.directory";

  @Override
  public Spool open(SteadfastProperties.Spool properties) {
    Path directory = properties.getDirectory();
    if (directory == null) {
      throw new InvalidSteadfastPropertyException(PROPERTY, null, "the SQLite spool needs a directory and none is set",
          "Set steadfast.spool.directory to a directory only this application uses, such as /var/spool/my-app-mail "
              + "(it is created owner-only if missing), or set steadfast.spool.store=postgresql for a fleet.", null);
    }
    try {
      return SqliteSpool.open(directory);
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
          + "(it holds spool.db and spool.lock; chown it to that user and chmod 700), or set "
          + "steadfast.spool.directory to a directory that user owns.";
    }
    return "Check that " + directory.toAbsolutePath() + " is on a local, writable file system with free space, or "
        + "set steadfast.spool.directory to another directory.";
  }

  private static String action(Path directory, SpoolOpenException.Reason reason) {
    Path dir = directory.toAbsolutePath();
    // A switch expression: a reason added later fails to compile here until it has its advice.
    return switch (reason) {
      case IN_USE -> "Stop the other process that spools to " + dir + ", or give each running instance its own "
          + "steadfast.spool.directory. Instances that should share one spool need "
          + "steadfast.spool.store=postgresql.";
      case NEWER_SCHEMA -> "Upgrade Steadfast to the version that wrote this spool, or set "
          + "steadfast.spool.directory to another directory; the spool was left unchanged.";
      case DAMAGED -> "The damaged database was moved to " + dir.resolve(SqliteSpool.CORRUPT_DIRECTORY)
          + " (nothing was deleted); start the application again to begin with an empty spool, and recover "
          + "messages from the moved file with the sqlite3 shell if needed.";
      case DAMAGED_NOT_MOVED -> "Move " + dir.resolve(SqliteSpool.DATABASE_FILE) + " (and any -wal and -shm files "
          + "beside it) out of " + dir + " by hand, then start the application again to begin with an empty "
          + "spool; recover messages from the moved file with the sqlite3 shell if needed.";
    };
  }
}
