package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.steadfast.ApiKey;
import io.steadfast.IdempotencyKey;
import io.steadfast.internal.Outcomes;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The API key never reaches a log line (SLF4J at DEBUG, and Angus Mail's own java.util.logging
 * output at FINEST, protocol trace included), a failure, an exception message or a {@code toString()},
 * whatever happens to the attempt.
 */
class ApiKeyCanaryTest {
  private static final String CANARY = "sk-canary-7f3a9c2e5b1d4086";
  private static final String CANARY_BASE64 =
      Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8));

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<LogRecord> julRecords = new CopyOnWriteArrayList<>();
  private final Handler julHandler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      julRecords.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final java.util.logging.Logger angusLogger = java.util.logging.Logger.getLogger("org.eclipse.angus.mail");
  private java.util.logging.Level angusLevel;
  private Level rootLevel;
  private ScriptedSmtpServer server;

  @BeforeEach
  void captureLogs() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    root.setLevel(Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    angusLevel = angusLogger.getLevel();
    angusLogger.setLevel(java.util.logging.Level.ALL);
    julHandler.setLevel(java.util.logging.Level.ALL);
    angusLogger.addHandler(julHandler);
    server = ScriptedSmtpServer.start();
  }

  @AfterEach
  void restoreLogs() {
    server.close();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(logs);
    root.setLevel(rootLevel);
    angusLogger.removeHandler(julHandler);
    angusLogger.setLevel(angusLevel);
  }

  @Test
  void keepsTheKeyOutOfLogsFailuresExceptionsAndToString() {
    List<String> texts = new ArrayList<>();

    texts.addAll(attempt(server -> { }, Fixtures.Mode.SYNC));
    texts.addAll(attempt(server -> server.on(SmtpPhase.AUTH,
        SmtpAction.reply("535 5.7.8 Authentication failed for " + CANARY + " / " + CANARY_BASE64)), Fixtures.Mode.SYNC));
    texts.addAll(attempt(server -> server.on(SmtpPhase.MAIL, SmtpAction.reply("550 5.7.1 key " + CANARY)),
        Fixtures.Mode.ASYNC));
    texts.addAll(attempt(server -> server.offerStartTls(false), Fixtures.Mode.ASYNC));
    texts.addAll(attempt(server -> server.on(SmtpPhase.END_OF_DATA, SmtpAction.drop()), Fixtures.Mode.SYNC));
    texts.addAll(attempt(server -> server.on(SmtpPhase.RCPT, SmtpAction.stall()), Fixtures.Mode.ASYNC));

    texts.addAll(logText());
    assertThat(logs.list).isNotEmpty();
    assertThat(julRecords).as("Angus Mail logged at FINEST, so the check below means something").isNotEmpty();
    assertThat(server.sessions()).anySatisfy(session -> assertThat(session.authPassword()).isEqualTo(CANARY));
    assertThat(texts).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(CANARY, CANARY_BASE64));
  }

  private List<String> attempt(Consumer<ScriptedSmtpServer> script, Fixtures.Mode mode) {
    server.reset().offerStartTls(true);
    script.accept(server);
    List<String> texts = new ArrayList<>();
    SmtpTransport.Builder builder = Fixtures.transport(server.host(), server.port())
        .apiKey(ApiKey.of(CANARY))
        .readTimeout(Duration.ofMillis(1200));
    texts.add(builder.toString());
    try (SmtpTransport transport = builder.build()) {
      texts.add(transport.toString());
      Outcome outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
      texts.add(outcome.toString());
      if (!(outcome instanceof Outcome.Accepted)) {
        Failure failure = failure(outcome);
        texts.add(failure.summary());
        texts.add(String.valueOf(failure.providerMessage()));
        for (Throwable t = failure.cause(); t != null; t = t.getCause()) {
          texts.add(t.toString());
        }
        Exception exception = Outcomes.exception(outcome, IdempotencyKey.of("canary-key"), transport.route(), 1);
        texts.add(exception.getMessage());
        texts.add(exception.toString());
      }
    }
    return texts;
  }

  private List<String> logText() {
    List<String> texts = new ArrayList<>();
    for (ILoggingEvent event : logs.list) {
      texts.add(event.getFormattedMessage());
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        texts.add(t.getClassName() + ": " + t.getMessage());
        for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
          texts.add(frame.getSTEAsString());
        }
      }
    }
    java.util.logging.SimpleFormatter formatter = new java.util.logging.SimpleFormatter();
    for (LogRecord record : julRecords) {
      texts.add(formatter.format(record));
    }
    return texts;
  }

  private static Failure failure(Outcome outcome) {
    if (outcome instanceof Outcome.NotSent notSent) {
      return notSent.failure();
    }
    if (outcome instanceof Outcome.Rejected rejected) {
      return rejected.failure();
    }
    return ((Outcome.Unknown) outcome).failure();
  }
}
