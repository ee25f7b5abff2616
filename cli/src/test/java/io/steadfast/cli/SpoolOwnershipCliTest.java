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
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
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
 * A spool shared with a group (0770 directory, 0660 files) opens only with {@code --trusted-group}
 * naming that group, here the current user's primary group, which needs no other user or privilege.
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

  /** Queues {@code message} under {@code key} in the spool directory, as the current user. */
  private void queue(String key, Message message) {
    Instant now = Instant.now();
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      spool.append(List.of(new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, now,
          now.plus(Duration.ofDays(3)), message.estimatedSizeBytes())), Spool.Limits.NONE);
    }
  }

  private void plantSpool() throws IOException {
    queue("planted-1", Message.builder().from("ceo@example.com").to("victim@example.com").subject("Wire the money")
        .text("Planted").build());
    Path db = spool().resolve(SqliteSpool.DATABASE_FILE);
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-rw-rw-"));
    Files.setAttribute(db, "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(spool(), PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setAttribute(spool(), "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Makes a spool of the current user's holding one queued message, then makes the directory (0770) and
   * every file in it (0660) writable by their group, the current user's primary group, which it returns.
   */
  private String groupWritableSpool() throws IOException {
    queue("queued-1", Message.builder().from("shop@example.com").to("alice@example.com").subject("Queued")
        .text("Queued").build());
    // A directory made just now has the group this user's new files get: its primary group.
    Path probe = Files.createDirectory(dir.resolve("probe"));
    String group = Files.readAttributes(probe, PosixFileAttributes.class).group().getName();
    try (Stream<Path> files = Files.list(spool())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        assertThat(Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName())
            .isEqualTo(group);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
      }
    }
    Files.setPosixFilePermissions(spool(), PosixFilePermissions.fromString("rwxrwx---"));
    return group;
  }

  private int submit(String config, String key, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("submit", "--config", config, "--from", "shop@example.com",
        "--to", "alice@example.com", "--subject", "Hi", "--text", "Hello", "--idempotency-key", key));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
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

  @Test
  void everyCommandRefusesAGroupWritableSpoolWithoutTrustedGroup() throws Exception {
    String group = groupWritableSpool();
    String config = config();
    Path db = spool().resolve(SqliteSpool.DATABASE_FILE);
    String before = sha256(db);
    String refusal = spool() + " is writable by its group " + group;

    int submit = submit(config, "shared-refused");
    String submitErr = err.toString();
    int status = run("spool", "status", "--config", config);
    String statusErr = err.toString();
    int drain = run("drain", "--config", config, "--timeout", "10s");

    assertThat(submit).as(submitErr).isEqualTo(Steadfast.USAGE);
    assertThat(submitErr).hasLineCount(1).contains(refusal).contains("no group is trusted")
        .contains("Nothing was created or changed");
    assertThat(status).as(statusErr).isEqualTo(Steadfast.USAGE);
    assertThat(statusErr).hasLineCount(1).contains(refusal).contains("no group is trusted");
    assertThat(drain).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1).contains(refusal).contains("no group is trusted");
    assertThat(sparkPost.requests()).as("requests to SparkPost").isEmpty();
    assertThat(sha256(db)).isEqualTo(before);
  }

  @Test
  void everyCommandOpensAGroupWritableSpoolOfTheTrustedGroup() throws Exception {
    String group = groupWritableSpool();
    String config = config();

    int submit = submit(config, "shared-accepted", "--trusted-group", group);
    String submitOut = out.toString();
    String submitErr = err.toString();
    int status = run("spool", "status", "--config", config, "--trusted-group", group, "--json");
    String statusOut = out.toString();
    String statusErr = err.toString();
    int drain = run("drain", "--config", config, "--timeout", "1m", "--trusted-group", group);

    assertThat(submit).as(submitErr).isEqualTo(Steadfast.OK);
    assertThat(submitOut).contains("Spooled:").contains("shared-accepted");
    assertThat(status).as(statusErr).isEqualTo(Steadfast.OK);
    assertThat(statusOut).contains("\"pending\":2");
    assertThat(drain).as(err.toString()).isEqualTo(Steadfast.OK);
    assertThat(sparkPost.transmissionCountFor("queued-1")).isEqualTo(1);
    assertThat(sparkPost.transmissionCountFor("shared-accepted")).isEqualTo(1);
  }

  @Test
  void trustedGroupOfAnotherGroupStillRefusesTheSpool() throws Exception {
    String group = groupWritableSpool();
    String other = group.equals("nogroup") ? "daemon" : "nogroup";

    int submit = submit(config(), "shared-other", "--trusted-group", other);

    assertThat(submit).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1).contains(spool() + " is writable by its group " + group)
        .contains("not the trusted group " + other);
  }

  @Test
  void blankOrUnknownTrustedGroupIsAUsageErrorBeforeTheSpoolIsOpened() throws Exception {
    String config = config();

    int blank = submit(config, "blank-group", "--trusted-group", " ");
    String blankErr = err.toString();
    int unknown = submit(config, "unknown-group", "--trusted-group", "no-such-group-here");

    assertThat(blank).as(blankErr).isEqualTo(Steadfast.USAGE);
    assertThat(blankErr).contains("--trusted-group").contains("blank").contains("--help").doesNotContain("\tat ");
    assertThat(unknown).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("--trusted-group").contains("'no-such-group-here' is not a group on this host")
        .doesNotContain("\tat ");
    assertThat(spool()).doesNotExist();
  }

  @Test
  void trustedGroupWithAPostgresSpoolIsAUsageError() throws Exception {
    String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();

    int code = run("submit", "--config", config(), "--spool-url", "jdbc:postgresql://127.0.0.1:1/mail?user=mailer",
        "--trusted-group", group, "--from", "shop@example.com", "--to", "alice@example.com", "--subject", "Hi",
        "--text", "Hello");

    assertThat(code).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1).contains("--trusted-group is for a SQLite spool directory")
        .contains("jdbc:postgresql://127.0.0.1:1/mail").doesNotContain("user=mailer");
  }
}
