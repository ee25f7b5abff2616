package io.steadfast.spool.internal;

import io.steadfast.spi.SpoolDamage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a SQLite spool's salvage: where a fresh spool is built, how the damaged original is moved
 * to {@code corrupt/} with its damage report, and how a salvage a crash interrupted is finished.
 *
 * <p>The order makes a SIGKILL at any point harmless. The fresh spool is built in
 * {@value #BUILD_FILE} and made durable while the damaged {@code spool.db} stays untouched; then the
 * report is written as {@value #PENDING_REPORT} and the build renamed to {@value #READY_FILE}. From that
 * rename on, the salvage only moves files: the original's {@code -wal} and {@code -shm} first (a WAL left
 * beside the fresh file would be applied to it), then {@code spool.db} itself to
 * {@code corrupt/spool.db.<epoch millis>}, then {@value #READY_FILE} to {@code spool.db}, and the report to
 * {@code corrupt/spool.db.<epoch millis>.report}. Each step is an atomic rename followed by a directory
 * fsync. {@link #finishInterrupted} runs before every open for dispatch: with {@value #READY_FILE} present
 * it completes the moves; without it, a partial build is deleted and the still untouched original is
 * salvaged again from the start.
 *
 * <p>Methods that read reports may run while another process changes them; a report is always replaced
 * whole, by rename. Not thread-safe otherwise: the caller holds the spool's directory lock.
 */
public final class Quarantine {
  private static final Logger log = LoggerFactory.getLogger(Quarantine.class);

  /** The folder, inside the spool directory, that keeps damaged databases and their reports. */
  public static final String DIRECTORY = "corrupt";
  /** The suffix of a damage report, after the damaged copy's name. */
  public static final String REPORT_SUFFIX = ".report";
  /** The fresh spool while it is being built; deleted if a crash interrupts the build. */
  public static final String BUILD_FILE = "salvage.db.partial";
  /** The fresh spool once complete and durable, until it replaces {@code spool.db}. */
  public static final String READY_FILE = "salvage.db";
  /** The report of the salvage in progress, until it joins the damaged copy in {@code corrupt/}. */
  public static final String PENDING_REPORT = "salvage.report";

  private static final String DATABASE = "spool.db";
  private static final List<String> SIDE_FILES = List.of("-wal", "-shm");

  /**
   * Called with the name of each step of a salvage as it is reached; a crash test halts the JVM there.
   * Internal, for tests only.
   */
  private static volatile Consumer<String> steps = step -> { };

  private final Path directory;
  private final Path corrupt;
  private final boolean posix;

  /** Creates the quarantine of the spool in {@code directory}. */
  public Quarantine(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.corrupt = directory.resolve(DIRECTORY);
    this.posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Sets the listener told of each salvage step; for crash tests, which halt the JVM at one. */
  public static void onStep(Consumer<String> listener) {
    steps = Objects.requireNonNull(listener, "listener");
  }

  private static void step(String name) {
    steps.accept(name);
  }

  /** Returns where the fresh spool is built. */
  public Path buildFile() {
    return directory.resolve(BUILD_FILE);
  }

  /** Returns whether a salvage was interrupted after its fresh spool was complete. */
  public boolean interrupted() {
    return Files.exists(directory.resolve(READY_FILE)) || Files.exists(directory.resolve(PENDING_REPORT));
  }

  /**
   * Finishes or undoes a salvage a crash interrupted: completes the moves once the fresh spool was ready,
   * else deletes the partial build, leaving the original to be salvaged again.
   *
   * @throws IOException if a file cannot be moved or deleted; nothing is lost, the next open tries again
   */
  public void finishInterrupted() throws IOException {
    deleteBuild();
    Path ready = directory.resolve(READY_FILE);
    Path pending = directory.resolve(PENDING_REPORT);
    DamageReport report = readPending(pending);
    if (Files.exists(ready)) {
      if (report == null) {
        // The report is written before the rename that makes the build ready, so this is not our doing;
        // keep the file rather than guess.
        throw new IOException(ready + " is there without its report " + pending + "; move it away by hand");
      }
      log.warn("Finishing the salvage of {} that was interrupted", directory.resolve(DATABASE));
      swap(report);
    } else if (report != null) {
      if (Files.exists(corrupt.resolve(report.damagedCopy()))) {
        moveReport(report);
      } else {
        // Interrupted before the fresh spool was ready: the original is untouched and is salvaged again.
        Files.deleteIfExists(pending);
      }
    } else {
      Files.deleteIfExists(pending);
    }
  }

  /**
   * Creates {@code corrupt/} (owner-only), deletes any earlier partial build and returns a name for the
   * damaged copy that is not taken yet.
   *
   * @throws IOException if {@code corrupt/} cannot be created
   */
  public String prepare(Instant now) throws IOException {
    if (posix) {
      Files.createDirectories(corrupt, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(corrupt);
    }
    deleteBuild();
    long millis = now.toEpochMilli();
    while (Files.exists(corrupt.resolve(DATABASE + "." + millis))
        || Files.exists(corrupt.resolve(DATABASE + "." + millis + REPORT_SUFFIX))) {
      millis++;
    }
    return DATABASE + "." + millis;
  }

  /** Deletes the partial build and its journal, if there are any. */
  public void deleteBuild() throws IOException {
    Files.deleteIfExists(buildFile());
    Files.deleteIfExists(directory.resolve(BUILD_FILE + "-journal"));
  }

  /**
   * Replaces the damaged {@code spool.db} with the complete, durable build and files the original and
   * {@code report} in {@code corrupt/}.
   *
   * @throws IOException if a step fails; what was done stays done and {@link #finishInterrupted} continues
   */
  public void commit(DamageReport report) throws IOException {
    step("built");
    Path pending = directory.resolve(PENDING_REPORT);
    writeAtomically(pending, report.toText());
    step("reported");
    Files.move(buildFile(), directory.resolve(READY_FILE), StandardCopyOption.ATOMIC_MOVE);
    SqliteNativeLibrary.syncDirectory(directory);
    step("ready");
    swap(report);
  }

  private void swap(DamageReport report) throws IOException {
    Path target = corrupt.resolve(report.damagedCopy());
    Files.createDirectories(corrupt);
    Path db = directory.resolve(DATABASE);
    for (String suffix : SIDE_FILES) {
      moveAside(directory.resolve(DATABASE + suffix), target.resolveSibling(target.getFileName() + suffix));
    }
    SqliteNativeLibrary.syncDirectory(corrupt);
    SqliteNativeLibrary.syncDirectory(directory);
    step("side-files-moved");
    moveAside(db, target);
    SqliteNativeLibrary.syncDirectory(corrupt);
    SqliteNativeLibrary.syncDirectory(directory);
    step("original-moved");
    Files.move(directory.resolve(READY_FILE), db, StandardCopyOption.ATOMIC_MOVE);
    SqliteNativeLibrary.syncDirectory(directory);
    step("renamed");
    moveReport(report);
    step("done");
  }

  private void moveReport(DamageReport report) throws IOException {
    Files.move(directory.resolve(PENDING_REPORT), corrupt.resolve(report.damagedCopy() + REPORT_SUFFIX),
        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    SqliteNativeLibrary.syncDirectory(corrupt);
    SqliteNativeLibrary.syncDirectory(directory);
  }

  /**
   * Moves {@code source} to {@code target} if it exists. If {@code target} is already there (an earlier,
   * interrupted run moved it, and a read-only open since then left new, empty side files), an empty file
   * or a shared-memory index is deleted, being no data; anything else goes to a free name beside it.
   */
  private static void moveAside(Path source, Path target) throws IOException {
    if (!Files.exists(source)) {
      return;
    }
    Path to = target;
    if (Files.exists(to)) {
      if (Files.size(source) == 0 || source.getFileName().toString().endsWith("-shm")) {
        Files.delete(source);
        return;
      }
      for (int n = 2; Files.exists(to); n++) {
        to = target.resolveSibling(target.getFileName() + "." + n);
      }
    }
    Files.move(source, to, StandardCopyOption.ATOMIC_MOVE);
  }

  private static @Nullable DamageReport readPending(Path pending) {
    if (!Files.exists(pending)) {
      return null;
    }
    try {
      return DamageReport.parse(Files.readString(pending, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      log.warn("Ignoring the unreadable salvage report {}", pending, e);
      return null;
    }
  }

  /** Returns the reports in {@code corrupt/}, oldest first, each with its file; unreadable ones are skipped. */
  public List<Filed> reports() {
    List<Filed> reports = new ArrayList<>();
    if (!Files.isDirectory(corrupt)) {
      return reports;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(corrupt, "*" + REPORT_SUFFIX)) {
      for (Path file : files) {
        try {
          reports.add(new Filed(file, DamageReport.parse(Files.readString(file, StandardCharsets.UTF_8))));
        } catch (IOException | IllegalArgumentException e) {
          log.warn("Ignoring the unreadable damage report {}", file, e);
        }
      }
    } catch (IOException e) {
      log.warn("Could not read the damage reports in {}", corrupt, e);
    }
    reports.sort(Comparator.comparing((Filed f) -> f.report().foundAt()).thenComparing(f -> f.file().toString()));
    return reports;
  }

  /** A report and the file it was read from. */
  public record Filed(Path file, DamageReport report) {}

  /**
   * Returns the damage still outstanding (reports not cleared that name unreadable entries), combined into
   * one: the copies listed, the counts added (unknown if any is), the keys joined, found at the earliest.
   */
  public Optional<SpoolDamage> damage() {
    List<DamageReport> outstanding = new ArrayList<>();
    for (Filed filed : reports()) {
      if (filed.report().outstanding()) {
        outstanding.add(filed.report());
      }
    }
    if (outstanding.isEmpty()) {
      return Optional.empty();
    }
    List<String> copies = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    long recovered = 0;
    long unreadable = 0;
    for (DamageReport report : outstanding) {
      copies.add(corrupt.resolve(report.damagedCopy()).toString());
      keys.addAll(report.unreadableKeys());
      recovered += report.recovered();
      unreadable = unreadable < 0 || report.unreadable() < 0 ? -1 : unreadable + report.unreadable();
    }
    return Optional.of(new SpoolDamage(String.join(", ", copies), outstanding.get(0).foundAt(), recovered, unreadable,
        keys));
  }

  /**
   * Marks every outstanding report cleared at {@code now}; the damaged copies stay.
   *
   * @return how many reports were cleared
   * @throws IOException if a report cannot be rewritten
   */
  public int clear(Instant now) throws IOException {
    int cleared = 0;
    for (Filed filed : reports()) {
      if (filed.report().outstanding()) {
        writeAtomically(filed.file(), filed.report().clear(now).toText());
        cleared++;
      }
    }
    return cleared;
  }

  /** Writes {@code text} to a temporary file beside {@code file}, fsyncs it and renames it over {@code file}. */
  private void writeAtomically(Path file, String text) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    FileAttribute<?>[] attributes = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), attributes)) {
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    SqliteNativeLibrary.syncDirectory(file.getParent());
  }
}
