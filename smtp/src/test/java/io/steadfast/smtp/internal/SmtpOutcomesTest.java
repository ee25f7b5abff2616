package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import io.steadfast.spi.Outcome;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The rows the scripted server cannot easily produce; the rest are in ReplyClassificationTest. */
class SmtpOutcomesTest {
  private final SmtpOutcomes outcomes = new SmtpOutcomes("smtp.example:587", new Redactor(ApiKey.of("sk-secret")),
      Duration.ofSeconds(2));

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

  @ParameterizedTest
  @EnumSource(value = Step.class, names = "END_OF_DATA", mode = EnumSource.Mode.EXCLUDE)
  void treatsAStoppedAttemptBeforeTheFinalDotAsNotSent(Step step) {
    for (SocketCapture.Limit limit : SocketCapture.Limit.values()) {
      Outcome outcome = outcomes.stopped(step, limit, new IOException(limit.description()));

      assertThat(outcome).as("%s during %s", limit, step).isInstanceOfSatisfying(Outcome.NotSent.class, notSent -> {
        assertThat(notSent.reason()).isEqualTo(Outcome.NotSent.Reason.UNAVAILABLE);
        assertThat(notSent.failure().summary()).contains("smtp.example:587").contains("nothing was sent");
      });
    }
  }

  @Test
  void treatsAStoppedAttemptAfterTheFinalDotAsUnknown() {
    for (SocketCapture.Limit limit : SocketCapture.Limit.values()) {
      Outcome outcome = outcomes.stopped(Step.END_OF_DATA, limit, null);

      assertThat(outcome).as("%s", limit).isInstanceOfSatisfying(Outcome.Unknown.class, unknown ->
          assertThat(unknown.failure().summary()).endsWith("SparkPost may have accepted the message"));
    }
  }

  @Test
  void namesTheDeadlineAndTheLimitsWithTheirValues() {
    assertThat(outcomes.stopped(Step.CONNECT, SocketCapture.Limit.DEADLINE, null).toString())
        .contains("could not connect to smtp.example:587 within the attempt's deadline of 2 s (callTimeout)");
    assertThat(outcomes.stopped(Step.EHLO, SocketCapture.Limit.REPLY_LINES, null).toString())
        .contains("the reply to EHLO from smtp.example:587 exceeded 100 lines");
    assertThat(outcomes.stopped(Step.GREETING, SocketCapture.Limit.REPLY_BYTES, null).toString())
        .contains("the greeting from smtp.example:587 exceeded 65536 bytes");
    assertThat(outcomes.poolBusy(10).toString())
        .contains("all 10 SMTP connections to smtp.example:587 stayed busy for the attempt's deadline of 2 s");
    assertThat(SmtpOutcomes.human(Duration.ofMillis(1500))).isEqualTo("1500 ms");
  }
}
