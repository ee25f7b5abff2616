package io.steadfast.spool.internal;

import io.steadfast.spool.SpoolOpenException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Refuses a SQLite spool whose directory or files another user could have planted or could change: the
 * spool holds queued mail, and whoever can write its database adds messages the dispatcher sends with
 * the operator's API key (issue #23). Checked before SQLite opens anything, and before any lock file is
 * created, so a refusal creates and changes nothing.
 *
 * <p>The rules, for the directory (whose symbolic link, if it is one, is followed: a spool directory
 * elsewhere linked into place is common) and for each of the files Steadfast opens, creates or moves in
 * it ({@link #FILES} and {@code corrupt/} with its contents, which are never followed if they are links):
 * <ul>
 *   <li>a file is a regular file and {@code corrupt/} a directory, never a symbolic link, dangling or
 *       not (SQLite would create or open the database at the link's target, outside the directory);
 *   <li>it is owned by the user running this process, or its group is the trusted group (only members of
 *       a group, and root, can give a file to it);
 *   <li>it is never writable by everyone, and writable by its group only if that group is the trusted
 *       one, named for a spool shared with the submitters in that group.
 * </ul>
 * Once the directory passes, nobody but its owner, the trusted group and root can add a file to it, so
 * checking the files once at open suffices.
 *
 * <p>On a file system without POSIX attributes (Windows) only the symbolic-link rule applies: ownership
 * and modes there are ACLs, which this does not read; protect the directory with its ACL.
 */
public final class SpoolOwnership {
  /** The files of a spool directory that Steadfast opens, creates or renames, besides {@code corrupt/}. */
  public static final List<String> FILES = List.of("spool.db", "spool.db-wal", "spool.db-shm", "spool.db-journal",
      SpoolLocks.DISPATCHER, SpoolLocks.WRITERS, Quarantine.BUILD_FILE, Quarantine.BUILD_FILE + "-journal",
      Quarantine.READY_FILE, Quarantine.PENDING_REPORT, Quarantine.PENDING_REPORT + ".tmp");

  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final @Nullable UserPrincipal user;
  private final String userName;
  private final @Nullable GroupPrincipal trustedGroup;
  private final @Nullable String trustedGroupName;

  private SpoolOwnership(@Nullable UserPrincipal user, String userName, @Nullable GroupPrincipal trustedGroup,
      @Nullable String trustedGroupName) {
    this.user = user;
    this.userName = userName;
    this.trustedGroup = trustedGroup;
    this.trustedGroupName = trustedGroupName;
  }

  /**
   * Returns the checks for spools on {@code fileSystem}, run as the user of this process, trusting
   * {@code trustedGroup} (a group name, or {@code null} for none).
   *
   * @throws IllegalArgumentException if {@code trustedGroup} is blank or names no group on this host
   * @throws IOException if the current user cannot be looked up
   */
  public static SpoolOwnership of(FileSystem fileSystem, @Nullable String trustedGroup) throws IOException {
    Objects.requireNonNull(fileSystem, "fileSystem");
    if (trustedGroup != null && trustedGroup.isBlank()) {
      throw new IllegalArgumentException("trustedGroup must not be blank but was '" + trustedGroup + "'");
    }
    String userName = System.getProperty("user.name", "?");
    if (!fileSystem.supportedFileAttributeViews().contains("posix")) {
      return new SpoolOwnership(null, userName, null, trustedGroup);
    }
    UserPrincipalLookupService lookup = fileSystem.getUserPrincipalLookupService();
    GroupPrincipal group = null;
    if (trustedGroup != null) {
      try {
        group = lookup.lookupPrincipalByGroupName(trustedGroup);
      } catch (UserPrincipalNotFoundException e) {
        throw new IllegalArgumentException("trustedGroup '" + trustedGroup + "' is not a group on this host", e);
      }
    }
    return new SpoolOwnership(currentUser(lookup, userName), userName, group, trustedGroup);
  }

  /**
   * Returns the user this process runs as, by its uid where the JDK tells it: {@code user.name} is a
   * system property anyone can set on the command line, and is "?" for a uid without a passwd entry.
   */
  private static UserPrincipal currentUser(UserPrincipalLookupService lookup, String userName) throws IOException {
    long uid;
    try {
      uid = new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (LinkageError e) {
      // A runtime without jdk.security.auth, or not a Unix: fall back on the name.
      return lookup.lookupPrincipalByName(userName);
    }
    // A number that names no user resolves to that uid (UnixUserPrincipals parses it).
    return lookup.lookupPrincipalByName(Long.toString(uid));
  }

  /**
   * Checks {@code dir} itself, following a symbolic link to it, if it exists.
   *
   * @throws SpoolOpenException {@code UNSAFE_FILES} naming the path, what was found and the fix
   * @throws IOException if its attributes cannot be read
   */
  public void checkDirectory(Path dir) throws IOException {
    check(dir, dir, Kind.DIRECTORY, true);
  }

  /**
   * Checks every file of {@link #FILES} in {@code dir} that exists (a dangling link counts), and
   * {@code corrupt/} with every entry in it, never following a link.
   *
   * @throws SpoolOpenException {@code UNSAFE_FILES} for the first that fails, naming it, what was found and the fix
   * @throws IOException if attributes cannot be read
   */
  public void checkFiles(Path dir) throws IOException {
    for (String name : FILES) {
      check(dir, dir.resolve(name), Kind.FILE, false);
    }
    Path corrupt = dir.resolve(Quarantine.DIRECTORY);
    // A file in corrupt/'s place is in the way of a salvage, which then says so; it is no one's way in.
    if (check(dir, corrupt, Kind.ANY, false) && Files.isDirectory(corrupt, NOFOLLOW)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(corrupt)) {
        for (Path entry : entries) {
          check(dir, entry, Kind.ANY, false);
        }
      }
    }
  }

  /** What a checked path must be. */
  private enum Kind { DIRECTORY, FILE, ANY }

  /** Checks one path, following a link only if {@code followLink}; returns whether it exists. */
  private boolean check(Path dir, Path path, Kind kind, boolean followLink) throws IOException {
    if (!Files.exists(path, NOFOLLOW)) {
      return false;
    }
    LinkOption[] links = followLink ? new LinkOption[0] : NOFOLLOW;
    if (!followLink && Files.isSymbolicLink(path)) {
      throw unsafe(dir, path, "is a symbolic link (to " + linkTarget(path) + "), which Steadfast never follows for "
          + "its files: SQLite would open or create it at the link's target, outside the spool directory",
          "remove the link (rm " + path + ") and keep the real file in " + dir + " itself");
    }
    boolean directory = Files.isDirectory(path, links);
    if (kind == Kind.DIRECTORY && !directory || kind == Kind.FILE && !Files.isRegularFile(path, links)) {
      throw unsafe(dir, path, "is not a " + (kind == Kind.DIRECTORY ? "directory" : "regular file")
          + ", which Steadfast would open or replace as one", path.equals(dir) ? "move it away, or use another spool directory"
          : "move it out of " + dir);
    }
    if (user == null) {
      return true;
    }
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, PosixFileAttributes.class, links);
    } catch (NoSuchFileException e) {
      return false;
    }
    List<String> problems = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    boolean trusted = trustedGroup != null && trustedGroup.equals(attributes.group());
    Set<PosixFilePermission> mode = attributes.permissions();
    if (!trusted && !user.equals(attributes.owner())) {
      problems.add("is owned by " + attributes.owner().getName() + " (not by " + userName
          + ", who runs Steadfast)");
      fixes.add("chown " + userName + " " + path);
    }
    if (mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      problems.add("is writable by every user");
    }
    if (mode.contains(PosixFilePermission.GROUP_WRITE) && !trusted) {
      problems.add("is writable by its group " + attributes.group().getName() + (trustedGroupName == null
          ? " while no group is trusted" : ", not the trusted group " + trustedGroupName));
    }
    if (problems.isEmpty()) {
      return true;
    }
    if (mode.contains(PosixFilePermission.OTHERS_WRITE) || mode.contains(PosixFilePermission.GROUP_WRITE)) {
      fixes.add("chmod " + (directory ? "700 " : "600 ") + path);
    }
    String found = listed(problems) + " (owner " + attributes.owner().getName() + ", group "
        + attributes.group().getName() + ", mode " + PosixFilePermissions.toString(mode) + "), so another user "
        + "could read the queued mail or add messages that would be sent with your API key";
    String fix = listed(fixes) + " if it is yours, or else use another spool directory";
    if (mode.contains(PosixFilePermission.GROUP_WRITE) && !trusted) {
      fix += "; for a spool shared with the submitters of group " + attributes.group().getName()
          + ", name that group as the spool's trusted group (steadfast --trusted-group "
          + attributes.group().getName() + ", the property steadfast.spool.trusted-group, or SqliteSpool.open with "
          + "a trustedGroup)";
    }
    throw unsafe(dir, path, found, fix);
  }

  /** Joins {@code parts} as a sentence does: "a", "a and b", "a, b and c". */
  private static String listed(List<String> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "an unreadable target";
    }
  }

  private static SpoolOpenException unsafe(Path dir, Path path, String found, String fix) {
    return new SpoolOpenException(SpoolOpenException.Reason.UNSAFE_FILES, "The spool at " + dir + " was not opened: "
        + path + " " + found + ". Nothing was created or changed. To fix: " + fix + ".");
  }
}
