package io.steadfast.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The lock files of a SQLite spool directory, shared by every spool of this JVM: {@value #DISPATCHER}
 * (held exclusively by the one process that dispatches) and {@value #WRITERS} (held shared by every open
 * read-write connection, submitting or dispatching, and exclusively by whoever creates, migrates or
 * salvages {@code spool.db}, so that no connection is open on a file that is being replaced or
 * rebuilt).
 *
 * <p>The locks are POSIX record locks ({@link FileChannel#tryLock}), which belong to the process, so one
 * registry per JVM counts the holders of a shared lock and keeps one channel per lock file: two channels
 * on one file would collide ({@link OverlappingFileLockException}), and closing either would drop both
 * processes' view of the other's lock on some systems. The kernel releases a dead process's locks, so a
 * SIGKILL leaves nothing to clean up.
 */
public final class SpoolLocks {
  /** The dispatcher lock: one dispatching process per spool directory. */
  public static final String DISPATCHER = "spool.lock";
  /** The writers lock: shared by every writing connection, exclusive while the file is replaced or migrated. */
  public static final String WRITERS = "spool.writers.lock";

  /** The first wait between two tries for a lock another process holds; doubled up to {@link #MAX_WAIT_MILLIS}. */
  private static final long FIRST_WAIT_MILLIS = 2;
  private static final long MAX_WAIT_MILLIS = 50;

  private static final Set<OpenOption> OPEN = Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
      StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  /** Held locks by lock file. Guarded by {@code HELD}. */
  private static final Map<Path, Entry> HELD = new HashMap<>();

  private SpoolLocks() {}

  /** A lock this JVM holds on one file, and how many holders share it. */
  private static final class Entry {
    final FileChannel channel;
    final FileLock lock;
    final boolean exclusive;
    int holders = 1;

    Entry(FileChannel channel, FileLock lock, boolean exclusive) {
      this.channel = channel;
      this.lock = lock;
      this.exclusive = exclusive;
    }
  }

  /** One holder's claim on a lock; {@link #close} lets go of it once. */
  public static final class Held implements AutoCloseable {
    private final Path file;
    private boolean released;

    private Held(Path file) {
      this.file = file;
    }

    /** Lets go of this holder's share; the lock goes when the last holder of this JVM lets go. */
    @Override
    public void close() {
      synchronized (HELD) {
        if (released) {
          return;
        }
        released = true;
        Entry entry = HELD.get(file);
        if (entry == null || --entry.holders > 0) {
          return;
        }
        HELD.remove(file);
        try {
          entry.lock.release();
        } catch (IOException e) {
          // Closing the channel below releases it too.
        }
        try {
          entry.channel.close();
        } catch (IOException e) {
          // Nothing left to do: the kernel drops the lock with the descriptor.
        }
      }
    }
  }

  /**
   * Takes the lock on {@code directory}'s {@code name} file, shared or exclusive, waiting until
   * {@code deadlineNanos} ({@link System#nanoTime()}) while another process (or, for an exclusive lock,
   * any other holder) has it.
   *
   * @return the claim, or {@code null} if the lock was not free by the deadline (or the thread was interrupted,
   *     whose flag is then set again)
   * @throws IOException if the lock file cannot be created or locked for another reason
   */
  public static @Nullable Held acquire(Path directory, String name, boolean exclusive, long deadlineNanos)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Path file = directory.resolve(name).toAbsolutePath().normalize();
    long wait = FIRST_WAIT_MILLIS;
    while (true) {
      if (tryAcquire(file, exclusive)) {
        return new Held(file);
      }
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      try {
        // File locks have no wake-up to wait for; a short, growing pause between tries keeps the wait cheap.
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(wait)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      wait = Math.min(wait * 2, MAX_WAIT_MILLIS);
    }
  }

  /** Returns whether this JVM holds {@code directory}'s {@code name} lock exclusively. */
  public static boolean heldExclusively(Path directory, String name) {
    Path file = directory.resolve(name).toAbsolutePath().normalize();
    synchronized (HELD) {
      Entry entry = HELD.get(file);
      return entry != null && entry.exclusive;
    }
  }

  private static boolean tryAcquire(Path file, boolean exclusive) throws IOException {
    synchronized (HELD) {
      Entry entry = HELD.get(file);
      if (entry != null) {
        if (exclusive || entry.exclusive) {
          return false;
        }
        entry.holders++;
        return true;
      }
      // Never through a link (the spool's files are checked before, this keeps a link planted since then
      // from creating a file elsewhere), and owner-only whatever the umask lets through.
      FileChannel channel = FileChannel.open(file, OPEN, file.getFileSystem().supportedFileAttributeViews()
          .contains("posix") ? new FileAttribute<?>[] {OWNER_ONLY} : new FileAttribute<?>[0]);
      FileLock lock;
      try {
        lock = channel.tryLock(0, Long.MAX_VALUE, !exclusive);
      } catch (OverlappingFileLockException e) {
        // Locked through a channel of this JVM that is not ours (code that locks the file itself): taken.
        channel.close();
        return false;
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e instanceof IOException io ? io : new IOException("could not lock " + file + ": " + e, e);
      }
      if (lock == null) {
        // No lock of this JVM is on the file (no entry), so closing this channel drops nobody's lock.
        channel.close();
        return false;
      }
      HELD.put(file, new Entry(channel, lock, exclusive));
      return true;
    }
  }
}
