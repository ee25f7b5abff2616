package io.steadfast.cli;

import io.steadfast.DeliveryUnknownException;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.InvalidMessageException;
import io.steadfast.PermanentException;
import io.steadfast.RetryableException;
import io.steadfast.cli.internal.CliLog;
import io.steadfast.spool.SpoolOpenException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

/**
 * Turns an exception a command did not handle itself into one line on stderr and an exit code, so that
 * scripts can tell what passes by itself (exit 3: spool in use, full or unwritable, an environment fault,
 * SparkPost unavailable) from what the user must change (exit 2) and what needs fixing first (exit 1).
 * Only an unexpected exception, a bug, prints its stack trace (every failure does with {@code --verbose}).
 * The line never holds the API key, in any form a server may have echoed it in.
 */
final class CommandFailures implements IExecutionExceptionHandler {

  /** What the user sees: the exit code and the line on stderr; {@code bug} adds the stack trace. */
  record Outcome(int exitCode, String message, boolean bug) {}

  @Override
  public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
    Outcome outcome = classify(e);
    // This line says what happened: the library's log lines about the same exception would only repeat it.
    CliLog.reported(e);
    PrintWriter err = commandLine.getErr();
    err.println(CliLog.redact(outcome.message()));
    if (outcome.bug() || CliLog.verbose()) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      err.print(CliLog.redact(trace.toString()));
    }
    err.flush();
    return outcome.exitCode();
  }

  /**
   * Returns the exit code and message for {@code e}, or for the first cause that says more (a spool
   * failure may arrive wrapped, e.g. in the writer's {@link IllegalStateException}); the table
   * {@code CommandFailuresTest} checks row by row.
   */
  static Outcome classify(Throwable e) {
    int depth = 0;
    for (Throwable cause = e; cause != null && depth < 16; cause = cause.getCause(), depth++) {
      Outcome known = known(cause);
      if (known != null) {
        return known;
      }
    }
    return new Outcome(Steadfast.PERMANENT, "steadfast failed unexpectedly (" + e
        + "); this is a bug, please report it with the stack trace below.", true);
  }

  private static @Nullable Outcome known(Throwable e) {
    if (e instanceof UsageException) {
      return new Outcome(Steadfast.USAGE, e.getMessage(), false);
    }
    if (e instanceof SpoolOpenException open) {
      return new Outcome(openExitCode(open), open.getMessage(), false);
    }
    if (e instanceof InvalidMessageException || e instanceof IdempotencyConflictException) {
      return new Outcome(Steadfast.USAGE, e.getMessage(), false);
    }
    if (e instanceof JacksonException json) {
      // JSON the user gave (a --message file read by whichever parser): broken, or a field of the wrong type.
      return new Outcome(Steadfast.USAGE, "Invalid JSON input: " + describe(json), false);
    }
    if (e instanceof DeliveryUnknownException) {
      return new Outcome(Steadfast.UNKNOWN, e.getMessage(), false);
    }
    // SpoolFullException and SpoolUnavailableException (disk full, file-size limit) among them.
    if (e instanceof RetryableException) {
      return new Outcome(Steadfast.RETRYABLE, e.getMessage(), false);
    }
    if (e instanceof PermanentException) {
      return new Outcome(Steadfast.PERMANENT, e.getMessage(), false);
    }
    if (e instanceof UncheckedIOException || e instanceof IOException) {
      // The spool's reads and writes fail as UncheckedIOException (its writer, once stopped, as an
      // IllegalStateException caused by one): disk full, a file-size limit, a vanished or unreadable
      // file. Nothing of that is the user's input, and it may pass, so exit 3 and say what to check.
      return new Outcome(Steadfast.RETRYABLE, "A file could not be read or written (" + describe(e)
          + "). Check free disk space, the file-size limit (ulimit -f) and the permissions of the spool directory, "
          + "then run the command again.", false);
    }
    return null;
  }

  private static int openExitCode(SpoolOpenException open) {
    if (open.retryable()) {
      return Steadfast.RETRYABLE;
    }
    // NEWER_SCHEMA: upgrade Steadfast or pick another directory; UNSAFE_FILES: chown, chmod or another
    // directory; changes the user makes. DAMAGED and DAMAGED_NOT_MOVED: acknowledged mail needs an
    // operator (drain salvages, or room must be made).
    return open.reason() == SpoolOpenException.Reason.NEWER_SCHEMA
        || open.reason() == SpoolOpenException.Reason.UNSAFE_FILES ? Steadfast.USAGE : Steadfast.PERMANENT;
  }

  /**
   * Returns one line saying what is wrong with some JSON and where: the field's path as Jackson tracked
   * it ({@code recipients[0].address}), its message, and the line and column.
   */
  static String describe(JacksonException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    StringBuilder line = new StringBuilder();
    if (path.length() > 0) {
      line.append("field '").append(path).append("': ");
    }
    line.append(message.replaceAll("\\p{Cntrl}+", " ").strip());
    TokenStreamLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      line.append(" (line ").append(location.getLineNr()).append(", column ").append(location.getColumnNr())
          .append(')');
    }
    return line.toString();
  }

  private static String describe(Throwable io) {
    Throwable shown = io instanceof UncheckedIOException && io.getCause() != null ? io.getCause() : io;
    String text = shown.getMessage();
    return text == null || text.isBlank() ? shown.getClass().getSimpleName() : text.strip();
  }
}
