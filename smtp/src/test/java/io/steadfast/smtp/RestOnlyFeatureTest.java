package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.EmailAddress;
import io.steadfast.Message;
import io.steadfast.Recipient;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What SMTP cannot carry is refused with the feature's name, without connecting. */
class RestOnlyFeatureTest {

  private ScriptedSmtpServer server;
  private SmtpTransport transport;

  @BeforeEach
  void start() {
    server = ScriptedSmtpServer.start();
    transport = Fixtures.transport(server.host(), server.port()).build();
  }

  @AfterEach
  void stop() {
    transport.close();
    server.close();
  }

  static Stream<Arguments> restOnlyMessages() {
    return Stream.of(
        Arguments.of(Message.builder().to("alice@example.com").template("welcome").build(), "template(...)"),
        Arguments.of(Message.builder().from("orders@shop.example").recipientList("customers").subject("Hi").text("x")
            .build(), "recipientList(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().substitutionData(Map.of("name", "Alice")).build(),
            "substitutionData(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().recipients(List.of(
            Recipient.to(EmailAddress.of("alice@example.com")).withSubstitutionData(Map.of("name", "Alice")))).build(),
            "substitutionData(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().startTime(Instant.parse("2030-01-01T00:00:00Z")).build(),
            "startTime(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().performSubstitutions(true).build(),
            "performSubstitutions(true)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().description("Spring sale").build(), "description(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().recipients(List.of(
            Recipient.to(EmailAddress.of("alice@example.com")).withTags(List.of("vip")))).build(),
            "per-recipient tags or metadata"),
        Arguments.of(Message.builder().to("alice@example.com").abTest("subjects").build(), "abTest(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().initialOpen(true).build(), "initialOpen(...)"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().recipients(List.of(
            Recipient.to(EmailAddress.of("alice@example.com")).withReturnPath(EmailAddress.of("b@example.com"))))
            .build(), "Recipient.withReturnPath"),
        Arguments.of(Fixtures.simpleMessage().toBuilder().recipient(
            Recipient.bcc(EmailAddress.of("bob@example.com")).withHeaderTo(EmailAddress.of("team@example.com")))
            .build(), "Recipient.withHeaderTo"));
  }

  @ParameterizedTest
  @MethodSource("restOnlyMessages")
  void refusesARestOnlyFeatureByNameWithoutConnecting(Message message, String feature) {
    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.MESSAGE);
      assertThat(rejected.failure().summary()).contains(feature).contains("REST-only");
      assertThat(rejected.failure().providerMessage()).contains("REST route");
    });
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void namesEveryRestOnlyFeatureOfAMessageAtOnce() {
    Message message = Fixtures.simpleMessage().toBuilder()
        .description("Spring sale")
        .substitutionData(Map.of("name", "Alice"))
        .build();

    Outcome outcome = transport.deliverAsync(Fixtures.delivery(message)).join();

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected ->
        assertThat(rejected.failure().summary()).contains("substitutionData(...)").contains("description(...)")
            .contains("are REST-only"));
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void allowsPerformSubstitutionsFalseWhichIsWhatSmtpDoesAnyway() {
    Outcome outcome = transport.deliver(Fixtures.delivery(
        Fixtures.simpleMessage().toBuilder().performSubstitutions(false).build()));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
  }

  @Test
  void refusesACustomXMsysApiHeader() {
    Message message = Fixtures.simpleMessage().toBuilder().header("X-MSYS-API", "{\"campaign_id\":\"x\"}").build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class,
        rejected -> assertThat(rejected.failure().summary()).contains("X-MSYS-API"));
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void refusesRfc822ContentThatAlreadyHasAnXMsysApiHeader() {
    Message message = Message.builder()
        .to("alice@example.com")
        .rfc822("From: orders@shop.example\r\nX-MSYS-API: {}\r\nSubject: x\r\n\r\nbody\r\n")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class,
        rejected -> assertThat(rejected.failure().summary()).contains("already has an X-MSYS-API header"));
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void refusesRfc822ContentWithoutAnEnvelopeSender() {
    Message message = Message.builder()
        .to("alice@example.com")
        .rfc822("Subject: no sender\r\n\r\nbody\r\n")
        .build();

    Outcome outcome = transport.deliver(Fixtures.delivery(message));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class,
        rejected -> assertThat(rejected.failure().summary()).contains("no usable From address"));
  }
}
