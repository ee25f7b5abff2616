package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import io.steadfast.spi.Outcome;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** The rows the scripted server cannot easily produce; the rest are in ReplyClassificationTest. */
class SmtpOutcomesTest {
  private final SmtpOutcomes outcomes = new SmtpOutcomes("smtp.example:587", new Redactor(ApiKey.of("sk-secret")));

  @Test
  void treatsAPositiveReplyWhereAnotherWasDueAsNotSentBeforeTheEndOfData() {
    Outcome outcome = outcomes.reply(new SmtpReply(Step.DATA, 250, "250 2.0.0 Ok\n"), null);

    assertThat(outcome).isInstanceOf(Outcome.NotSent.class);
  }

  @Test
  void treatsANonsenseReplyToTheFinalDotAsUnknown() {
    assertThat(outcomes.reply(new SmtpReply(Step.END_OF_DATA, 354, "354 go ahead\n"), null))
        .isInstanceOf(Outcome.Unknown.class);
    assertThat(outcomes.reply(new SmtpReply(Step.END_OF_DATA, -1, "garbage\n"), null))
        .isInstanceOf(Outcome.Unknown.class);
  }

  @Test
  void treatsA535AnywhereAsAuthentication() {
    Outcome outcome = outcomes.reply(new SmtpReply(Step.MAIL, 535, "535 5.7.8 Authentication credentials invalid\n"),
        null);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class,
        rejected -> assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.AUTHENTICATION));
  }

  @Test
  void saysTimedOutForATimeoutAndNamesTheStep() {
    Outcome outcome = outcomes.noReply(Step.CONTENT, "writing failed", new SocketTimeoutException("Write timed out"));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.NotSent.class, notSent ->
        assertThat(notSent.failure().summary())
            .isEqualTo("sending the message content with smtp.example:587 failed (writing failed: timed out)"));
  }

  @Test
  void removesTheKeyFromTheCauseChain() {
    IOException cause = new IOException("server said sk-secret", new IOException("c2stc2VjcmV0 again"));

    Outcome outcome = outcomes.noReply(Step.MAIL, "connection failed", cause);

    Throwable redacted = ((Outcome.NotSent) outcome).failure().cause();
    assertThat(redacted).hasMessage("java.io.IOException: server said [redacted]");
    assertThat(redacted.getCause()).hasMessage("java.io.IOException: [redacted] again");
    assertThat(redacted.getStackTrace()).isEqualTo(cause.getStackTrace());
  }
}
