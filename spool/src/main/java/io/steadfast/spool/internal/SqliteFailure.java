package io.steadfast.spool.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.sqlite.NativeLibraryNotFoundException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * What stopped a SQLite spool operation, told apart so that only a verified integrity failure is ever
 * treated as damage: a missing native library, a file-size limit, a full disk or a refused permission
 * is the environment's fault, and a file that failed because of one is healthy and must not be moved.
 *
 * <p>Each failure has a one-line {@link #description()}: what happened and what to do, naming the
 * file, without the driver's repeated {@code [SQLITE_...]} text or a stack trace.
 */
public final class SqliteFailure {
  /** The kinds of failure a caller acts on differently. */
  public enum Kind {
    /** SQLite found the file damaged: SQLITE_CORRUPT or SQLITE_NOTADB, or an integrity check failed. */
    DAMAGED,
    /** sqlite-jdbc's native library could not be extracted or loaded. */
    NATIVE_LIBRARY,
    /** A file could not grow past the process's file-size limit ({@code ulimit -f}, EFBIG). */
    FILE_SIZE_LIMIT,
    /** The disk is full (SQLITE_FULL, ENOSPC). */
    DISK_FULL,
    /** Permission was denied, or the file system is read-only. */
    PERMISSION,
    /** Another process holds a lock on the database. */
    BUSY,
    /** Anything else: an I/O error, a SQL error. */
    OTHER;

    /** Returns whether the cause lies outside the spool file, which is then left untouched. */
    public boolean environment() {
      return this != DAMAGED && this != OTHER;
    }
  }

  /** Result codes that mean the file's content is damaged. */
  private static final Set<SQLiteErrorCode> DAMAGE_CODES = EnumSet.of(SQLiteErrorCode.SQLITE_CORRUPT,
      SQLiteErrorCode.SQLITE_CORRUPT_INDEX, SQLiteErrorCode.SQLITE_CORRUPT_SEQUENCE, SQLiteErrorCode.SQLITE_CORRUPT_VTAB,
      SQLiteErrorCode.SQLITE_NOTADB);
  /** Result codes of a failed write or file extension, which a file-size limit or a full disk explains. */
  private static final Set<SQLiteErrorCode> WRITE_CODES = EnumSet.of(SQLiteErrorCode.SQLITE_FULL,
      SQLiteErrorCode.SQLITE_IOERR_WRITE, SQLiteErrorCode.SQLITE_IOERR_SHMSIZE, SQLiteErrorCode.SQLITE_IOERR_TRUNCATE,
      SQLiteErrorCode.SQLITE_IOERR_SHMOPEN, SQLiteErrorCode.SQLITE_IOERR_SHMMAP);
  /** Below this much free space a failed write is put down to a full disk. */
  private static final long NEARLY_FULL_BYTES = 1024 * 1024;

  private final Kind kind;
  private final String description;

  private SqliteFailure(Kind kind, String description) {
    this.kind = kind;
    this.description = description;
  }

  /**
   * Classifies {@code failure}, thrown while working on the spool in {@code directory}.
   *
   * @param failure a {@link SQLException}, an {@link IOException}, or anything wrapping one
   */
  public static SqliteFailure of(Throwable failure, Path directory) {
    Path db = directory.resolve("spool.db");
    if (nativeLibraryFailure(failure)) {
      return new SqliteFailure(Kind.NATIVE_LIBRARY, SqliteNativeLibrary.describeFailure(failure));
    }
    SQLiteException sqlite = find(failure, SQLiteException.class);
    if (sqlite != null) {
      return ofSqlite(sqlite, directory, db);
    }
    IOException io = find(failure, IOException.class);
    if (io != null) {
      return ofIo(io, directory);
    }
    SQLException sql = find(failure, SQLException.class);
    String text = sql != null ? firstLine(sql.getMessage()) : failure.toString();
    return new SqliteFailure(Kind.OTHER, "SQLite failed on " + db + " (" + text + "); check the disk and try again");
  }

  /** Returns whether {@code e} means SQLite found the file damaged (SQLITE_CORRUPT, SQLITE_NOTADB). */
  public static boolean isDamage(SQLException e) {
    return e instanceof SQLiteException sqlite && DAMAGE_CODES.contains(sqlite.getResultCode());
  }

  /**
   * Returns {@code e} in one line, {@code SQLITE_CORRUPT: database disk image is malformed}, instead of the
   * driver's {@code [SQLITE_CORRUPT] The database disk image is malformed (database disk image is malformed)}.
   */
  public static String brief(SQLException e) {
    String message = firstLine(e.getMessage());
    if (e instanceof SQLiteException sqlite) {
      // sqlite-jdbc appends SQLite's own message in the last parentheses.
      int open = message.lastIndexOf(" (");
      String detail = open >= 0 && message.endsWith(")") ? message.substring(open + 2, message.length() - 1)
          : message.replaceFirst("^\\[[A-Z_]+\\] ", "");
      return sqlite.getResultCode().name() + ": " + detail;
    }
    return message;
  }

  /** Returns the kind of failure. */
  public Kind kind() {
    return kind;
  }

  /** Returns what happened and what to do, in one line without a final period. */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return kind + ": " + description;
  }

  private static SqliteFailure ofSqlite(SQLiteException e, Path directory, Path db) {
    SQLiteErrorCode code = e.getResultCode();
    String brief = brief(e);
    if (DAMAGE_CODES.contains(code)) {
      return new SqliteFailure(Kind.DAMAGED, "the spool database " + db + " is damaged (" + brief + "); opening "
          + "the spool for dispatch again salvages its readable entries");
    }
    if (WRITE_CODES.contains(code)) {
      boolean sharedMemory = code == SQLiteErrorCode.SQLITE_IOERR_SHMSIZE || code == SQLiteErrorCode.SQLITE_IOERR_SHMOPEN
          || code == SQLiteErrorCode.SQLITE_IOERR_SHMMAP;
      return ofFailedWrite(brief, code == SQLiteErrorCode.SQLITE_FULL, directory,
          sharedMemory ? directory.resolve("spool.db-shm") : largestSpoolFile(directory));
    }
    if (code == SQLiteErrorCode.SQLITE_IOERR_GETTEMPPATH || code == SQLiteErrorCode.SQLITE_CANTOPEN_NOTEMPDIR) {
      // The spool keeps SQLite's temporary data in memory, so this means a temporary file was needed anyway.
      return new SqliteFailure(Kind.PERMISSION, "SQLite found no writable temporary directory (" + brief
          + "); point SQLITE_TMPDIR at a writable directory and try again");
    }
    switch (code.code & 0xff) {
      case 3, 8, 14, 23 -> { // SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH
        Path refused = firstUnwritable(directory);
        if (refused != null || (code.code & 0xff) != 14) {
          return permission(refused != null ? refused : db, brief);
        }
        return new SqliteFailure(Kind.OTHER, "SQLite could not open " + db + " (" + brief + "); check that the "
            + "file is there and the process may open more files, then try again");
      }
      case 5, 6 -> { // SQLITE_BUSY, SQLITE_LOCKED
        return new SqliteFailure(Kind.BUSY, "another process holds a lock on " + db + " (" + brief + ") and did not "
            + "let go in time: a write of another process that takes that long, or a sqlite3 shell inside a "
            + "transaction; let it finish or end it, and try again");
      }
      default -> {
        return new SqliteFailure(Kind.OTHER, "SQLite failed on " + db + " (" + brief + "); check the disk and "
            + "try again");
      }
    }
  }

  private static SqliteFailure ofIo(IOException e, Path directory) {
    if (e instanceof AccessDeniedException denied) {
      return permission(Path.of(denied.getFile() != null ? denied.getFile() : directory.toString()),
          "permission denied");
    }
    String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
        : String.valueOf(e.getMessage());
    String lower = reason.toLowerCase(Locale.ROOT);
    if (lower.contains("file too large")) {
      return ofFailedWrite("EFBIG: " + reason, false, directory, failedFile(e, directory));
    }
    if (lower.contains("no space left")) {
      return ofFailedWrite("ENOSPC: " + reason, true, directory, failedFile(e, directory));
    }
    if (lower.contains("read-only file system")) {
      return permission(directory, reason);
    }
    String file = e instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() : directory.toString();
    return new SqliteFailure(Kind.OTHER, "could not use " + file + " (" + e.getClass().getSimpleName() + ": "
        + firstLine(e.getMessage()) + "); check the disk and try again");
  }

  /**
   * A write failed: SQLite reports a file-size limit as SQLITE_IOERR_WRITE (EFBIG) or, when the write
   * was cut short at the limit, as SQLITE_FULL; {@code /proc/self/limits} tells whether a limit is set
   * and the free space whether the disk is really full.
   */
  private static SqliteFailure ofFailedWrite(String brief, boolean full, Path directory, Path file) {
    long free = usableBytes(directory);
    OptionalLong limit = fileSizeLimitBytes();
    if (limit.isPresent() && (free < 0 || free >= NEARLY_FULL_BYTES)) {
      return new SqliteFailure(Kind.FILE_SIZE_LIMIT, "the file-size limit of this process (ulimit -f, "
          + limit.getAsLong() + " bytes) stops SQLite writing " + file + " (" + brief + "); raise it "
          + "(ulimit -f unlimited) and try again");
    }
    if (full || (free >= 0 && free < NEARLY_FULL_BYTES)) {
      return new SqliteFailure(Kind.DISK_FULL, "the disk holding " + directory + " is full ("
          + (free >= 0 ? free + " bytes free; " : "") + brief + "); free space there and try again");
    }
    return new SqliteFailure(Kind.OTHER, "SQLite could not write to " + directory + " (" + brief + "); check the "
        + "disk and try again");
  }

  private static Path failedFile(IOException e, Path directory) {
    return e instanceof FileSystemException fs && fs.getFile() != null ? Path.of(fs.getFile()) : directory;
  }

  private static SqliteFailure permission(Path path, String brief) {
    return new SqliteFailure(Kind.PERMISSION, "permission denied on " + path + " (" + brief + "); the spool "
        + "directory and its files must be writable by user '" + System.getProperty("user.name")
        + "': fix their owner or mode, or run as their owner");
  }

  /** Returns the spool directory, or the first of its SQLite files, that this process may not write. */
  private static @Nullable Path firstUnwritable(Path directory) {
    if (Files.isDirectory(directory) && !Files.isWritable(directory)) {
      return directory;
    }
    for (String name : List.of("spool.db", "spool.db-wal", "spool.db-shm")) {
      Path file = directory.resolve(name);
      if (Files.exists(file) && !Files.isWritable(file)) {
        return file;
      }
    }
    return null;
  }

  private static Path largestSpoolFile(Path directory) {
    Path largest = directory.resolve("spool.db");
    long size = -1;
    for (String name : List.of("spool.db", "spool.db-wal", "spool.db-shm", "spool.db-journal")) {
      Path file = directory.resolve(name);
      try {
        long s = Files.size(file);
        if (s > size) {
          size = s;
          largest = file;
        }
      } catch (IOException e) {
        // Not there.
      }
    }
    return largest;
  }

  /** Returns the free space for this user on {@code path}'s file system (or its parent's), or -1. */
  static long usableBytes(Path path) {
    for (Path p = path; p != null; p = p.getParent()) {
      try {
        return Files.getFileStore(p).getUsableSpace();
      } catch (IOException e) {
        // Try the parent, which exists more often.
      }
    }
    return -1;
  }

  /**
   * Returns the soft file-size limit of this process ({@code ulimit -f}) in bytes, if one is set and
   * the system says ({@code /proc/self/limits}, Linux).
   */
  public static OptionalLong fileSizeLimitBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max file size")) {
          String[] parts = line.substring("Max file size".length()).trim().split("\\s+");
          return parts.length > 0 && parts[0].matches("\\d+") ? OptionalLong.of(Long.parseLong(parts[0]))
              : OptionalLong.empty();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc not mounted: no limit known.
    }
    return OptionalLong.empty();
  }

  private static boolean nativeLibraryFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NativeLibraryNotFoundException || t instanceof UnsatisfiedLinkError) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  static String firstLine(@Nullable String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
