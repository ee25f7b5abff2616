package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmtpReplyTest {

  @Test
  void readsTheEnhancedCodeAndTheServersWords() {
    SmtpReply reply = new SmtpReply(Step.MAIL, 550, "550 5.7.1 Unconfigured Sending Domain <shop.example>\n");

    assertThat(reply.enhancedCode()).isEqualTo("5.7.1");
    assertThat(reply.message()).isEqualTo("Unconfigured Sending Domain <shop.example>");
    assertThat(reply.isPermanent()).isTrue();
  }

  @Test
  void joinsTheLinesOfAMultiLineReply() {
    SmtpReply reply = new SmtpReply(Step.RCPT, 452, "452-4.5.3 Too many\n452 4.5.3 recipients\n");

    assertThat(reply.message()).isEqualTo("Too many recipients");
    assertThat(reply.isTransient()).isTrue();
  }

  @Test
  void hasNoEnhancedCodeWhenTheServerSendsNone() {
    SmtpReply reply = new SmtpReply(Step.END_OF_DATA, 554, "554 Transaction failed\n");

    assertThat(reply.enhancedCode()).isNull();
    assertThat(reply.message()).isEqualTo("Transaction failed");
  }

  @Test
  void replacesControlCharactersAndCutsLongText() {
    SmtpReply reply = new SmtpReply(Step.MAIL, 550, "550 5.0.0 a\u0007b " + "x".repeat(400) + "\n");

    assertThat(reply.message()).startsWith("a?b ").endsWith("...").hasSize(303);
  }

  @Test
  void tellsAnEndOfStreamFromAReply() {
    assertThat(new SmtpReply(Step.DATA, -1, "[EOF]").isEof()).isTrue();
    assertThat(new SmtpReply(Step.DATA, -1, "garbage\n").isEof()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "250 2.0.0 OK 0A/1B-12345-67890ABC|0A/1B-12345-67890ABC",
      "250 2.0.0 Ok: queued as 4FJ3N52Z1Sz9sWK|4FJ3N52Z1Sz9sWK",
      "250 OK id=1qB2c3-000Abc-DE|1qB2c3-000Abc-DE",
      "250 2.0.0 Ok|null",
      "250 OK|null",
      "250 Message accepted for delivery|null"})
  void findsTheQueueIdInTheFinalReply(String text, String queueId) {
    assertThat(new SmtpReply(Step.END_OF_DATA, 250, text + "\n").queueId()).isEqualTo(queueId);
  }
}
