package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Spool;
import io.steadfast.spool.SqliteSpool;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
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
    } catch (IllegalStateException e) {
      throw InvalidSteadfastPropertyException.spoolUnavailable(PROPERTY, directory, String.valueOf(e.getMessage()),
          stateAction(directory, String.valueOf(e.getMessage())), e);
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

  // SqliteSpool reports these cases as IllegalStateException; its messages are what tell them apart.
  private static String stateAction(Path directory, String message) {
    String text = message.toLowerCase(Locale.ROOT);
    if (text.contains("in use by another process")) {
      return "Stop the other process that spools to " + directory.toAbsolutePath() + ", or give each running "
          + "instance its own steadfast.spool.directory. Instances that should share one spool need "
          + "steadfast.spool.store=postgresql.";
    }
    if (text.contains("newer steadfast")) {
      return "Upgrade Steadfast to the version that wrote this spool, or set steadfast.spool.directory to another "
          + "directory; the spool was left unchanged.";
    }
    if (text.contains("damaged")) {
      return "The damaged database was moved to " + directory.toAbsolutePath().resolve(SqliteSpool.CORRUPT_DIRECTORY)
          + " (nothing was deleted); start the application again to begin with an empty spool, and recover "
          + "messages from the moved file with the sqlite3 shell if needed.";
    }
    return "Check steadfast.spool.directory (" + directory.toAbsolutePath() + ") and the message above.";
  }
}
