package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.Message;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.RecordedSmtpSession;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reply code at every phase, through a scripted server, on the sync and the async path: what
 * the transport reports must match where the failure happened (DESIGN.md, "Outcome classification").
 */
class ReplyClassificationTest {

  /** Short, so stalls end quickly; loopback replies take microseconds. */
  /** Short, so rows where the server stalls end quickly. */
  private static final Duration READ_TIMEOUT = Duration.ofMillis(1200);
  /** Generous, so rows that expect a reply never mistake a slow, loaded machine for a stall. */
  private static final Duration PATIENT_READ_TIMEOUT = Duration.ofSeconds(20);

  private ScriptedSmtpServer server;

  @BeforeEach
  void start() {
    server = ScriptedSmtpServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  enum Kind { NOT_SENT, REJECTED_MESSAGE, REJECTED_AUTHENTICATION, UNKNOWN }

  /** One row: what the server does at a phase, and what the transport must report. */
  record Row(SmtpPhase phase, SmtpAction action, Kind expected, @Nullable Integer statusCode,
      @Nullable String providerCode) {
    @Override
    public String toString() {
      return phase + " " + action + " -> " + expected;
    }
  }

  static List<Row> rows() {
    return List.of(
        new Row(SmtpPhase.GREETING, SmtpAction.reply("421 4.3.2 Service not available"), Kind.NOT_SENT, 421, "4.3.2"),
        new Row(SmtpPhase.GREETING, SmtpAction.reply("554 5.3.2 No SMTP service here"), Kind.REJECTED_MESSAGE, 554,
            "5.3.2"),
        new Row(SmtpPhase.GREETING, SmtpAction.stall(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.GREETING, SmtpAction.drop(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.EHLO, SmtpAction.reply("421 4.7.0 Try again later"), Kind.NOT_SENT, 421, "4.7.0"),
        new Row(SmtpPhase.EHLO, SmtpAction.reply("550 5.7.1 Access denied"), Kind.REJECTED_MESSAGE, 550, "5.7.1"),
        new Row(SmtpPhase.STARTTLS, SmtpAction.reply("454 4.7.0 TLS not available due to temporary reason"),
            Kind.NOT_SENT, 454, "4.7.0"),
        new Row(SmtpPhase.STARTTLS, SmtpAction.reply("502 5.5.1 Not implemented"), Kind.REJECTED_AUTHENTICATION, 502,
            "5.5.1"),
        new Row(SmtpPhase.STARTTLS, SmtpAction.drop(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.AUTH, SmtpAction.reply("535 5.7.8 Sorry. *** No authentication type succeeded"),
            Kind.REJECTED_AUTHENTICATION, 535, "5.7.8"),
        new Row(SmtpPhase.AUTH, SmtpAction.reply("454 4.7.0 Temporary authentication failure"), Kind.NOT_SENT, 454,
            "4.7.0"),
        new Row(SmtpPhase.AUTH, SmtpAction.stall(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.MAIL, SmtpAction.reply("451 4.3.0 Try again later"), Kind.NOT_SENT, 451, "4.3.0"),
        new Row(SmtpPhase.MAIL, SmtpAction.reply("421 4.4.2 Connection dropped"), Kind.NOT_SENT, 421, "4.4.2"),
        new Row(SmtpPhase.MAIL, SmtpAction.reply("550 5.7.1 Unconfigured Sending Domain <shop.example>"),
            Kind.REJECTED_MESSAGE, 550, "5.7.1"),
        new Row(SmtpPhase.MAIL, SmtpAction.drop(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.RCPT, SmtpAction.reply("452 4.5.3 Too many recipients"), Kind.NOT_SENT, 452, "4.5.3"),
        new Row(SmtpPhase.RCPT, SmtpAction.reply("450 4.2.1 Mailbox busy"), Kind.NOT_SENT, 450, "4.2.1"),
        new Row(SmtpPhase.RCPT, SmtpAction.reply("550 5.7.1 Relaying denied"), Kind.REJECTED_MESSAGE, 550, "5.7.1"),
        new Row(SmtpPhase.RCPT, SmtpAction.stall(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.DATA, SmtpAction.reply("451 4.3.0 Try again later"), Kind.NOT_SENT, 451, "4.3.0"),
        new Row(SmtpPhase.DATA, SmtpAction.reply("554 5.5.1 No valid recipients"), Kind.REJECTED_MESSAGE, 554,
            "5.5.1"),
        new Row(SmtpPhase.DATA, SmtpAction.drop(), Kind.NOT_SENT, null, null),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.reply("451 4.3.0 Queue write error"), Kind.NOT_SENT, 451, "4.3.0"),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.reply("421 4.3.2 Shutting down"), Kind.NOT_SENT, 421, "4.3.2"),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.reply("550 5.6.0 JSON parsing error in X-MSYS-API"),
            Kind.REJECTED_MESSAGE, 550, "5.6.0"),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.reply("550 5.7.1 Unconfigured Sending Domain <shop.example>"),
            Kind.REJECTED_MESSAGE, 550, "5.7.1"),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.reply("554 Transaction failed"), Kind.REJECTED_MESSAGE, 554, null),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.drop(), Kind.UNKNOWN, null, null),
        new Row(SmtpPhase.END_OF_DATA, SmtpAction.stall(), Kind.UNKNOWN, null, null));
  }

  static Stream<Arguments> rowsInBothModes() {
    List<Arguments> arguments = new ArrayList<>();
    for (Row row : rows()) {
      for (Fixtures.Mode mode : Fixtures.Mode.values()) {
        arguments.add(Arguments.of(row, mode));
      }
    }
    return arguments.stream();
  }

  @ParameterizedTest(name = "[{1}] {0}")
  @MethodSource("rowsInBothModes")
  void classifiesEveryReplyAtEveryPhase(Row row, Fixtures.Mode mode) {
    server.on(row.phase(), row.action());

    Outcome outcome;
    boolean stalls = row.action().toString().equals("stall");
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port())
        .readTimeout(stalls ? READ_TIMEOUT : PATIENT_READ_TIMEOUT).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(kind(outcome)).isEqualTo(row.expected());
    Failure failure = failure(outcome);
    assertThat(failure.statusCode()).isEqualTo(row.statusCode());
    assertThat(failure.providerCode()).isEqualTo(row.providerCode());
    if (row.expected() == Kind.UNKNOWN) {
      assertThat(failure.summary()).contains("end of DATA").contains("may have accepted");
    }
    if (row.expected() != Kind.UNKNOWN) {
      assertThat(server.messages()).isEmpty();
    }
    assertThat(server.sessions()).allSatisfy(session -> assertThat(session.authBeforeTls()).isFalse());
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void reportsConnectionRefusedAsNotSent(Fixtures.Mode mode) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      closedPort = socket.getLocalPort();
    }

    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport("127.0.0.1", closedPort).readTimeout(READ_TIMEOUT).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> {
      assertThat(notSent.reason()).isEqualTo(Outcome.NotSent.Reason.UNAVAILABLE);
      assertThat(notSent.failure().summary()).startsWith("could not connect to 127.0.0.1:" + closedPort);
      assertThat(notSent.failure().statusCode()).isNull();
    });
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void acceptsWithRejectedCountWhenSomeRecipientsAreRefused(Fixtures.Mode mode) {
    server.onRecipient("nobody@example.com", SmtpAction.reply("550 5.1.1 No such user"));
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com")
        .cc("nobody@example.com")
        .subject("Partial")
        .text("Hello")
        .build();

    Outcome outcome;
    try (SmtpTransport transport = transport()) {
      outcome = mode.deliver(transport, Fixtures.delivery(message));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Accepted.class, accepted -> {
      assertThat(accepted.acceptedRecipients()).isEqualTo(1);
      assertThat(accepted.rejectedRecipients()).isEqualTo(1);
    });
    assertThat(server.messages()).singleElement()
        .satisfies(m -> assertThat(m.recipients()).containsExactly("alice@example.com"));
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void abortsTheTransactionWhenOneRecipientGetsATransientReply(Fixtures.Mode mode) {
    server.onRecipient("busy@example.com", SmtpAction.reply("450 4.2.1 Mailbox busy, try later"));
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com")
        .bcc("busy@example.com")
        .subject("Transient")
        .text("Hello")
        .build();

    Outcome outcome;
    try (SmtpTransport transport = transport()) {
      outcome = mode.deliver(transport, Fixtures.delivery(message));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class,
        notSent -> assertThat(notSent.failure().statusCode()).isEqualTo(450));
    RecordedSmtpSession session = server.sessions().get(0);
    assertThat(session.count("DATA")).isZero();
    assertThat(session.count("RSET")).isEqualTo(1);
    assertThat(server.messages()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void usesTheQueueIdOfTheReplyAsTransmissionId(Fixtures.Mode mode) {
    Outcome outcome;
    try (SmtpTransport transport = transport()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    String queueId = server.messages().get(0).queueId();
    assertThat(outcome).isEqualTo(new Outcome.Accepted(queueId, 1, 0, null));
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void usesTheMessageIdAsTransmissionIdWhenTheReplyNamesNoQueueId(Fixtures.Mode mode) {
    server.on(SmtpPhase.END_OF_DATA, SmtpAction.reply("250 2.0.0 Ok"));

    Outcome outcome;
    try (SmtpTransport transport = transport()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage(), "key-7"));
    }

    assertThat(outcome).isEqualTo(new Outcome.Accepted("<key-7@shop.example>", 1, 0, null));
    assertThat(server.messages().get(0).header("Message-ID")).isEqualTo("<key-7@shop.example>");
  }

  /** For rows where the server answers: a loaded machine's slow reply must not read as a stall. */
  private SmtpTransport transport() {
    return Fixtures.transport(server.host(), server.port()).readTimeout(PATIENT_READ_TIMEOUT).build();
  }

  private static Kind kind(Outcome outcome) {
    if (outcome instanceof Outcome.NotSent notSent) {
      assertThat(notSent.reason()).isEqualTo(Outcome.NotSent.Reason.UNAVAILABLE);
      return Kind.NOT_SENT;
    }
    if (outcome instanceof Outcome.Rejected rejected) {
      return rejected.reason() == Outcome.Rejected.Reason.AUTHENTICATION
          ? Kind.REJECTED_AUTHENTICATION : Kind.REJECTED_MESSAGE;
    }
    if (outcome instanceof Outcome.Unknown) {
      return Kind.UNKNOWN;
    }
    throw new AssertionError("expected a failure but was " + outcome);
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
