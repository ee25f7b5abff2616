package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code send} and {@code submit} refuse a {@code start_time} SparkPost would refuse (more than 3
 * days ahead, or in the past beyond the tolerance), measured on the configured clock (issue #20 item
 * 3), so a test moves a fake clock instead of waiting and nothing reaches the transport or the spool.
 */
class StartTimeCheckTest {
  private final FakeClock clock = new FakeClock();
  private final ScriptedTransport transport = new ScriptedTransport("rest-test");
  private final Spool spool = Spool.inMemory();
  private final EmailClient client = EmailClient.create(SteadfastConfig.builder().transports(List.of(transport))
      .retryPolicy(RetryPolicy.NO_RETRIES).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED).clock(clock)
      .spool(SpoolConfig.builder(spool).submitOnly(true).build()).build());

  @AfterEach
  void close() {
    client.close();
  }

  private Message startingAt(Instant startTime) {
    return Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello")
        .startTime(startTime).build();
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void refusesAStartTimeMoreThanThreeDaysAheadOfTheConfiguredClock(SendMode mode) {
    Message message = startingAt(clock.instant().plus(Duration.ofDays(3)).plusSeconds(1));

    assertThatThrownBy(() -> mode.send(client, message)).isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("startTime").hasMessageContaining("more than 3 days");
    assertThat(transport.deliveries()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SendMode.class)
  void sendsAStartTimeInsideTheWindowOnceTheClockHasMoved(SendMode mode) throws Throwable {
    Message message = startingAt(clock.instant().plus(Duration.ofDays(4)));
    transport.then(new Outcome.Accepted("tx-1", 1, 0, null));

    clock.advance(Duration.ofDays(1));

    assertThat(mode.send(client, message).transmissionId()).isEqualTo("tx-1");
  }

  @Test
  void refusesAtSubmitAStartTimeThatHasPassedBeyondTheTolerance() {
    Message message = startingAt(clock.instant());

    clock.advance(Message.START_TIME_TOLERANCE.plusSeconds(1));

    assertThatThrownBy(() -> client.submit(message)).isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("in the past");
    assertThat(client.submitAsync(message)).failsWithin(Duration.ofMinutes(2))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(InvalidMessageException.class);
    assertThat(spool.stats(clock.instant()).undeliveredCount()).isZero();
  }
}
