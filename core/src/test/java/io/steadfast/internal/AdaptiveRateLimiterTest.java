package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AdaptiveRateLimiterTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final AdaptiveRateLimiter limiter = new AdaptiveRateLimiter("rest");

  /** Records {@code count} acceptances evenly spread over {@code span} ending at {@code end}. */
  private void accept(int count, Duration span, Instant end) {
    for (int i = count - 1; i >= 0; i--) {
      limiter.onAccepted(end.minus(span.multipliedBy(i).dividedBy(count)));
    }
  }

  @Test
  void neverPacesARouteThatWasNotRateLimited() {
    accept(5000, Duration.ofSeconds(1), T0);

    for (int i = 0; i < 100; i++) {
      assertThat(limiter.reserve(T0)).isZero();
    }
    assertThat(limiter.rate()).isZero();
  }

  @Test
  void refusalPacesJustBelowTheRateThatWasAccepted() {
    accept(1000, Duration.ofSeconds(2), T0);

    limiter.onRateLimited(T0);

    // 500 accepted in the last second; settle 5% below.
    assertThat(limiter.rate()).isCloseTo(500 * AdaptiveRateLimiter.SETTLE_FACTOR, within(5.0));
    Duration gap = Duration.ofNanos((long) (1e9 / limiter.rate()));
    assertThat(limiter.reserve(T0)).isZero();
    assertThat(limiter.reserve(T0)).isEqualTo(gap);
    assertThat(limiter.reserve(T0)).isEqualTo(gap.multipliedBy(2));
  }

  @Test
  void refusalEarlyInARunMeasuresOverTheTimeSinceTheFirstAcceptance() {
    // 100 accepted in the first 100 ms: a rate of 1000/s, not 100/s.
    accept(100, Duration.ofMillis(100), T0);

    limiter.onRateLimited(T0);

    assertThat(limiter.rate()).isBetween(900.0, 1000.0);
  }

  @Test
  void refusalsOfRequestsAlreadyOnTheirWayCutThePaceOnlyOncePerSecond() {
    accept(1000, Duration.ofSeconds(1), T0);
    limiter.onRateLimited(T0);
    double paced = limiter.rate();

    limiter.onRateLimited(T0.plusMillis(10));
    limiter.onRateLimited(T0.plusMillis(900));
    assertThat(limiter.rate()).isEqualTo(paced);

    limiter.onRateLimited(T0.plusMillis(1100));
    assertThat(limiter.rate()).isLessThan(paced);
  }

  @Test
  void paceGrowsWhileNothingIsRefusedAndStopsAfterAQuietMinute() {
    accept(1000, Duration.ofSeconds(1), T0);
    limiter.onRateLimited(T0);
    double paced = limiter.rate();

    limiter.reserve(T0.plusSeconds(10));
    assertThat(limiter.rate()).isCloseTo(paced * Math.pow(AdaptiveRateLimiter.GROWTH_PER_SECOND, 10), within(1.0));

    assertThat(limiter.reserve(T0.plus(AdaptiveRateLimiter.RELEASE_AFTER))).isZero();
    assertThat(limiter.rate()).isZero();
  }

  @Test
  void refusalWithNothingAcceptedPacesAtTheMinimumRatherThanStopping() {
    limiter.onRateLimited(T0);

    assertThat(limiter.rate()).isEqualTo(AdaptiveRateLimiter.MIN_RATE);
    assertThat(limiter.reserve(T0)).isZero();
    assertThat(limiter.reserve(T0)).isEqualTo(Duration.ofSeconds(1));
  }
}
