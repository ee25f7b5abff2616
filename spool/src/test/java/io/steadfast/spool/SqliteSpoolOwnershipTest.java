package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23, item 1: a spool another user planted or can change is refused, with
 * {@link SpoolOpenException.Reason#UNSAFE_FILES} and a message naming the path, what was found and the fix,
 * before anything is created or changed; a link is never followed for {@code spool.db} and its companion
 * files. Real files with real owners and modes: "another user" is uid {@value #OTHER_UID}, given to files
 * with {@code unix:uid}, which needs the tests to run as root (they do here) or as that uid's owner.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SqliteSpoolOwnershipTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int OTHER_UID = 12345;
  /** A group every Linux has, which root may give files to. */
  private static final String SHARED_GROUP = "mail";
  private static final String USER = System.getProperty("user.name");

  @TempDir
  Path temp;

  private Path dir;

  @BeforeEach
  void spoolDirectory() {
    dir = temp.resolve("spool");
  }

  /** The three ways to open a spool: each must refuse the same files. */
  private static Stream<Function<Path, SqliteSpool>> opens() {
    return Stream.of(SqliteSpool::open, SqliteSpool::openForSubmit, SqliteSpool::openReadOnly);
  }

  private void healthySpool() {
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(SpoolContractTest.newEntry("k1", "planted?", T0)), Spool.Limits.NONE);
    }
  }

  /** Every file under {@code root} (links not followed) with its owner, mode and content digest. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : (Iterable<Path>) all::iterator) {
        PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String content = a.isRegularFile() ? sha256(path) : a.isSymbolicLink() ? "-> " + Files.readSymbolicLink(path)
            : "";
        files.put(root.relativize(path).toString(), a.owner().getName() + ":" + a.group().getName() + " "
            + PosixFilePermissions.toString(a.permissions()) + " " + content);
      }
    }
    return files;
  }

  private static String sha256(Path file) {
    try {
      return SqliteSpoolDamageTest.sha256(file);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void chown(Path path, int uid) throws IOException {
    Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
  }

  private static void chgrp(Path path, String group) throws IOException {
    GroupPrincipal principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
    Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setGroup(principal);
  }

  private static void chmod(Path path, String mode) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
  }

  /** Asserts that every way of opening refuses the spool as unsafe with {@code words}, changing nothing. */
  private void assertEveryOpenRefuses(String... words) throws IOException {
    Map<String, String> before = snapshot(temp);
    opens().forEach(open -> assertRefused(() -> open.apply(dir), words));
    assertThat(snapshot(temp)).isEqualTo(before);
  }

  private static void assertRefused(ThrowingCallable open, String... words) {
    assertThatThrownBy(open)
        .isInstanceOfSatisfying(SpoolOpenException.class, e -> {
          assertThat(e.reason()).isEqualTo(SpoolOpenException.Reason.UNSAFE_FILES);
          assertThat(e.retryable()).isFalse();
        })
        .hasMessageContaining("Nothing was created or changed")
        .hasMessageContainingAll(words);
  }

  @Test
  void directoryOwnedByAnotherUserIsRefusedAndNothingIsCreatedInIt() throws Exception {
    Files.createDirectory(dir);
    chmod(dir, "rwx------");
    chown(dir, OTHER_UID);

    assertEveryOpenRefuses(dir.toString(), "is owned by " + OTHER_UID, "not by " + USER, "mode rwx------",
        "chown " + USER + " " + dir);

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void spoolPlantedByAnotherUserInAWorldWritableDirectoryIsRefused() throws Exception {
    // The probe: a 0777 directory of someone else's holding their 0666 spool.db.
    healthySpool();
    chmod(dir.resolve("spool.db"), "rw-rw-rw-");
    chown(dir.resolve("spool.db"), OTHER_UID);
    chmod(dir, "rwxrwxrwx");
    chown(dir, OTHER_UID);

    assertEveryOpenRefuses(dir + " is owned by " + OTHER_UID, "is writable by every user", "mode rwxrwxrwx",
        "chmod 700 " + dir);
  }

  @Test
  void databaseOwnedByAnotherUserIsRefusedUnchanged() throws Exception {
    healthySpool();
    Path db = dir.resolve("spool.db");
    chown(db, OTHER_UID);

    assertEveryOpenRefuses(db + " is owned by " + OTHER_UID, "mode rw-------", "chown " + USER + " " + db,
        "could read the queued mail or add messages");
  }

  @Test
  void worldWritableDatabaseOfTheCurrentUserIsRefused() throws Exception {
    healthySpool();
    Path db = dir.resolve("spool.db");
    chmod(db, "rw-rw-rw-");

    assertEveryOpenRefuses(db + " is writable by every user", "mode rw-rw-rw-", "chmod 600 " + db);
  }

  @Test
  void companionFileOwnedByAnotherUserIsRefused() throws Exception {
    healthySpool();
    Path lock = dir.resolve(SqliteSpool.WRITERS_LOCK_FILE);
    chown(lock, OTHER_UID);

    assertEveryOpenRefuses(lock + " is owned by " + OTHER_UID);
  }

  @Test
  void groupWritableDatabaseIsRefusedUnlessItsGroupIsTrusted() throws Exception {
    healthySpool();
    Path db = dir.resolve("spool.db");
    chgrp(db, SHARED_GROUP);
    chmod(db, "rw-rw----");

    assertEveryOpenRefuses(db + " is writable by its group " + SHARED_GROUP + " while no group is trusted",
        "name that group as the spool's trusted group");
    assertRefused(() -> SqliteSpool.open(dir, Duration.ofSeconds(10), "root"),
        "not the trusted group root", "chmod 600 " + db);

    try (SqliteSpool spool = SqliteSpool.open(dir, Duration.ofSeconds(10), SHARED_GROUP)) {
      spool.append(List.of(SpoolContractTest.newEntry("k2", "shared", T0)), Spool.Limits.NONE);
      assertThat(spool.list(SpoolState.PENDING, 10)).hasSize(2);
    }
  }

  @Test
  void sharedSpoolOfATrustedGroupOpensForItsSubmittersWhoDoNotOwnIt() throws Exception {
    // The dispatcher (another user here) owns the spool; its group's members submit, each as themselves.
    healthySpool();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        chgrp(file, SHARED_GROUP);
        chmod(file, "rw-rw----");
        chown(file, OTHER_UID);
      }
    }
    chgrp(dir, SHARED_GROUP);
    chmod(dir, "rwxrwx---");
    chown(dir, OTHER_UID);
    assertEveryOpenRefuses(dir + " is owned by " + OTHER_UID);

    try (SqliteSpool spool = SqliteSpool.openForSubmit(dir, Duration.ofSeconds(10), SHARED_GROUP)) {
      spool.append(List.of(SpoolContractTest.newEntry("k2", "shared", T0)), Spool.Limits.NONE);
    }
    try (SqliteSpool spool = SqliteSpool.openReadOnly(dir, SHARED_GROUP)) {
      assertThat(spool.list(SpoolState.PENDING, 10)).hasSize(2);
    }
  }

  @Test
  void worldWritableFileIsRefusedEvenInATrustedGroup() throws Exception {
    healthySpool();
    Path db = dir.resolve("spool.db");
    chgrp(db, SHARED_GROUP);
    chmod(db, "rw-rw-rw-");

    assertRefused(() -> SqliteSpool.open(dir, Duration.ofSeconds(10), SHARED_GROUP),
        db + " is writable by every user", "chmod 600 " + db);
  }

  @Test
  void danglingDatabaseLinkIsRefusedAndNothingIsCreatedAtItsTarget() throws Exception {
    Files.createDirectory(dir);
    chmod(dir, "rwx------");
    Path elsewhere = Files.createDirectory(temp.resolve("elsewhere"));
    Path target = elsewhere.resolve("planted.db");
    Files.createSymbolicLink(dir.resolve("spool.db"), target);

    assertEveryOpenRefuses(dir.resolve("spool.db") + " is a symbolic link (to " + target + ")",
        "rm " + dir.resolve("spool.db"));

    assertThat(target).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(dir.resolve("spool.db"));
    }
  }

  @Test
  void databaseLinkToARealSpoolIsRefused() throws Exception {
    healthySpool();
    Path moved = temp.resolve("moved.db");
    Files.move(dir.resolve("spool.db"), moved);
    Files.createSymbolicLink(dir.resolve("spool.db"), moved);

    assertEveryOpenRefuses(dir.resolve("spool.db") + " is a symbolic link (to " + moved + ")");
  }

  @Test
  void linkedWalFileIsRefusedAndItsTargetIsLeftAlone() throws Exception {
    healthySpool();
    Path target = temp.resolve("victim.txt");
    Files.writeString(target, "not a WAL", StandardCharsets.UTF_8);
    Files.deleteIfExists(dir.resolve("spool.db-wal"));
    Files.createSymbolicLink(dir.resolve("spool.db-wal"), target);

    assertEveryOpenRefuses(dir.resolve("spool.db-wal") + " is a symbolic link (to " + target + ")");

    assertThat(target).hasContent("not a WAL");
  }

  @Test
  void linkedQuarantineDirectoryIsRefused() throws Exception {
    healthySpool();
    Path elsewhere = Files.createDirectory(temp.resolve("elsewhere"));
    Files.createSymbolicLink(dir.resolve("corrupt"), elsewhere);

    assertEveryOpenRefuses(dir.resolve("corrupt") + " is a symbolic link (to " + elsewhere + ")");
  }

  @Test
  void linkedLockFileIsRefusedBeforeItIsCreatedThroughTheLink() throws Exception {
    Files.createDirectory(dir);
    chmod(dir, "rwx------");
    Path target = temp.resolve("made-through-the-link");
    Files.createSymbolicLink(dir.resolve(SqliteSpool.LOCK_FILE), target);

    assertRefused(() -> SqliteSpool.open(dir), dir.resolve(SqliteSpool.LOCK_FILE) + " is a symbolic link");

    assertThat(target).doesNotExist();
  }

  @Test
  void linkedSpoolDirectoryIsFollowedAndChecked() throws Exception {
    Path real = temp.resolve("real");
    Files.createDirectory(real);
    chmod(real, "rwx------");
    Files.createSymbolicLink(dir, real);

    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(SpoolContractTest.newEntry("k1", "linked", T0)), Spool.Limits.NONE);
    }
    assertThat(real.resolve("spool.db")).isRegularFile();

    chmod(real, "rwxrwxrwx");
    assertRefused(() -> SqliteSpool.open(dir), "is writable by every user");
  }

  @Test
  void fileWhereTheDirectoryShouldBeIsRefusedUnchanged() throws Exception {
    Files.writeString(dir, "not a spool", StandardCharsets.UTF_8);

    assertEveryOpenRefuses(dir + " is not a directory", "move it away, or use another spool directory");

    assertThat(dir).hasContent("not a spool");
  }

  @Test
  void freshSpoolIsCreatedOwnerOnlyAndReopens() throws Exception {
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      spool.append(List.of(SpoolContractTest.newEntry("k1", "fresh", T0)), Spool.Limits.NONE);
    }
    try (SqliteSpool spool = SqliteSpool.openForSubmit(dir)) {
      spool.append(List.of(SpoolContractTest.newEntry("k2", "fresh", T0)), Spool.Limits.NONE);
    }

    Map<String, String> files = snapshot(dir);
    assertThat(files.get("")).startsWith(USER + ":").contains(" rwx------ ");
    assertThat(files).containsKeys("spool.db", SqliteSpool.LOCK_FILE, SqliteSpool.WRITERS_LOCK_FILE);
    files.forEach((name, file) -> {
      if (!name.isEmpty()) {
        assertThat(file).as(name).startsWith(USER + ":").contains(" rw------- ");
      }
    });
    try (SqliteSpool spool = SqliteSpool.openReadOnly(dir)) {
      assertThat(spool.list(SpoolState.PENDING, 10)).hasSize(2);
    }
  }

  @Test
  void trustedGroupThatIsNoGroupIsRejected() {
    assertThatThrownBy(() -> SqliteSpool.open(dir, Duration.ofSeconds(1), "no-such-group-here"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustedGroup 'no-such-group-here' is not a group on this host");
    assertThat(dir).doesNotExist();
  }
}
