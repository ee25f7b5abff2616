package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SteadfastHistoryTest {

  private final FakeClock clock = new FakeClock();
  private final FixedSpoolOperations spool = new FixedSpoolOperations();
  private final SteadfastState state = new SteadfastState(clock, Duration.ZERO);

  private static DeliveryResult.Delivered delivered(String key) {
    return new DeliveryResult.Delivered(1, new SendReceipt("t-" + key, 1, 0, IdempotencyKey.of(key), "rest-us", 1, null),
        Instant.EPOCH);
  }

  @Test
  void samplesQueueDepthAndDeliveriesSincePreviousSample() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1000));
    SteadfastHistory history = new SteadfastHistory(state, Duration.ofSeconds(10));
    spool.set(FixedSpoolOperations.stats(4, 1, 2, 7, 3, 100, Duration.ofSeconds(5)));
    history.delivered(delivered("a"));
    history.delivered(delivered("b"));

    history.sample();
    clock.advance(Duration.ofSeconds(10));
    history.delivered(delivered("c"));
    history.sample();

    assertThat(history.samples()).extracting(SteadfastHistory.Sample::queued).containsExactly(7L, 7L);
    assertThat(history.samples()).extracting(SteadfastHistory.Sample::reconciling).containsExactly(2L, 2L);
    assertThat(history.samples()).extracting(SteadfastHistory.Sample::dead).containsExactly(3L, 3L);
    assertThat(history.samples()).extracting(SteadfastHistory.Sample::delivered).containsExactly(2L, 1L);
    assertThat(history.samples().get(1).at()).isEqualTo(FakeClock.DEFAULT_START.plusSeconds(10));
    assertThat(history.deliveredTotal()).isEqualTo(3);
  }

  @Test
  void keepsOnlyTheLastHour() {
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1000));
    SteadfastHistory history = new SteadfastHistory(state, Duration.ofMinutes(10));

    for (int i = 0; i < 8; i++) {
      history.sample();
      clock.advance(Duration.ofMinutes(10));
    }

    assertThat(history.capacity()).isEqualTo(6);
    assertThat(history.samples()).hasSize(6)
        .first().satisfies(s -> assertThat(s.at()).isEqualTo(FakeClock.DEFAULT_START.plus(Duration.ofMinutes(20))));
  }

  @Test
  void skipsSamplesWhileNoSpoolRunsOrItCannotBeRead() {
    SteadfastHistory history = new SteadfastHistory(state, Duration.ofSeconds(10));

    history.sample();
    state.clientStarted(new SteadfastState.SpoolView(spool, "sqlite", 100, 1000));
    spool.failWith(new IllegalStateException("disk gone"));
    history.sample();

    assertThat(history.samples()).isEmpty();
  }
}
