package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Environment faults through the command line in real child JVMs (issue #17, finding 2): a file-size
 * limit and an unusable temporary directory are reported as what they are, exit 3, and leave a healthy
 * spool exactly where and as it was, so that a later normal run delivers everything.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SpoolEnvironmentCliTest {
  private static final String KEY = "sk-canary-environment-77b3";
  private static final int MESSAGES = 5;
  /** The issue's {@code ulimit -f 48}: 24 KiB, far below SQLite's 1.1 MB native library and this spool. */
  private static final int FILE_SIZE_BLOCKS = 48;

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();
  private Path config;

  @BeforeEach
  void spoolFiveMessages() throws IOException {
    config = dir.resolve("steadfast.properties");
    Files.writeString(config, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    String body = "A paragraph of the order confirmation.\n".repeat(200);
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(run("submit", "--config", config.toString(), "--from", "shop@example.com", "--to",
          "c" + i + "@example.com", "--subject", "Order " + i, "--text", body + i, "--idempotency-key", "env-" + i))
          .as(err.toString()).isZero();
    }
    assertThat(Files.size(database())).as("the spool is larger than the cap").isGreaterThan(FILE_SIZE_BLOCKS * 512L);
  }

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private Path database() {
    return spool().resolve(SqliteSpool.DATABASE_FILE);
  }

  @Test
  void aFileSizeLimitIsAnEnvironmentFaultThatLeavesTheSpoolAsItIs() throws Exception {
    Files.createDirectories(dir.resolve("tmp"));
    // A fresh native-library directory: the child must extract the 1.1 MB library, which the cap forbids.
    ChildCli limited = new ChildCli().fileSizeLimit(FILE_SIZE_BLOCKS).jvm("-Djava.io.tmpdir=" + dir.resolve("tmp"))
        .jvm("-Dsteadfast.sqlite.native-dir=" + dir.resolve("native"));

    assertEnvironmentFaultLeavesSpool(limited);

    assertThat(run("drain", "--config", config.toString(), "--timeout", "60s")).as(out + err.toString()).isZero();
    assertThat(sparkPost.acceptedKeys()).hasSize(MESSAGES);
  }

  @Test
  void anUnusableTemporaryDirectoryIsAnEnvironmentFaultThatLeavesTheSpoolAsItIs() throws Exception {
    // Under a regular file nothing can be created, not even by root, for whom permissions do not count.
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    ChildCli unusable = new ChildCli().jvm("-Djava.io.tmpdir=" + file.resolve("tmp"))
        .jvm("-Dsteadfast.sqlite.native-dir=" + file.resolve("native"));

    assertEnvironmentFaultLeavesSpool(unusable);

    assertThat(run("drain", "--config", config.toString(), "--timeout", "60s")).as(out + err.toString()).isZero();
    assertThat(sparkPost.acceptedKeys()).hasSize(MESSAGES);
  }

  private void assertEnvironmentFaultLeavesSpool(ChildCli child) throws Exception {
    String hash = sha256(database());
    // A reading command, the dispatching one, a maintenance one and submit: each opens the spool its own way.
    String[][] commands = {{"spool", "status"}, {"drain", "--timeout", "5s"}, {"spool", "purge"},
        {"submit", "--from", "shop@example.com", "--to", "a@example.com", "--subject", "Hi", "--text", "Hello",
            "--idempotency-key", "env-late"}};
    for (String[] command : commands) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 2);
      args[command.length] = "--config";
      args[command.length + 1] = config.toString();

      ChildCli.Run result = child.run(args);

      String name = String.join(" ", command).split(" --")[0];
      System.out.printf("%s under the fault: exit %d: %s%n", name, result.exitCode(), result.err().strip());
      assertThat(result.exitCode()).as("%s: %s", name, result.err()).isEqualTo(Steadfast.RETRYABLE);
      assertThat(result.err()).as(name).hasLineCount(1).doesNotContain("\tat ").doesNotContainIgnoringCase("damaged")
          .containsIgnoringCase("native library");
      assertThat(result.out()).as(name).doesNotContain("Spooled:").doesNotContain("Drained:");
      assertThat(sha256(database())).as("spool.db after %s", name).isEqualTo(hash);
      assertThat(spool().resolve(SqliteSpool.CORRUPT_DIRECTORY)).as(name).doesNotExist();
    }
    assertThat(sparkPost.requests()).isEmpty();
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
