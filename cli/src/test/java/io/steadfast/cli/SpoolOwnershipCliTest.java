package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Spool;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23, item 1, through the command line: the planted spool (a 0777 directory of another
 * user's, holding their 0666 {@code spool.db} with a message they queued) is refused with exit 2 and one
 * line naming the path, what was found and the fix; nothing is sent with the operator's key and the file
 * is left as it was. "Another user" is uid 12345, given with {@code unix:uid} (the tests run as root).
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SpoolOwnershipCliTest extends CliRunner {
  private static final String KEY = "sk-canary-owner-7c3a";
  private static final int OTHER_UID = 12345;

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    return file.toString();
  }

  private void plantSpool() throws IOException {
    Message planted = Message.builder().from("ceo@example.com").to("victim@example.com").subject("Wire the money")
        .text("Planted").build();
    Instant now = Instant.now();
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      spool.append(List.of(new Spool.NewEntry(IdempotencyKey.of("planted-1"), planted.fingerprint(), planted, now,
          now.plus(Duration.ofDays(3)), planted.estimatedSizeBytes())), Spool.Limits.NONE);
    }
    Path db = spool().resolve(SqliteSpool.DATABASE_FILE);
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-rw-rw-"));
    Files.setAttribute(db, "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(spool(), PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setAttribute(spool(), "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void drainRefusesASpoolPlantedByAnotherUserWithExitTwoAndTheFix() throws Exception {
    plantSpool();
    Path db = spool().resolve(SqliteSpool.DATABASE_FILE);
    String before = sha256(db);

    int code = run("drain", "--config", config(), "--timeout", "10s");

    assertThat(code).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1)
        .contains("The spool at " + spool() + " was not opened: " + spool() + " is owned by " + OTHER_UID)
        .contains("is writable by every user")
        .contains("mode rwxrwxrwx")
        .contains("chown " + System.getProperty("user.name") + " " + spool())
        .contains("chmod 700 " + spool())
        .contains("Nothing was created or changed")
        .doesNotContain(KEY)
        .doesNotContain("\tat ");
    assertThat(sparkPost.requests()).as("requests to SparkPost").isEmpty();
    assertThat(sha256(db)).isEqualTo(before);
  }

  @Test
  void submitRefusesALinkedDatabaseWithExitTwoAndCreatesNothingAtItsTarget() throws Exception {
    Files.createDirectory(spool());
    Files.setPosixFilePermissions(spool(), PosixFilePermissions.fromString("rwx------"));
    Path target = Files.createDirectory(dir.resolve("elsewhere")).resolve("planted.db");
    Files.createSymbolicLink(spool().resolve(SqliteSpool.DATABASE_FILE), target);

    int submit = run("submit", "--config", config(), "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello");

    assertThat(submit).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1)
        .contains(spool().resolve(SqliteSpool.DATABASE_FILE) + " is a symbolic link (to " + target + ")");
    assertThat(target).doesNotExist();
  }
}
