package io.steadfast.smtp;

import io.steadfast.testing.FakeClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.RecordedSmtpSession;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The connection pool: reuse, recycling by count, age and idleness, stale connections, and the bound. */
class ConnectionReuseTest {

  private final FakeClock clock = new FakeClock();
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
  void carriesManyMessagesOnOneAuthenticatedConnection(Fixtures.Mode mode) {
    try (SmtpTransport transport = transport().build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(mode.deliver(transport, delivery(i))).isInstanceOf(Outcome.Accepted.class);
      }
    }

    assertThat(server.connectionCount()).isEqualTo(1);
    RecordedSmtpSession session = server.sessions().get(0);
    assertThat(session.count("AUTH")).isEqualTo(1);
    assertThat(session.count("MAIL")).isEqualTo(5);
    assertThat(server.messages()).hasSize(5);
  }

  @Test
  void opensANewConnectionAfterMaxMessagesPerConnection() {
    try (SmtpTransport transport = transport().maxMessagesPerConnection(2).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(transport.deliver(delivery(i))).isInstanceOf(Outcome.Accepted.class);
      }
    }

    assertThat(server.connectionCount()).isEqualTo(3);
    assertThat(server.sessions()).extracting(session -> session.count("MAIL")).containsExactly(2L, 2L, 1L);
    assertThat(server.sessions().get(0).count("QUIT")).isEqualTo(1);
  }

  @Test
  void keepsTheConnectionAfterARefusedMessage() {
    server.enqueue(SmtpPhase.RCPT, SmtpAction.reply("550 5.1.1 No such user"));

    try (SmtpTransport transport = transport().build()) {
      assertThat(transport.deliver(delivery(1))).isInstanceOf(Outcome.Rejected.class);
      assertThat(transport.deliver(delivery(2))).isInstanceOf(Outcome.Accepted.class);
    }

    assertThat(server.connectionCount()).isEqualTo(1);
    assertThat(server.sessions().get(0).count("RSET")).isEqualTo(1);
  }

  @Test
  void checksAConnectionIdleForAWhileWithNoopBeforeUsingIt() {
    try (SmtpTransport transport = transport().build()) {
      transport.deliver(delivery(1));
      clock.advance(Duration.ofSeconds(5));
      assertThat(transport.deliver(delivery(2))).isInstanceOf(Outcome.Accepted.class);
    }

    assertThat(server.connectionCount()).isEqualTo(1);
    assertThat(server.sessions().get(0).count("NOOP")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void replacesAnIdleConnectionTheServerClosed(Fixtures.Mode mode) throws InterruptedException {
    try (SmtpTransport transport = transport().build()) {
      assertThat(mode.deliver(transport, delivery(1))).isInstanceOf(Outcome.Accepted.class);
      server.dropAllConnections();
      assertThat(server.awaitOpenConnections(0, Duration.ofMinutes(2))).isTrue();
      clock.advance(Duration.ofSeconds(5));

      Outcome outcome = mode.deliver(transport, delivery(2));

      assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    }
    assertThat(server.connectionCount()).isEqualTo(2);
    assertThat(server.messages()).hasSize(2);
  }

  @Test
  void closesAConnectionIdleLongerThanMaxIdleWithoutUsingIt() {
    try (SmtpTransport transport = transport().build()) {
      transport.deliver(delivery(1));
      clock.advance(SmtpTransport.DEFAULT_MAX_IDLE.plusSeconds(1));
      assertThat(transport.deliver(delivery(2))).isInstanceOf(Outcome.Accepted.class);
    }

    assertThat(server.connectionCount()).isEqualTo(2);
    assertThat(server.sessions().get(0).count("NOOP")).isZero();
    assertThat(server.sessions().get(0).count("MAIL")).isEqualTo(1);
  }

  @Test
  void closesAConnectionOlderThanMaxConnectionAge() {
    try (SmtpTransport transport = transport().maxConnectionAge(Duration.ofMinutes(1)).build()) {
      transport.deliver(delivery(1));
      clock.advance(Duration.ofSeconds(40));
      transport.deliver(delivery(2));
      clock.advance(Duration.ofSeconds(40));
      assertThat(transport.deliver(delivery(3))).isInstanceOf(Outcome.Accepted.class);
    }

    assertThat(server.sessions()).extracting(session -> session.count("MAIL")).containsExactly(2L, 1L);
  }

  @ParameterizedTest
  @EnumSource(Fixtures.Mode.class)
  void neverOpensMoreThanMaxConnections(Fixtures.Mode mode) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    server.on(SmtpPhase.END_OF_DATA, SmtpAction.waitFor(gate));
    ExecutorService callers = Executors.newFixedThreadPool(5);
    try (SmtpTransport transport = transport().maxConnections(2).readTimeout(Duration.ofSeconds(10)).build()) {
      List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Delivery delivery = delivery(i);
        outcomes.add(mode == Fixtures.Mode.ASYNC
            ? transport.deliverAsync(delivery)
            : CompletableFuture.supplyAsync(() -> transport.deliver(delivery), callers));
      }

      assertThat(server.awaitWaiting(2, Duration.ofMinutes(2))).isTrue();
      assertThat(server.openConnections()).isEqualTo(2);
      assertThat(outcomes).noneMatch(CompletableFuture::isDone);
      gate.countDown();

      for (CompletableFuture<Outcome> outcome : outcomes) {
        assertThat(outcome).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(Outcome.Accepted.class);
      }
    } finally {
      callers.shutdownNow();
    }
    assertThat(server.maxOpenConnections()).isEqualTo(2);
    assertThat(server.connectionCount()).isEqualTo(2);
    assertThat(server.messages()).hasSize(5);
  }

  private SmtpTransport.Builder transport() {
    return Fixtures.transport(server.host(), server.port()).clock(clock);
  }

  private static Delivery delivery(int i) {
    return Fixtures.delivery(Fixtures.simpleMessage(), "key-" + i);
  }
}
