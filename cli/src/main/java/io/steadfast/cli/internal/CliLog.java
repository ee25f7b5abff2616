package io.steadfast.cli.internal;

import io.steadfast.ApiKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * Where every log line of the command line goes: one line each on the stderr of the current run, as
 * {@code LEVEL text} (or {@code <instant> LEVEL text} for the {@code dispatch} service, whose journal
 * wants the time), with control characters replaced so that no text forges a line, and every API key
 * the run uses redacted in all its forms. The libraries' SLF4J lines come here through
 * {@link CliLoggingProvider}, filtered by level (WARN and above; DEBUG and above with {@code --verbose});
 * the service log of {@code dispatch} writes its own lines here unfiltered.
 *
 * <p>A run configures it before its command executes; a JVM runs one command line at a time (the tests
 * run them one after the other). Thread-safe: lines from several threads never interleave.
 */
public final class CliLog {
  private static final Object LOCK = new Object();
  /** The keys to redact; a run adds the one it uses. */
  private static final List<ApiKey> KEYS = new CopyOnWriteArrayList<>();
  /** Guarded by {@link #LOCK}. */
  private static PrintWriter err = new PrintWriter(System.err, true);
  private static volatile boolean verbose;
  private static volatile @Nullable Clock clock;

  private CliLog() {}

  /** Starts a run: lines go to {@code err}, WARN and above, no time stamps, no keys known yet. */
  public static void start(PrintWriter err) {
    synchronized (LOCK) {
      CliLog.err = Objects.requireNonNull(err, "err");
    }
    verbose = false;
    clock = null;
    KEYS.clear();
  }

  /** With {@code true}, also prints DEBUG and INFO lines, and the stack trace of a failure. */
  public static void verbose(boolean verbose) {
    CliLog.verbose = verbose;
  }

  /** Returns whether {@code --verbose} was given. */
  public static boolean verbose() {
    return verbose;
  }

  /** Starts every line with the instant from {@code clock}, as a service log does. */
  public static void timestamps(Clock clock) {
    CliLog.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Redacts {@code key} from every line from now on, and from what {@link #redact(String)} returns. */
  public static void redact(ApiKey key) {
    KEYS.add(Objects.requireNonNull(key, "key"));
  }

  /** Returns {@code text} with every known API key redacted. */
  public static String redact(String text) {
    String result = text;
    for (ApiKey key : KEYS) {
      result = key.redact(result);
    }
    return result;
  }

  /** Returns whether library lines at {@code level} are printed. */
  static boolean enabled(Level level) {
    return level.toInt() >= (verbose ? Level.DEBUG : Level.WARN).toInt();
  }

  /**
   * Prints one line at {@code level}, whatever the threshold: {@code text}, then what {@code thrown} says
   * (its class and message, and with {@code --verbose} its stack trace on the following lines).
   */
  public static void line(Level level, String text, @Nullable Throwable thrown) {
    StringBuilder line = new StringBuilder();
    Clock stamps = clock;
    if (stamps != null) {
      line.append(Instant.now(stamps)).append(' ');
    }
    line.append(String.format(Locale.ROOT, "%-5s", level)).append(' ').append(oneLine(text));
    if (thrown != null) {
      line.append(" (").append(oneLine(describe(thrown))).append(')');
    }
    String printed = redact(line.toString());
    String trace = thrown != null && verbose ? redact(stackTrace(thrown)) : null;
    synchronized (LOCK) {
      err.println(printed);
      if (trace != null) {
        err.print(trace);
      }
      err.flush();
    }
  }

  /** Returns the class and message of {@code thrown} and of its innermost cause, if that says more. */
  private static String describe(Throwable thrown) {
    Throwable root = thrown;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 16; depth++) {
      root = root.getCause();
    }
    String text = thrown.getClass().getSimpleName() + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage());
    if (root != thrown && root.getMessage() != null && !text.contains(root.getMessage())) {
      text += "; caused by " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
    return text;
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter trace = new StringWriter();
    try (PrintWriter writer = new PrintWriter(trace)) {
      thrown.printStackTrace(writer);
    }
    return trace.toString();
  }

  /** Replaces line breaks and other control characters with spaces: one event, one line. */
  private static String oneLine(String text) {
    @Nullable StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        if (out == null) {
          out = new StringBuilder(text);
        }
        out.setCharAt(i, ' ');
      }
    }
    return out == null ? text : out.toString();
  }
}
