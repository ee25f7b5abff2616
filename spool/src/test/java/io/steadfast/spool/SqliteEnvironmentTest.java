package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17, finding 2: environment errors are not damage. Child JVMs meet the faults of the issue's
 * run, a file-size limit ({@code ulimit -f 48}, 24 KiB) and a read-only temporary directory, and each
 * must fail with {@code ENVIRONMENT} and a message naming the cause, leaving the healthy spool exactly as
 * it was: no move, no {@code corrupt/}. Before the fix sqlite-jdbc's failure to extract its native library
 * read "spool.db is damaged (Error opening connection)" and the file went to {@code corrupt/}. And the
 * native library is extracted once to a private directory, never into the temporary directory, so
 * SIGKILLed JVMs leave no 1.1 MB copies behind (29 after the run).
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SqliteEnvironmentTest {
  /** The limit: 48 blocks of 512 bytes, far below the 1.1 MB native library. */
  private static final int ULIMIT_BLOCKS = 48;

  @TempDir
  Path temp;

  @Test
  void fileSizeLimitWithAFreshNativeDirectoryIsAnEnvironmentErrorThatTouchesNoFile() throws Exception {
    Path dir = healthySpool();
    String before = SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"));
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    Path nativeDir = temp.resolve("native");

    Child child = run(ULIMIT_BLOCKS, tmp, nativeDir, "open", dir);

    assertThat(child.line("FAILED ")).as("child output:%n%s", child)
        .startsWith("FAILED ENVIRONMENT ")
        .contains("native library")
        .contains("file-size limit of this process (ulimit -f, " + ULIMIT_BLOCKS * 512 + " bytes)")
        .contains(nativeDir.toString())
        .contains(tmp.toString())
        .contains("No file was changed")
        .doesNotContain("damaged");
    assertThat(SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"))).isEqualTo(before);
    assertThat(dir.resolve("corrupt")).doesNotExist();
  }

  @Test
  void fileSizeLimitOnTheSpoolIsAnEnvironmentErrorThatTouchesNoFile() throws Exception {
    Path dir = healthySpool();
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    Path nativeDir = temp.resolve("native");
    // A first run without a limit stores the native library, as any earlier start would have.
    assertThat(run(0, tmp, nativeDir, "read", dir).line("OPENED")).isNotNull();
    String before = SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"));

    Child child = run(ULIMIT_BLOCKS, tmp, nativeDir, "open", dir);

    String failure = child.line("FAILED ") != null ? child.line("FAILED ") : child.line("APPEND-FAILED ");
    assertThat(failure).as("child output:%n%s", child).isNotNull()
        .contains("file-size limit of this process (ulimit -f, " + ULIMIT_BLOCKS * 512 + " bytes)")
        .contains("ulimit -f unlimited")
        .doesNotContain("[SQLITE_")
        .doesNotContain("damaged");
    if (failure.startsWith("FAILED ")) {
      assertThat(failure).startsWith("FAILED ENVIRONMENT ");
    }
    assertThat(SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"))).isEqualTo(before);
    assertThat(dir.resolve("corrupt")).doesNotExist();
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      assertThat(spool.damage()).isEmpty();
      assertThat(spool.stats(java.time.Instant.EPOCH).undeliveredCount()).isEqualTo(3);
    }
  }

  @Test
  void readOnlyTemporaryDirectoryAndUnwritableNativeDirectoryNameTheTemporaryDirectory() throws Exception {
    Path dir = healthySpool();
    String before = SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"));
    Path tmp = readOnlyDirectory();
    // A plain file where the native directory's parent would be: it can never be created.
    Path blocker = Files.writeString(temp.resolve("blocker"), "not a directory");
    Path nativeDir = blocker.resolve("native");

    Child child = run(0, tmp, nativeDir, "open", dir);

    assertThat(child.line("FAILED ")).as("child output:%n%s", child)
        .startsWith("FAILED ENVIRONMENT ")
        .contains("native library")
        .contains("temporary directory " + tmp + " (it is not writable")
        .contains(nativeDir.toString())
        .contains("-Dsteadfast.sqlite.native-dir=");
    assertThat(SqliteSpoolDamageTest.sha256(dir.resolve("spool.db"))).isEqualTo(before);
    assertThat(dir.resolve("corrupt")).doesNotExist();
  }

  @Test
  void sigkilledJvmsLeaveNoNativeLibraryInTheirTemporaryDirectory() throws Exception {
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    Path nativeDir = temp.resolve("native");
    List<Process> children = new ArrayList<>();
    List<String> loadedFrom = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch ready = new CountDownLatch(3);
    // Three first uses at once: each must find or place a complete library.
    for (int i = 1; i <= 3; i++) {
      Process child = start(0, tmp, nativeDir, "hold", temp.resolve("spool-" + i), temp.resolve("child-" + i + ".err"));
      children.add(child);
      ChildOutput.readLines(child, "native-child-" + i, line -> {
        if (line.startsWith("NATIVE ")) {
          loadedFrom.add(line.substring(7));
        } else if (line.equals("READY")) {
          ready.countDown();
        }
      });
    }
    try {
      assertThat(ready.await(120, TimeUnit.SECONDS)).as("all three children opened their spools; stderr:%n%s",
          Files.readString(temp.resolve("child-1.err"))).isTrue();
    } finally {
      for (Process child : children) {
        child.destroyForcibly();
      }
      for (Process child : children) {
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
      }
    }

    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString())).as("left in java.io.tmpdir").isEmpty();
    }
    assertThat(loadedFrom).hasSize(3).allSatisfy(path -> assertThat(path).startsWith(nativeDir.toString()));
    Path platform = Path.of(loadedFrom.get(0));
    try (Stream<Path> files = Files.list(platform)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("one library, no temporary copies")
          .containsExactly(org.sqlite.util.LibraryLoaderUtil.getNativeLibName());
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(platform))).isEqualTo("rwx------");
  }

  /** Creates a spool of three messages, closed so that everything is in the main file. */
  private Path healthySpool() {
    Path dir = temp.resolve("spool");
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (int i = 1; i <= 3; i++) {
        String key = "env-" + i;
        spool.append(List.of(SqliteSpoolDamageTest.entry(key, SqliteSpoolDamageTest.message(key, 2000))),
            io.steadfast.spi.Spool.Limits.NONE);
      }
    }
    return dir;
  }

  /**
   * Returns a directory this process cannot write: one without write permission, or, where the user is
   * root and ignores permissions, a directory of a read-only file system.
   */
  private Path readOnlyDirectory() throws IOException {
    Path ro = Files.createDirectories(temp.resolve("read-only"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (!writable(ro)) {
      return ro;
    }
    for (Path candidate : List.of(Path.of("/sys"), Path.of("/proc/sys"))) {
      if (Files.isDirectory(candidate) && !writable(candidate)) {
        return candidate;
      }
    }
    Assumptions.abort("no directory here is read-only for this user");
    return ro;
  }

  private static boolean writable(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Child run(int ulimitBlocks, Path tmp, Path nativeDir, String mode, Path dir) throws Exception {
    Path err = temp.resolve("child-" + System.nanoTime() + ".err");
    Process process = start(ulimitBlocks, tmp, nativeDir, mode, dir, err);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader = ChildOutput.readLines(process, "env-child", lines::add);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(30));
    return new Child(List.copyOf(lines), Files.exists(err) ? Files.readString(err) : "");
  }

  private static Process start(int ulimitBlocks, Path tmp, Path nativeDir, String mode, Path dir, Path err)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    if (ulimitBlocks > 0) {
      command.addAll(List.of("sh", "-c", "ulimit -f " + ulimitBlocks + " && exec \"$0\" \"$@\""));
    }
    command.addAll(List.of(java, "-Djava.io.tmpdir=" + tmp,
        "-D" + SqliteSpool.NATIVE_DIRECTORY_PROPERTY + "=" + nativeDir,
        "-cp", System.getProperty("java.class.path"), SpoolOpenChild.class.getName(), mode, dir.toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectError(err.toFile());
    return builder.start();
  }

  /** What a child printed. */
  private record Child(List<String> lines, String stderr) {
    /** Returns the first line starting with {@code prefix}, or {@code null}. */
    String line(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
    }

    @Override
    public String toString() {
      return String.join("\n", lines) + "\n--- stderr ---\n" + stderr;
    }
  }
}
