package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #23 item 3: the read timeout is per read, so every attempt also has a deadline (callTimeout)
 * and every reply a size and line limit. Each deadline here is short (2 s) with a read timeout far
 * longer (30 s), so only the deadline can end the attempt; the assertions are about the outcome and
 * what the server saw, never about elapsed time. Without the deadline these tests hang until the
 * class timeout fails them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AttemptDeadlineTest {
  private static final Duration DEADLINE = Duration.ofSeconds(2);
  private static final Duration LONG_READ_TIMEOUT = Duration.ofSeconds(30);

  private static SmtpTransport.Builder transport(String host, int port) {
    return Fixtures.transport(host, port).readTimeout(LONG_READ_TIMEOUT).callTimeout(DEADLINE);
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void endsAnAttemptWhoseGreetingNeverEndsAtTheDeadline(Fixtures.Mode mode) throws InterruptedException {
    Outcome outcome;
    try (EndlessGreetingServer server = EndlessGreetingServer.dripping(Duration.ofMillis(100));
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitClosedByClient(Duration.ofMinutes(2))).as("the client closed the connection").isTrue();
      assertThat(server.received()).as("nothing was said to a server that never finished greeting").isEmpty();
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> {
      assertThat(notSent.reason()).isEqualTo(Outcome.NotSent.Reason.UNAVAILABLE);
      assertThat(notSent.failure().summary())
          .startsWith("the greeting with 127.0.0.1:")
          .contains("did not finish within the attempt's deadline of 2 s (callTimeout)")
          .contains("nothing was sent");
    });
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void disconnectsAServerWhoseGreetingExceedsTheLineLimitBeforeTheDeadline(Fixtures.Mode mode)
      throws InterruptedException {
    Outcome outcome;
    try (EndlessGreetingServer server = EndlessGreetingServer.flooding();
        SmtpTransport transport = Fixtures.transport(server.host(), server.port())
            .readTimeout(LONG_READ_TIMEOUT).callTimeout(Duration.ofMinutes(5)).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitClosedByClient(Duration.ofMinutes(2))).isTrue();
    }

    // The deadline is five minutes away: only the line limit can have ended this within the test's timeout.
    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> assertThat(notSent.failure().summary())
        .startsWith("the greeting from 127.0.0.1:")
        .contains("exceeded 100 lines, more than any SMTP server sends, so the connection was closed")
        .doesNotContain("deadline"));
  }

  @Test
  void disconnectsAServerWhoseGreetingLineNeverEndsAtTheSizeLimit() throws InterruptedException {
    Outcome outcome;
    try (EndlessGreetingServer server = EndlessGreetingServer.endlessLine();
        SmtpTransport transport = Fixtures.transport(server.host(), server.port())
            .readTimeout(LONG_READ_TIMEOUT).callTimeout(Duration.ofMinutes(5)).build()) {
      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitClosedByClient(Duration.ofMinutes(2))).isTrue();
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent ->
        assertThat(notSent.failure().summary()).contains("the greeting from 127.0.0.1:").contains("exceeded 65536 bytes"));
  }

  @Test
  void limitsRepliesInsideTlsToo() throws InterruptedException {
    Outcome outcome;
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      server.on(SmtpPhase.MAIL, SmtpAction.reply(multiLineReply(250, 101)));

      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitOpenConnections(0, Duration.ofMinutes(2))).isTrue();
      assertThat(server.messages()).isEmpty();
      assertThat(server.sessions()).singleElement().satisfies(session -> {
        assertThat(session.tls()).isTrue();
        assertThat(session.commands()).noneMatch(command -> command.startsWith("RCPT"));
      });
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> assertThat(notSent.failure().summary())
        .startsWith("the reply to MAIL FROM from 127.0.0.1:").contains("exceeded 100 lines"));
  }

  @Test
  void acceptsAReplyOfExactlyTheLineLimit() {
    Outcome outcome;
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      server.on(SmtpPhase.MAIL, SmtpAction.reply(multiLineReply(250, 100)));

      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void aRecipientThatIsNeverAnsweredIsNotSentAtTheDeadline(Fixtures.Mode mode) throws InterruptedException {
    Outcome outcome;
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      server.on(SmtpPhase.RCPT, SmtpAction.stall());

      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitOpenConnections(0, Duration.ofMinutes(2))).as("the client closed the connection").isTrue();
      assertThat(server.messages()).isEmpty();
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> assertThat(notSent.failure().summary())
        .startsWith("RCPT TO with 127.0.0.1:").contains("did not finish within the attempt's deadline of 2 s"));
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void theEndOfDataThatIsNeverAnsweredIsUnknownAtTheDeadline(Fixtures.Mode mode) throws InterruptedException {
    Outcome outcome;
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      server.on(SmtpPhase.END_OF_DATA, SmtpAction.stall());

      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(server.awaitOpenConnections(0, Duration.ofMinutes(2))).as("the client closed the connection").isTrue();
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Unknown.class, unknown -> assertThat(unknown.failure().summary())
        .startsWith("no reply to the end of DATA from 127.0.0.1:")
        .contains("within the attempt's deadline of 2 s")
        .endsWith("SparkPost may have accepted the message"));
  }

  @Test
  void aConnectionThatMetItsDeadlineIsNotReused() throws InterruptedException {
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = transport(server.host(), server.port()).build()) {
      server.enqueue(SmtpPhase.RCPT, SmtpAction.stall());
      Outcome stalled = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage(), "first"));

      Outcome next = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage(), "second"));

      assertThat(stalled).isInstanceOf(Outcome.NotSent.class);
      assertThat(next).isInstanceOf(Outcome.Accepted.class);
      assertThat(server.connectionCount()).isEqualTo(2);
      assertThat(server.awaitMessages(1, Duration.ofMinutes(2))).as("the second send recorded").isTrue();
      assertThat(server.messages()).singleElement();
    }
  }

  /** Returns a reply of {@code lines} lines, the last one ending it. */
  private static String multiLineReply(int code, int lines) {
    return IntStream.rangeClosed(1, lines)
        .mapToObj(i -> code + (i < lines ? "-" : " ") + "line " + i)
        .collect(Collectors.joining("\n"));
  }
}
