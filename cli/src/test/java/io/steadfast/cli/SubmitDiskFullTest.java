package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.spool.SqliteSpool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fills a spool with {@code steadfast submit}, each a child JVM whose file size is capped with
 * {@code ulimit -f} (a portable stand-in for a full disk), until a submit fails (issue #17, finding 3):
 * the failure is one line without a stack trace and exit 3, and nothing was acknowledged that the spool
 * does not hold.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SubmitDiskFullTest {
  /** 8 MiB in 512-byte blocks: room for the JVM's own files (SQLite's 1.1 MB native library), not the spool. */
  private static final int FILE_SIZE_BLOCKS = 16_384;
  /** Each message carries 2.5 MB, so the cap is reached within a few submits (each a JVM start). */
  private static final int ATTACHMENT_BYTES = 2_560 * 1024;
  /** Far more submits than the cap allows: the test fails rather than loops if no submit ever fails. */
  private static final int MAX_SUBMITS = 30;

  @TempDir Path temp;

  @Test
  void aSubmitThatCannotBeStoredExitsThreeInOneLineAndAcknowledgesNothing() throws Exception {
    Path spool = temp.resolve("spool");
    Path attachment = temp.resolve("report.bin");
    byte[] bytes = new byte[ATTACHMENT_BYTES];
    new Random(17).nextBytes(bytes);
    Files.write(attachment, bytes);
    Path config = temp.resolve("steadfast.properties");
    Files.writeString(config, "api-key=sk-disk-full-test\nendpoint=http://127.0.0.1:9\n");
    Files.createDirectories(temp.resolve("tmp"));

    List<String> acknowledged = new ArrayList<>();
    String failedKey = null;
    ChildCli.Run failed = null;
    for (int i = 0; i < MAX_SUBMITS && failed == null; i++) {
      String key = "disk-full-" + i;
      ChildCli.Run run = submit(spool, config, attachment, key);
      if (run.exitCode() == 0) {
        assertThat(run.out()).as(run.err()).startsWith("Spooled: id ").contains("key " + key);
        acknowledged.add(key);
      } else {
        failedKey = key;
        failed = run;
      }
    }
    System.out.printf("Submit under ulimit -f %d: %d acknowledged, then exit %s: %s%n", FILE_SIZE_BLOCKS,
        acknowledged.size(), failed == null ? "none" : failed.exitCode(), failed == null ? "" : failed.err().strip());

    assertThat(failed).as("a submit past the file-size cap fails").isNotNull();
    assertThat(acknowledged).isNotEmpty();
    assertThat(failed.exitCode()).as(failed.err()).isEqualTo(Steadfast.RETRYABLE);
    assertThat(failed.err()).doesNotContain("\tat ").doesNotContain("Exception").hasLineCount(1);
    assertThat(failed.out()).doesNotContain("Spooled:");
    try (SqliteSpool opened = SqliteSpool.open(spool)) {
      for (String key : acknowledged) {
        assertThat(opened.find(IdempotencyKey.of(key))).as("acknowledged %s", key).isPresent();
      }
      assertThat(opened.find(IdempotencyKey.of(failedKey))).as("the failed submit %s", failedKey).isEmpty();
    }
  }

  private ChildCli.Run submit(Path spool, Path config, Path attachment, String key) throws Exception {
    // The native library goes to this test's own directory (once, 1.1 MB, inside the cap), not ~/.cache.
    return new ChildCli().fileSizeLimit(FILE_SIZE_BLOCKS).jvm("-Djava.io.tmpdir=" + temp.resolve("tmp"))
        .jvm("-Dsteadfast.sqlite.native-dir=" + temp.resolve("native"))
        .run("submit", "--spool", spool.toString(), "--config", config.toString(), "--from", "shop@example.com",
            "--to", "a@example.com", "--subject", "Quarterly report", "--text", "Attached.",
            "--attach", attachment.toString(), "--idempotency-key", key);
  }
}
