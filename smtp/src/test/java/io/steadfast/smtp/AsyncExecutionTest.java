package io.steadfast.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.steadfast.smtp.internal.SmtpDeliverer;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The async path runs on the transport's own, named threads; the sync path on the caller's. */
class AsyncExecutionTest {

  @Test
  void runsAsyncAttemptsOnNamedTransportThreadsAndSyncAttemptsOnTheCaller() {
    Logger logger = (Logger) LoggerFactory.getLogger(SmtpDeliverer.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    logger.setLevel(Level.DEBUG);
    try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
        SmtpTransport transport = Fixtures.transport(server.host(), server.port()).route("smtp-eu").build()) {
      CompletableFuture<Outcome> async = transport.deliverAsync(Fixtures.delivery(Fixtures.simpleMessage(), "async"));
      assertThat(async).succeedsWithin(Duration.ofMinutes(2)).isInstanceOf(Outcome.Accepted.class);
      assertThat(transport.deliver(Fixtures.delivery(Fixtures.simpleMessage(), "sync")))
          .isInstanceOf(Outcome.Accepted.class);
    } finally {
      logger.detachAppender(events);
      logger.setLevel(level);
    }

    assertThat(events.list).filteredOn(event -> event.getFormattedMessage().contains("message async"))
        .isNotEmpty()
        .allSatisfy(event -> assertThat(event.getThreadName()).startsWith("steadfast-smtp-eu-"));
    assertThat(events.list).filteredOn(event -> event.getFormattedMessage().contains("message sync"))
        .isNotEmpty()
        .allSatisfy(event -> assertThat(event.getThreadName()).isEqualTo(Thread.currentThread().getName()));
  }
}
