package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cancelling an async attempt reaches the connection, and closing the transport ends every attempt. */
class CancellationTest {

  private ScriptedSmtpServer server;

  @BeforeEach
  void start() {
    server = ScriptedSmtpServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void cancellingAnAttemptInProgressClosesItsConnection() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    server.enqueue(SmtpPhase.MAIL, SmtpAction.waitFor(gate));
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port())
        .readTimeout(Duration.ofSeconds(30)).build()) {
      CompletableFuture<Outcome> attempt = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage()));
      assertThat(server.awaitWaiting(1, Duration.ofMinutes(2))).isTrue();

      attempt.cancel(true);
      gate.countDown(); // the server answers MAIL into a connection the client already closed

      assertThat(attempt).isCancelled();
      assertThat(server.awaitOpenConnections(0, Duration.ofMinutes(2))).isTrue();
      assertThat(server.messages()).isEmpty();
      assertThat(transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()))).isInstanceOf(Outcome.Accepted.class);
      assertThat(server.connectionCount()).isEqualTo(2);
    }
  }

  @Test
  void cancellingAnAttemptWaitingForAConnectionLeavesThePoolUsable() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    server.enqueue(SmtpPhase.END_OF_DATA, SmtpAction.waitFor(gate));
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port())
        .maxConnections(1).readTimeout(Duration.ofSeconds(30)).build()) {
      CompletableFuture<Outcome> first = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage(), "k-1"));
      assertThat(server.awaitWaiting(1, Duration.ofMinutes(2))).isTrue();
      CompletableFuture<Outcome> waiting = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage(), "k-2"));

      waiting.cancel(true);
      gate.countDown();

      assertThat(waiting).isCancelled();
      assertThat(first).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(Outcome.Accepted.class);
      assertThat(transport.deliver(Fixtures.delivery(Fixtures.simpleMessage(), "k-3")))
          .isInstanceOf(Outcome.Accepted.class);
    }
    assertThat(server.connectionCount()).isEqualTo(1);
    assertThat(server.messages()).extracting(m -> m.header("Idempotency-Key")).containsExactly("k-1", "k-3");
  }

  @Test
  void closingTheTransportEndsAnAttemptWaitingForTheFinalReplyAsUnknown() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    server.enqueue(SmtpPhase.END_OF_DATA, SmtpAction.waitFor(gate));
    CompletableFuture<Outcome> attempt;
    try (SmtpTransport transport = Fixtures.transport(server.host(), server.port())
        .readTimeout(Duration.ofSeconds(30)).build()) {
      attempt = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage()));
      assertThat(server.awaitWaiting(1, Duration.ofMinutes(2))).isTrue();
    } finally {
      gate.countDown();
    }

    assertThat(attempt).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(Outcome.Unknown.class);
  }

  @Test
  void aClosedTransportReportsNotSentWithoutConnecting() {
    SmtpTransport transport = Fixtures.transport(server.host(), server.port()).build();
    transport.close();

    Outcome sync = transport.deliver(Fixtures.delivery(Fixtures.simpleMessage()));
    CompletableFuture<Outcome> async = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage()));

    assertThat(sync).isInstanceOfSatisfying(Outcome.NotSent.class,
        notSent -> assertThat(notSent.failure().summary()).contains("is closed"));
    assertThat(async).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(Outcome.NotSent.class);
    assertThat(server.connectionCount()).isZero();
  }
}
