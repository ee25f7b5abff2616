package io.steadfast.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** What reaches stderr through SLF4J: the lines, their levels, the held-back failures and the redaction. */
class CliLogTest {
  private static final Logger steadfast = LoggerFactory.getLogger("io.steadfast.internal.Example");
  private static final Logger thirdParty = LoggerFactory.getLogger("org.sqlite.SQLiteJDBCLoader");

  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() {
    CliLog.start(new PrintWriter(err, true));
  }

  @AfterEach
  void finish() {
    CliLog.finish();
  }

  @Test
  void printsSteadfastsWarningsOnOneLineEachAndNothingBelowOrFromOthers() {
    steadfast.warn("Spool directory {} is readable by others\nforged line", "/s");
    steadfast.info("Spool opened");
    steadfast.debug("attempt 1");
    thirdParty.error("Failed to load native library through System.loadLibrary");

    assertThat(err.toString()).isEqualTo("WARN  Spool directory /s is readable by others forged line"
        + System.lineSeparator());
  }

  @Test
  void verbosePrintsEveryLoggerFromDebugWithStackTraces() {
    CliLog.verbose(true);

    steadfast.debug("attempt {}", 1);
    thirdParty.info("loaded");
    steadfast.warn("listener failed", new IllegalStateException("boom"));

    assertThat(err.toString()).contains("DEBUG attempt 1").contains("INFO  loaded")
        .contains("WARN  listener failed (IllegalStateException: boom)").contains("\tat ");
  }

  @Test
  void aLoggedFailureTheCommandReportsIsDroppedAndOthersArePrintedAtTheEnd() {
    IOException disk = new IOException("disk I/O error");
    steadfast.error("Spool commit failed", disk);
    steadfast.warn("A listener failed", new IllegalStateException("unrelated"));
    assertThat(err.toString()).as("held back while the command runs").isEmpty();

    CliLog.reported(new UncheckedIOException("the spool could not commit", disk));
    CliLog.finish();

    assertThat(err.toString()).isEqualTo("WARN  A listener failed (IllegalStateException: unrelated)"
        + System.lineSeparator());
  }

  @Test
  void redactsTheRunsKeyInEveryFormFromEveryLine() {
    CliLog.redact(ApiKey.of("sk-Canary+/Key=1"));
    CliLog.live();

    steadfast.warn("server said {}", "SK-CANARY%2B%2FKEY%3D1", new IllegalStateException("key sk-Canary+/Key=1"));
    CliLog.line(Level.ERROR, "echo sk-canary+/key=1", null);

    assertThat(err.toString()).isEqualTo("WARN  server said [redacted] (IllegalStateException: key [redacted])"
        + System.lineSeparator() + "ERROR echo [redacted]" + System.lineSeparator());
  }
}
