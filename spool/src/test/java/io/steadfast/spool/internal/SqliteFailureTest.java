package io.steadfast.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sqlite.NativeLibraryNotFoundException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Every row of the SQLite failure classification: only SQLITE_CORRUPT and SQLITE_NOTADB are damage;
 * the environment's faults each get their own kind and a message naming the cause and the fix, without
 * the driver's repeated {@code [SQLITE_...]} text.
 */
class SqliteFailureTest {
  @TempDir
  Path dir;

  @BeforeEach
  void noFileSizeLimit() {
    // Under a ulimit every failed write is put down to it; the rows below assume none.
    Assumptions.assumeTrue(SqliteFailure.fileSizeLimitBytes().isEmpty(), "this JVM runs under ulimit -f");
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_CORRUPT), SqliteFailure.Kind.DAMAGED, "is damaged (SQLITE_CORRUPT: "),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_NOTADB), SqliteFailure.Kind.DAMAGED, "is damaged (SQLITE_NOTADB: "),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_CORRUPT_INDEX), SqliteFailure.Kind.DAMAGED, "is damaged"),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_FULL), SqliteFailure.Kind.DISK_FULL, "is full ("),
        Arguments.of(new FileSystemException("/x/spool.db", null, "No space left on device"),
            SqliteFailure.Kind.DISK_FULL, "free space there"),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_READONLY), SqliteFailure.Kind.PERMISSION, "permission denied"),
        Arguments.of(new AccessDeniedException("/x/spool.lock"), SqliteFailure.Kind.PERMISSION,
            "permission denied on /x/spool.lock"),
        Arguments.of(new FileSystemException("/x", null, "Read-only file system"), SqliteFailure.Kind.PERMISSION,
            "must be writable by user"),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_BUSY), SqliteFailure.Kind.BUSY, "holds a lock on"),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_CANTOPEN_NOTEMPDIR), SqliteFailure.Kind.PERMISSION,
            "no writable temporary directory"),
        Arguments.of(opening(new NativeLibraryNotFoundException("No native library found for os.name=Linux")),
            SqliteFailure.Kind.NATIVE_LIBRARY, "native library"),
        Arguments.of(opening(new UnsatisfiedLinkError("no sqlitejdbc in java.library.path")),
            SqliteFailure.Kind.NATIVE_LIBRARY, "native library"),
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_IOERR_READ), SqliteFailure.Kind.OTHER, "check the disk"),
        // A write error with room on the disk and no file-size limit: an I/O error, not a full disk.
        Arguments.of(sqlite(SQLiteErrorCode.SQLITE_IOERR_WRITE), SqliteFailure.Kind.OTHER, "could not write"),
        Arguments.of(new UncheckedIOException(new java.io.IOException("spool operation failed",
            sqlite(SQLiteErrorCode.SQLITE_FULL))), SqliteFailure.Kind.DISK_FULL, "is full"));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void classifiesEachFailureAndSaysWhatToDoInOneLine(Throwable failure, SqliteFailure.Kind kind, String says) {
    SqliteFailure classified = SqliteFailure.of(failure, dir);

    assertThat(classified.kind()).isEqualTo(kind);
    assertThat(classified.description()).contains(says).doesNotContain("\n").doesNotContain("[SQLITE_");
    assertThat(kind.environment()).isEqualTo(kind != SqliteFailure.Kind.DAMAGED && kind != SqliteFailure.Kind.OTHER);
  }

  @org.junit.jupiter.api.Test
  void briefDropsTheDriversRepetition() {
    assertThat(SqliteFailure.brief(sqlite(SQLiteErrorCode.SQLITE_CORRUPT)))
        .isEqualTo("SQLITE_CORRUPT: database disk image is malformed");
  }

  /** An exception as sqlite-jdbc builds one, message included. */
  private static SQLiteException sqlite(SQLiteErrorCode code) {
    String own = code == SQLiteErrorCode.SQLITE_CORRUPT ? "database disk image is malformed" : "some failure";
    return new SQLiteException("[" + code.name() + "] " + code.message + " (" + own + ")", code);
  }

  /** What sqlite-jdbc throws when its native library cannot be loaded. */
  private static SQLException opening(Throwable cause) {
    SQLException e = new SQLException("Error opening connection");
    e.initCause(cause);
    return e;
  }
}
