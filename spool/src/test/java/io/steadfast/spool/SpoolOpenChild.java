package io.steadfast.spool;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.spi.Spool;
import io.steadfast.spool.internal.Quarantine;
import io.steadfast.spool.internal.SqliteNativeLibrary;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The process the environment and salvage-crash tests start: opens a SQLite spool and prints what
 * happened, one line each, for the parent to read.
 *
 * <ul>
 *   <li>{@code open DIR}: opens for dispatch and appends one message; prints {@code OPENED}, then
 *       {@code APPENDED} or {@code APPEND-FAILED <message>}, and {@code DONE}.
 *   <li>{@code read DIR}: opens read-only; prints {@code OPENED} and the undelivered count.
 *   <li>{@code hold DIR}: opens, appends, prints {@code READY} and waits until killed.
 *   <li>{@code salvage DIR STEP}: opens a damaged spool and halts the JVM (as a SIGKILL would, without
 *       shutdown hooks) when the salvage reaches {@code STEP}, after printing {@code HALT STEP}.
 * </ul>
 *
 * <p>A spool that cannot be opened prints {@code FAILED <reason> <message>}. Every run first prints
 * {@code NATIVE <directory>} once the spool is open: where the native library was loaded from.
 */
public final class SpoolOpenChild {
  private SpoolOpenChild() {}

  /** Runs the child; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    String mode = args[0];
    Path dir = Path.of(args[1]);
    if (mode.equals("salvage")) {
      String halt = args[2];
      Quarantine.onStep(step -> {
        if (step.equals(halt)) {
          out.println("HALT " + step);
          out.flush();
          Runtime.getRuntime().halt(137);
        }
      });
    }
    SqliteSpool spool;
    try {
      spool = mode.equals("read") ? SqliteSpool.openReadOnly(dir) : SqliteSpool.open(dir);
    } catch (SpoolOpenException e) {
      out.println("FAILED " + e.reason() + " " + e.getMessage().replace('\n', ' '));
      out.flush();
      return;
    }
    out.println("NATIVE " + SqliteNativeLibrary.placedIn());
    out.println("OPENED");
    out.flush();
    if (mode.equals("read")) {
      out.println("UNDELIVERED " + spool.stats(Instant.now()).undeliveredCount());
      spool.close();
      return;
    }
    try {
      Message message = Message.builder().from("sender@example.com").to("rcpt@example.com").subject("child")
          .text("hello from the child").build();
      Instant now = Instant.now();
      spool.append(List.of(new Spool.NewEntry(IdempotencyKey.of("child-" + ProcessHandle.current().pid()),
          message.fingerprint(), message, now, now.plus(Duration.ofHours(1)), message.estimatedSizeBytes())),
          Spool.Limits.NONE);
      out.println("APPENDED");
    } catch (RuntimeException e) {
      out.println("APPEND-FAILED " + e.getMessage());
    }
    out.flush();
    if (mode.equals("hold")) {
      out.println("READY");
      out.flush();
      // Blocks until the parent kills this process (or closes its input).
      System.in.read();
    }
    spool.close();
    out.println("DONE");
    out.flush();
  }
}
