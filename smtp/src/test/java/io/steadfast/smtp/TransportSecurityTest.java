package io.steadfast.smtp;

import io.steadfast.testing.FakeClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.RecordedSmtpSession;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import io.steadfast.testing.smtp.TestCertificates;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** STARTTLS is required, the server is verified, and the key is only ever sent inside TLS. */
class TransportSecurityTest {

  private ScriptedSmtpServer server;

  @BeforeEach
  void start() {
    server = ScriptedSmtpServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void sendsNoCredentialsToAServerWithoutStartTls(Fixtures.Mode mode) {
    server.offerStartTls(false);

    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.AUTHENTICATION);
      assertThat(rejected.failure().summary()).contains("does not offer STARTTLS");
      assertThat(rejected.failure().providerMessage()).contains("never sends the API key over a plain connection");
    });
    RecordedSmtpSession session = server.sessions().get(0);
    assertThat(session.authAttempted()).isFalse();
    assertThat(session.authPassword()).isNull();
    assertThat(session.commands()).noneMatch(command -> command.startsWith("AUTH") || command.startsWith("MAIL"));
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void refusesAServerWhoseCertificateIsNotTrusted(Fixtures.Mode mode) {
    Outcome outcome;
    try (SmtpTransport transport = SmtpTransport.builder().host(server.host()).port(server.port())
        .apiKey(Fixtures.API_KEY).readTimeout(Duration.ofSeconds(2)).build()) { // JVM trust store only
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class,
        notSent -> assertThat(notSent.failure().summary()).startsWith("TLS handshake with " + server.host()));
    assertThat(server.sessions()).allSatisfy(session -> {
      assertThat(session.tls()).isFalse();
      assertThat(session.authAttempted()).isFalse();
    });
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void refusesATrustedCertificateForAnotherHost(Fixtures.Mode mode) {
    server.certificate(TestCertificates.wrongHostKeyStore());

    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build()) {
      outcome = mode.deliver(transport, Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class,
        notSent -> assertThat(notSent.failure().summary()).contains("TLS handshake"));
    assertThat(server.sessions()).allSatisfy(session -> assertThat(session.authAttempted()).isFalse());
  }

  @Test
  void logsInWithAuthLoginAsSmtpInjectionOnlyAfterStartTls() {
    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build()) {
      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    RecordedSmtpSession session = server.sessions().get(0);
    assertThat(session.tls()).isTrue();
    assertThat(session.authBeforeTls()).isFalse();
    assertThat(session.authUser()).isEqualTo("SMTP_Injection");
    assertThat(session.authPassword()).isEqualTo(Fixtures.API_KEY.value());
    assertThat(session.commands()).map(command -> command.split(" ")[0])
        .containsSubsequence("EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA");
    assertThat(session.commands()).filteredOn(command -> command.startsWith("AUTH"))
        .containsExactly("AUTH LOGIN");
  }

  @Test
  void logsInAsTheSubaccount() {
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).subaccountId(123).build()) {
      transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(server.sessions().get(0).authUser()).isEqualTo("SMTP_Injection:X-MSYS-SUBACCOUNT=123");
  }

  @Test
  void refusesAServerThatOffersNoAuthentication() {
    server.offerAuth(false);

    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build()) {
      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.AUTHENTICATION);
      assertThat(rejected.failure().summary()).contains("does not offer AUTH LOGIN");
    });
    assertThat(server.sessions().get(0).count("MAIL")).isZero();
  }

  @Test
  void remembersARefusedSecuritySetupInsteadOfReconnectingForEveryMessage() {
    FakeClock clock = new FakeClock();
    server.offerStartTls(false);

    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).clock(clock).build()) {
      Outcome first = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
      Outcome second = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
      assertThat(server.connectionCount()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(31));
      Outcome third = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));

      assertThat(first).isInstanceOf(Outcome.Rejected.class);
      assertThat(second).isInstanceOfSatisfying(Outcome.Rejected.class,
          rejected -> assertThat(rejected.failure().summary()).contains("remembered from an earlier attempt"));
      assertThat(third).isInstanceOf(Outcome.Rejected.class);
      assertThat(server.connectionCount()).isEqualTo(2);
    }
  }

  @Test
  void treatsARefusedKeyAsAuthenticationFailureWithItsCodes() {
    server.on(SmtpPhase.AUTH, SmtpAction.reply("535 5.7.8 Sorry. *** No authentication type succeeded"));

    Outcome outcome;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build()) {
      outcome = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    }

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.AUTHENTICATION);
      assertThat(rejected.failure().statusCode()).isEqualTo(535);
      assertThat(rejected.failure().providerCode()).isEqualTo("5.7.8");
      assertThat(rejected.failure().providerMessage()).isEqualTo("Sorry. *** No authentication type succeeded");
    });
  }
}
