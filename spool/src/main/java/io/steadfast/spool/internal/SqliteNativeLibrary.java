package io.steadfast.spool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Puts sqlite-jdbc's native library in one stable, private place before the first connection, so that it
 * is extracted once per version instead of once per JVM.
 *
 * <p>Left alone, sqlite-jdbc copies the 1.1 MB library into the temporary directory at every start and
 * deletes it when the JVM exits normally; a killed JVM leaves its copy behind (29 after one kill-loop
 * run), and a temporary directory that is read-only, full or under a file-size limit stops every spool
 * from opening. Here the library matching sqlite-jdbc's own resource for this OS and architecture is
 * written once to {@code <base>/sqlite-jdbc-<version>/<os>-<arch>/}, where the base is the system
 * property {@value #DIRECTORY_PROPERTY}, else {@code $XDG_CACHE_HOME/steadfast/native}, else
 * {@code ~/.cache/steadfast/native}; directories are created owner-only (0700). The copy is written under
 * a temporary name, fsynced, compared byte for byte with the jar's and renamed into place atomically, so
 * several JVMs starting at once each see either no library or a complete one. sqlite-jdbc is then pointed
 * at it through its own {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name} properties.
 *
 * <p>Nothing is done when the user has set any of sqlite-jdbc's properties ({@code org.sqlite.lib.path},
 * {@code org.sqlite.lib.name}, {@code org.sqlite.tmpdir}). If the private place cannot be written, sqlite-jdbc
 * falls back to its default, the temporary directory; if that fails too, {@link #describeFailure} names
 * both places and the fix. The outcome is decided once per JVM: sqlite-jdbc loads its library once.
 */
public final class SqliteNativeLibrary {
  private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);

  /** The system property naming the directory the native library is kept in (a base; see the class comment). */
  public static final String DIRECTORY_PROPERTY = "steadfast.sqlite.native-dir";

  private static final String LIB_PATH = "org.sqlite.lib.path";
  private static final String LIB_NAME = "org.sqlite.lib.name";
  private static final String SQLITE_TMPDIR = "org.sqlite.tmpdir";
  private static final String RESOURCE_ROOT = "/org/sqlite/native/";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  // All guarded by SqliteNativeLibrary.class.
  private static boolean prepared;
  private static boolean userChosen;
  private static @Nullable Path placedIn;
  private static @Nullable Path triedIn;
  private static @Nullable String notPlacedBecause;
  private static long librarySize = -1;
  private static String platform = "unknown platform";

  private SqliteNativeLibrary() {}

  /**
   * Makes sure sqlite-jdbc will load its native library from the private place, extracting it there if
   * needed; does nothing after the first call, or if the user configured sqlite-jdbc. Never throws: if
   * the place cannot be used, sqlite-jdbc's default applies.
   */
  public static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    if (System.getProperty(LIB_PATH) != null || System.getProperty(LIB_NAME) != null
        || System.getProperty(SQLITE_TMPDIR) != null) {
      userChosen = true;
      return;
    }
    String version;
    String resourceDirectory;
    String name;
    try {
      version = SQLiteJDBCLoader.getVersion();
      resourceDirectory = LibraryLoaderUtil.getNativeLibResourcePath();
      name = LibraryLoaderUtil.getNativeLibName();
    } catch (RuntimeException | LinkageError e) {
      notPlacedBecause = "sqlite-jdbc did not say which library it needs (" + e + ")";
      return;
    }
    platform = resourceDirectory.startsWith(RESOURCE_ROOT) ? resourceDirectory.substring(RESOURCE_ROOT.length())
        : resourceDirectory;
    byte[] library;
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resourceDirectory + "/" + name)) {
      if (in == null) {
        // sqlite-jdbc has none for this platform and looks in java.library.path itself.
        notPlacedBecause = "sqlite-jdbc " + version + " has no native library for " + platform;
        return;
      }
      library = in.readAllBytes();
    } catch (IOException e) {
      notPlacedBecause = "its copy in the sqlite-jdbc jar could not be read (" + e + ")";
      return;
    }
    librarySize = library.length;
    Path directory;
    try {
      directory = base().resolve("sqlite-jdbc-" + version).resolve(platform.replace('/', '-'));
    } catch (RuntimeException e) {
      notPlacedBecause = "no directory for it (" + e.getMessage() + ")";
      return;
    }
    triedIn = directory;
    try {
      install(directory, name, library);
    } catch (IOException | RuntimeException e) {
      notPlacedBecause = reason(e, library.length);
      log.info("SQLite's native library could not be kept in {} ({}); sqlite-jdbc extracts it to the temporary "
          + "directory instead", directory, notPlacedBecause);
      return;
    }
    System.setProperty(LIB_PATH, directory.toString());
    System.setProperty(LIB_NAME, name);
    placedIn = directory;
    log.debug("SQLite's native library is loaded from {}", directory);
  }

  /** Returns the directory the library was placed in by {@link #prepare}, if it was. */
  public static synchronized @Nullable Path placedIn() {
    return placedIn;
  }

  /**
   * Returns why the native library could not be loaded, naming every place tried and the fix, in one line
   * without a final period; {@code cause} is what the driver threw.
   */
  public static synchronized String describeFailure(Throwable cause) {
    String library = "SQLite's native library (sqlite-jdbc " + safeVersion() + ", " + platform + ")";
    String thrown = innermost(cause);
    if (userChosen) {
      return library + " could not be loaded where org.sqlite.lib.path, org.sqlite.lib.name or org.sqlite.tmpdir "
          + "point (" + thrown + "); correct or remove those system properties";
    }
    Path temp = Path.of(System.getProperty("java.io.tmpdir", "/tmp")).toAbsolutePath();
    String own;
    if (placedIn != null) {
      own = "loading it from " + placedIn + " failed (" + thrown + ")";
    } else if (triedIn != null) {
      own = "it could not be stored in " + triedIn + " (" + notPlacedBecause + ")";
    } else {
      own = String.valueOf(notPlacedBecause);
    }
    return library + " could not be loaded: " + own + ", and sqlite-jdbc could not extract it to the temporary "
        + "directory " + temp + " (" + diagnoseTemporaryDirectory(temp) + "); give one of them write access and "
        + "2 MB of room, or set -D" + DIRECTORY_PROPERTY + "=<a writable directory> (or -Djava.io.tmpdir)";
  }

  private static String safeVersion() {
    try {
      return SQLiteJDBCLoader.getVersion();
    } catch (RuntimeException | LinkageError e) {
      return "unknown version";
    }
  }

  private static Path base() {
    String configured = System.getProperty(DIRECTORY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    // The XDG base directory specification says to ignore a relative path.
    Path cache = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("steadfast").resolve("native");
  }

  private static void install(Path directory, String name, byte[] library) throws IOException {
    boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
      if (!mode.equals(OWNER_ONLY)) {
        // Someone else able to write here could swap the library this process is about to load.
        Files.setPosixFilePermissions(directory, OWNER_ONLY);
      }
    } else {
      Files.createDirectories(directory);
    }
    Path target = directory.resolve(name);
    removeAbandonedCopies(directory, name);
    if (Files.isRegularFile(target) && sameContent(target, library)) {
      return;
    }
    Path temporary = directory.resolve("." + name + "." + ProcessHandle.current().pid() + "."
        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    try {
      FileAttribute<?>[] attributes = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
          : new FileAttribute<?>[0];
      try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), attributes)) {
        ByteBuffer buffer = ByteBuffer.wrap(library);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      if (!sameContent(temporary, library)) {
        throw new IOException("the copy written to " + temporary + " differs from the library in the sqlite-jdbc jar");
      }
      // rename(2): atomic, and it replaces a damaged copy another JVM may have read; a JVM that has the old
      // file open keeps its inode.
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(directory);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static boolean sameContent(Path file, byte[] expected) throws IOException {
    return Files.size(file) == expected.length && Arrays.equals(Files.readAllBytes(file), expected);
  }

  /** Deletes temporary copies whose writer (the process id in the name) is gone: a JVM killed mid-copy. */
  private static void removeAbandonedCopies(Path directory, String name) {
    String prefix = "." + name + ".";
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, prefix + "*.tmp")) {
      for (Path file : files) {
        String[] parts = file.getFileName().toString().substring(prefix.length()).split("\\.");
        try {
          long pid = Long.parseLong(parts[0]);
          if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
            Files.deleteIfExists(file);
          }
        } catch (NumberFormatException | IOException e) {
          // Not ours, or already gone.
        }
      }
    } catch (IOException e) {
      log.debug("Could not look for abandoned native library copies in {}", directory, e);
    }
  }

  static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // Not every platform can open a directory; the rename is still atomic there.
      log.debug("Could not fsync directory {}", directory, e);
    }
  }

  private static String diagnoseTemporaryDirectory(Path temp) {
    if (!Files.isDirectory(temp)) {
      return "it is not a directory";
    }
    try {
      Path probe = Files.createTempFile(temp, "steadfast-probe-", ".tmp");
      Files.deleteIfExists(probe);
    } catch (IOException | RuntimeException e) {
      return "it is not writable: " + reason(e, librarySize);
    }
    String limited = limitBelow(librarySize);
    if (limited != null) {
      return limited;
    }
    long free = SqliteFailure.usableBytes(temp);
    if (librarySize > 0 && free >= 0 && free < librarySize) {
      return "its disk has only " + free + " bytes free, the library needs " + librarySize;
    }
    return "see the error org.sqlite.SQLiteJDBCLoader logged";
  }

  private static String reason(Throwable e, long size) {
    if (e instanceof AccessDeniedException) {
      return "permission denied on " + ((AccessDeniedException) e).getFile();
    }
    String text = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
        : String.valueOf(e.getMessage());
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.contains("file too large")) {
      String limited = limitBelow(size);
      return limited != null ? limited : "a file-size limit (ulimit -f) stopped the copy (" + text + ")";
    }
    if (lower.contains("no space left")) {
      return "its disk is full";
    }
    if (lower.contains("read-only file system")) {
      return "its file system is read-only";
    }
    if (e instanceof FileSystemException fs && fs.getFile() != null) {
      return e.getClass().getSimpleName() + " on " + fs.getFile() + (fs.getReason() != null ? ": " + fs.getReason() : "");
    }
    return e.toString();
  }

  private static @Nullable String limitBelow(long size) {
    OptionalLong limit = SqliteFailure.fileSizeLimitBytes();
    if (limit.isPresent() && size > 0 && limit.getAsLong() < size) {
      return "the file-size limit of this process (ulimit -f, " + limit.getAsLong() + " bytes) is below the "
          + "library's " + size + " bytes";
    }
    return null;
  }

  private static String innermost(Throwable cause) {
    Throwable t = cause;
    List<Throwable> seen = new java.util.ArrayList<>();
    while (t.getCause() != null && !seen.contains(t.getCause()) && seen.size() < 20) {
      seen.add(t);
      t = t.getCause();
    }
    String message = SqliteFailure.firstLine(t.getMessage());
    return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }
}
