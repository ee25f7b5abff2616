package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.DeliveryUnknownException;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.SpoolFullException;
import io.steadfast.SpoolUnavailableException;
import io.steadfast.spi.Failure;
import io.steadfast.spool.SpoolOpenException;
import io.steadfast.spool.SpoolOpenException.Reason;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every row of the exit-code table: what passes by itself exits 3, what the user must change exits 2,
 * what needs fixing first exits 1; each is one line on stderr, and only a bug prints a stack trace.
 */
class CommandFailuresTest {

  /** The failure, its exit code, and words of its cause that the line on stderr must keep. */
  static Stream<Arguments> failures() {
    IOException disk = new IOException("[SQLITE_FULL] database or disk is full");
    return Stream.of(
        Arguments.of(new UsageException("No spool directory: pass --spool DIR"), Steadfast.USAGE, "pass --spool DIR"),
        Arguments.of(new SpoolOpenException(Reason.IN_USE, "Spool directory /s is in use by another process"),
            Steadfast.RETRYABLE, "in use by another process"),
        Arguments.of(new SpoolOpenException(Reason.ENVIRONMENT, "SQLite's native library could not be loaded"),
            Steadfast.RETRYABLE, "native library"),
        Arguments.of(new SpoolOpenException(Reason.NEWER_SCHEMA, "written by a newer Steadfast"), Steadfast.USAGE,
            "newer Steadfast"),
        Arguments.of(new SpoolOpenException(Reason.UNSAFE_FILES, "/s/spool.db is owned by nobody"), Steadfast.USAGE,
            "owned by nobody"),
        Arguments.of(new SpoolOpenException(Reason.DAMAGED, "The spool database is damaged"), Steadfast.PERMANENT,
            "is damaged"),
        Arguments.of(new SpoolOpenException(Reason.DAMAGED_NOT_MOVED, "damaged and could not be salvaged"),
            Steadfast.PERMANENT, "could not be salvaged"),
        Arguments.of(new SpoolFullException("100000 undelivered entries, limit 100000"), Steadfast.RETRYABLE,
            "limit 100000"),
        Arguments.of(new SpoolUnavailableException(new UncheckedIOException(disk)), Steadfast.RETRYABLE,
            "disk is full"),
        Arguments.of(new UncheckedIOException("spool operation failed", disk), Steadfast.RETRYABLE, "disk is full"),
        Arguments.of(new IllegalStateException("the spool writer stopped after an error",
            new UncheckedIOException(disk)), Steadfast.RETRYABLE, "disk is full"),
        Arguments.of(new IOException("No space left on device"), Steadfast.RETRYABLE, "No space left"),
        Arguments.of(new ProviderUnavailableException(Failure.of("HTTP 503", null), "rest-us", 3, null, null),
            Steadfast.RETRYABLE, "HTTP 503"),
        Arguments.of(new DeliveryUnknownException(Failure.of("read timed out", null), "rest-us", 1, null),
            Steadfast.UNKNOWN, "read timed out"),
        Arguments.of(new AuthenticationFailedException(Failure.of("HTTP 401", null), "rest-us", 1, null),
            Steadfast.PERMANENT, "HTTP 401"),
        Arguments.of(new InvalidMessageException(List.of(new InvalidMessageException.Violation("from", "missing"))),
            Steadfast.USAGE, "missing"),
        Arguments.of(new IdempotencyConflictException(IdempotencyKey.of("k-1")), Steadfast.USAGE, "already used"),
        Arguments.of(jsonFailure("{\"to\": [\"a@example.com\", "), Steadfast.USAGE, "Unexpected end-of-input"),
        Arguments.of(jsonFailure("{\"recipients\": [{\"address\": {\"email\": 42}}]}"), Steadfast.USAGE,
            "field 'recipients[0].address.email'"));
  }

  /** What Jackson throws reading {@code json} as a transmission-like record: broken, or a field of the wrong type. */
  private static Exception jsonFailure(String json) {
    try {
      JsonMapper.builder().build().readValue(json, Transmission.class);
    } catch (JacksonException e) {
      return e;
    }
    throw new AssertionError("no failure for " + json);
  }

  record Transmission(List<Recipient> recipients) {}

  record Recipient(Address address) {}

  record Address(Map<String, String> email) {}

  @ParameterizedTest
  @MethodSource("failures")
  void mapsEachKnownFailureToOneLineAndItsExitCode(Exception failure, int expected, String words) {
    StringWriter err = new StringWriter();

    int code = run(failure, err);

    assertThat(code).as("%s", failure).isEqualTo(expected);
    assertThat(err.toString()).as("%s", failure).hasLineCount(1).contains(words).doesNotContain("\tat ")
        .doesNotContain(failure.getClass().getName());
  }

  static Stream<Exception> bareIoFailures() {
    IOException disk = new IOException("[SQLITE_IOERR_WRITE] disk I/O error");
    return Stream.of(new UncheckedIOException("spool operation failed", disk),
        new IllegalStateException("the spool writer stopped after an error", new UncheckedIOException(disk)),
        new IOException("No space left on device"));
  }

  @ParameterizedTest
  @MethodSource("bareIoFailures")
  void aBareIoFailureSaysWhatToCheck(Exception failure) {
    StringWriter err = new StringWriter();

    int code = run(failure, err);

    assertThat(code).isEqualTo(Steadfast.RETRYABLE);
    assertThat(err.toString()).as("%s", failure).hasLineCount(1).contains("free disk space").contains("ulimit -f")
        .contains("run the command again");
  }

  @Test
  void anUnexpectedExceptionIsABugAndKeepsItsStackTrace() {
    StringWriter err = new StringWriter();

    int code = run(new NullPointerException("subject"), err);

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(err.toString()).contains("this is a bug").contains("\tat ");
  }

  /** Runs a command that throws {@code failure} through the handler {@link Steadfast#run} installs. */
  private static int run(Exception failure, StringWriter err) {
    CommandLine commandLine = new CommandLine(new Throwing(failure));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setOut(new PrintWriter(new StringWriter(), true));
    commandLine.setExecutionExceptionHandler(new CommandFailures());
    return commandLine.execute();
  }

  @Command(name = "throwing")
  static final class Throwing implements java.util.concurrent.Callable<Integer> {
    private final Exception failure;

    Throwing(Exception failure) {
      this.failure = failure;
    }

    @Override
    public Integer call() throws Exception {
      throw failure;
    }
  }
}
