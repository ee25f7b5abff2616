package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fills a SQLite spool in a child JVM whose file size is capped with {@code ulimit -f} (a portable
 * stand-in for a full disk): appends past the cap fail with an error instead of being acknowledged, whose
 * message names the file-size limit and the fix in one line, and every acknowledged append is still in
 * the spool afterwards.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class DiskFullTest {
  @TempDir
  Path temp;

  @Test
  void appendsOnFullDiskFailAndAcknowledgedOnesSurvive() throws Exception {
    Path dir = temp.resolve("spool");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // 8 MB in 512-byte blocks (POSIX sh): room for the JVM's own files, not for many 64 KB messages.
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", "ulimit -f 16384 && exec \"$0\" \"$@\"", java,
        "-Djava.io.tmpdir=" + temp.resolve("tmp"), "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), dir.toString(), "http://127.0.0.1:9", "unused", "0", "fill");
    Files.createDirectories(temp.resolve("tmp"));
    builder.redirectError(temp.resolve("child.err").toFile());
    Process child = builder.start();
    List<String> acknowledged = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          acknowledged.add(line.substring(4));
        } else if (line.startsWith("FAILED ")) {
          failures.add(line.substring(7));
        }
      }
    }
    assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
    System.out.printf("Disk-full test: %d appends acknowledged, then: %s%n", acknowledged.size(),
        failures.isEmpty() ? "no failure" : failures.get(0));

    assertThat(failures).as("appends past the size cap fail; child stderr:%n%s",
        Files.readString(temp.resolve("child.err"))).isNotEmpty();
    // One line naming the cause and the fix, not the driver's "[SQLITE_IOERR_WRITE] I/O error in the VFS layer ...".
    assertThat(failures.get(0)).startsWith("java.io.UncheckedIOException")
        .contains("file-size limit of this process (ulimit -f, " + 16384 * 512 + " bytes)")
        .contains("ulimit -f unlimited")
        .doesNotContain("[SQLITE_");
    assertThat(acknowledged).isNotEmpty();
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      for (String key : acknowledged) {
        assertThat(spool.find(IdempotencyKey.of(key))).as("acknowledged %s", key).isPresent();
      }
    }
  }
}
