package io.steadfast.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration MIN = Duration.ofSeconds(5);
  private static final Duration MAX = Duration.ofHours(1);

  @Test
  void firstRetryIsNeverSoonerThanTheMinimum() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.0);

    assertThat(schedule.delay(T0, T0, 1, null)).isEqualTo(MIN);
  }

  @Test
  void ceilingDoublesWithEachAttempt() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.999_999);

    assertThat(schedule.delay(T0, T0, 1, null)).isLessThanOrEqualTo(MIN);
    assertThat(schedule.delay(T0, T0, 3, null)).isBetween(Duration.ofSeconds(19), Duration.ofSeconds(20));
  }

  @Test
  void ceilingGrowsWithTheMessageAgeLikePostfix() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.999_999);

    Duration delay = schedule.delay(T0, T0.plus(Duration.ofMinutes(30)), 1, null);

    assertThat(delay).isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
  }

  @Test
  void delayIsCappedAtTheMaximum() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.999_999);

    assertThat(schedule.delay(T0, T0.plus(Duration.ofDays(2)), 50, null)).isLessThanOrEqualTo(MAX);
  }

  @Test
  void serverRetryAfterIsAMinimumNeverShortened() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.0);

    assertThat(schedule.delay(T0, T0, 1, Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void jitterSpreadsDelaysBetweenMinimumAndCeiling() {
    RetrySchedule low = new RetrySchedule(MIN, MAX, () -> 0.0);
    RetrySchedule high = new RetrySchedule(MIN, MAX, () -> 0.5);

    assertThat(low.delay(T0, T0, 4, null)).isEqualTo(MIN);
    assertThat(high.delay(T0, T0, 4, null)).isEqualTo(Duration.ofMillis(5000 + (40_000 - 5000) / 2));
  }

  @Test
  void rateLimitedMessageGoesBackAfterRetryAfterWithUpToAsMuchAgainOfJitter() {
    assertThat(new RetrySchedule(MIN, MAX, () -> 0.0).afterRateLimit(Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(new RetrySchedule(MIN, MAX, () -> 0.999).afterRateLimit(Duration.ofSeconds(3)))
        .isBetween(Duration.ofMillis(5990), Duration.ofSeconds(6));
  }

  @Test
  void rateLimitedMessageWithoutRetryAfterGoesBackAfterAboutASecondNotAnAgeLongBackoff() {
    RetrySchedule schedule = new RetrySchedule(MIN, MAX, () -> 0.5);

    assertThat(schedule.afterRateLimit(null)).isEqualTo(Duration.ofMillis(1500));
    assertThat(schedule.afterRateLimit(Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
    // For comparison: a fault on a message an hour old waits minutes.
    assertThat(schedule.delay(T0, T0.plus(Duration.ofHours(1)), 1, null)).isGreaterThan(Duration.ofMinutes(10));
  }
}
