package io.steadfast.cli.internal;

import io.steadfast.ApiKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * Where every log line of the command line goes: one line each on the stderr of the current run, as
 * {@code LEVEL text} (or {@code <instant> LEVEL text} for the {@code dispatch} service, whose journal
 * wants the time), with control characters replaced so that no text forges a line, and every API key
 * the run uses redacted in all its forms. The SLF4J lines come here through {@link CliLoggingProvider}:
 * Steadfast's own at WARN and above; with {@code --verbose} every logger's (third-party libraries too:
 * sqlite-jdbc logs an ERROR for a native-library fallback that then works) at DEBUG and above, with stack
 * traces. The service log of {@code dispatch} writes its own lines here unfiltered.
 *
 * <p>A failure is one line: a short command ({@code submit}, {@code send}, ...) holds back the log lines
 * that carry an exception until it ends, and drops those whose exception is part of the failure the
 * command reports ({@link #reported}), which already says what happened; the rest are printed when it
 * ends. A long-running command goes {@link #live()} and prints every line at once.
 *
 * <p>A run configures it before its command executes; a JVM runs one command line at a time (the tests
 * run them one after the other). Thread-safe: lines from several threads never interleave.
 */
public final class CliLog {
  private static final Object LOCK = new Object();
  /** The keys to redact; a run adds the one it uses. */
  private static final List<ApiKey> KEYS = new CopyOnWriteArrayList<>();
  /** Loggers whose lines another log of the run already gives, shown only with {@code --verbose}. */
  private static final Set<String> COVERED = ConcurrentHashMap.newKeySet();
  /** The lines with an exception held back until the command ends. Guarded by {@link #LOCK}. */
  private static final List<Held> HELD = new ArrayList<>();
  /** Guarded by {@link #LOCK}. */
  private static PrintWriter err = new PrintWriter(System.err, true);
  /** Guarded by {@link #LOCK}. */
  private static boolean holding;
  private static volatile boolean verbose;
  private static volatile boolean quiet;
  private static volatile @Nullable Clock clock;

  private record Held(String line, Throwable thrown) {}

  private CliLog() {}

  /** Starts a run: lines go to {@code err}, Steadfast's WARN and above, held back, no keys known yet. */
  public static void start(PrintWriter err) {
    synchronized (LOCK) {
      CliLog.err = Objects.requireNonNull(err, "err");
      HELD.clear();
      holding = true;
    }
    verbose = false;
    quiet = false;
    clock = null;
    KEYS.clear();
    COVERED.clear();
  }

  /** Ends a run: prints the lines still held back, and forgets {@code --verbose} and the time stamps. */
  public static void finish() {
    live();
    verbose = false;
    clock = null;
  }

  /** Prints the lines held back and every later line at once: for a command that runs for long. */
  public static void live() {
    synchronized (LOCK) {
      holding = false;
      for (Held held : HELD) {
        err.println(held.line());
      }
      HELD.clear();
      err.flush();
    }
  }

  /** Drops the lines held back whose exception is part of {@code failure}, which the command reports. */
  public static void reported(Throwable failure) {
    Set<Throwable> chain = chain(failure);
    synchronized (LOCK) {
      HELD.removeIf(held -> !Collections.disjoint(chain, chain(held.thrown())));
    }
  }

  /** With {@code true}, prints every logger's DEBUG lines and up, and the stack traces of failures. */
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

  /**
   * Hides the lines of the logger {@code name} unless {@code --verbose} is given, because the run reports
   * the same events its own way (the service log of {@code dispatch} and circuit changes).
   */
  public static void covered(String name) {
    COVERED.add(Objects.requireNonNull(name, "name"));
  }

  /**
   * Hides every logger's lines unless {@code --verbose} is given: for a command that tells its own
   * story, such as the outage demo, whose outage and killed dispatcher make the library warn on purpose.
   */
  public static void quiet() {
    quiet = true;
  }

  /** Returns whether the lines at {@code level} of the logger {@code name} are printed. */
  static boolean enabled(String name, Level level) {
    if (verbose) {
      return level.toInt() >= Level.DEBUG.toInt();
    }
    return !quiet && level.toInt() >= Level.WARN.toInt() && name.startsWith("io.steadfast.")
        && !COVERED.contains(name);
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
      if (thrown != null && holding && !verbose) {
        HELD.add(new Held(printed, thrown));
        return;
      }
      err.println(printed);
      if (trace != null) {
        err.print(trace);
      }
      err.flush();
    }
  }

  private static Set<Throwable> chain(Throwable thrown) {
    Set<Throwable> chain = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = thrown; t != null && chain.add(t); t = t.getCause()) {
      for (Throwable suppressed : t.getSuppressed()) {
        chain.add(suppressed);
      }
    }
    return chain;
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
