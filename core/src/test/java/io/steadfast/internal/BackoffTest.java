package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one backoff: full jitter between the floor and an exponential ceiling under the cap. */
class BackoffTest {
  private static final Duration FLOOR = Duration.ofSeconds(5);
  private static final Duration INITIAL = Duration.ofSeconds(10);
  private static final Duration CAP = Duration.ofSeconds(30);
  private static final int DRAWS = 10_000;

  private static List<Duration> draws(Backoff backoff, int retry) {
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < DRAWS; i++) {
      waits.add(backoff.delay(retry));
    }
    return waits;
  }

  @Test
  void seededDrawsStayBetweenTheFloorAndTheCeilingAndSpanIt() {
    Backoff backoff = new Backoff(FLOOR, INITIAL, 2, CAP, new Random(2019)::nextDouble);

    for (int retry = 1; retry <= 3; retry++) {
      Duration ceiling = backoff.ceiling(retry);
      List<Duration> waits = draws(backoff, retry);

      assertThat(waits).allSatisfy(wait -> assertThat(wait).isBetween(FLOOR, ceiling));
      // Full jitter: the draws reach both ends of the range, not a narrow band around its middle.
      Duration spread = ceiling.minus(FLOOR).dividedBy(100);
      assertThat(Collections.min(waits)).isLessThan(FLOOR.plus(spread));
      assertThat(Collections.max(waits)).isGreaterThan(ceiling.minus(spread));
    }
  }

  @Test
  void seededDrawsNeverPassTheCapHoweverManyRetries() {
    Backoff backoff = new Backoff(FLOOR, INITIAL, 2, CAP, new Random(7)::nextDouble);

    for (int retry : new int[] {3, 4, 40, 1_000, Integer.MAX_VALUE}) {
      assertThat(backoff.ceiling(retry)).isEqualTo(CAP);
      assertThat(draws(backoff, retry)).allSatisfy(wait -> assertThat(wait).isBetween(FLOOR, CAP));
    }
  }

  @Test
  void ceilingGrowsByTheMultiplierFromTheInitialWait() {
    Backoff backoff = new Backoff(FLOOR, INITIAL, 1.5, Duration.ofMinutes(10), () -> 0.0);

    assertThat(backoff.ceiling(0)).isEqualTo(INITIAL);
    assertThat(backoff.ceiling(1)).isEqualTo(INITIAL);
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(15));
    assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofMillis(22_500));
    assertThat(Backoff.ceiling(Duration.ofMillis(500), 2, Duration.ofSeconds(5), 4)).isEqualTo(Duration.ofSeconds(4));
    assertThat(Backoff.ceiling(Duration.ofMillis(500), 2, Duration.ofSeconds(5), 5)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void jitterEndsAreTheFloorAndJustUnderTheCeiling() {
    assertThat(new Backoff(FLOOR, INITIAL, 2, CAP, () -> 0.0).delay(2)).isEqualTo(FLOOR);
    assertThat(new Backoff(FLOOR, INITIAL, 2, CAP, () -> 0.5).delay(2)).isEqualTo(Duration.ofMillis(12_500));
    assertThat(new Backoff(FLOOR, INITIAL, 2, CAP, () -> 0.999_999).delay(2)).isEqualTo(Duration.ofMillis(19_999));
  }

  @Test
  void aCeilingBelowTheFloorIsTheWait() {
    Backoff backoff = new Backoff(FLOOR, Duration.ofSeconds(1), 2, Duration.ofSeconds(2), () -> 0.5);

    assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(9)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void retryAfterIsAMinimumNeverShortened() {
    Backoff backoff = new Backoff(FLOOR, INITIAL, 2, CAP, () -> 0.5);

    assertThat(backoff.delay(1, Duration.ofMinutes(2))).isEqualTo(Duration.ofMinutes(2));
    assertThat(backoff.delay(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(7_500));
    assertThat(backoff.delay(1, null)).isEqualTo(Duration.ofMillis(7_500));
  }

  @Test
  void waitingRaisesTheCeilingUpToTheCap() {
    Backoff backoff = new Backoff(FLOOR, FLOOR, 2, Duration.ofHours(1), () -> 0.999_999);

    assertThat(backoff.delayAfterWaiting(1, Duration.ZERO, null)).isEqualTo(FLOOR);
    assertThat(backoff.delayAfterWaiting(1, Duration.ofMinutes(30), null))
        .isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
    assertThat(backoff.delayAfterWaiting(1, Duration.ofDays(3), null)).isLessThan(Duration.ofHours(1));
    assertThat(backoff.delayAfterWaiting(1, Duration.ofSeconds(-9), Duration.ofMinutes(5)))
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void followsTheRetryPolicy() {
    RetryPolicy policy = RetryPolicy.builder().minBackoff(Duration.ofSeconds(1))
        .initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(10)).multiplier(3).build();

    Backoff backoff = Backoff.of(policy, () -> 0.0);

    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(6));
    assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void rejectsNegativeWaitsAndShrinkingMultipliers() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(-1), INITIAL, 2, CAP, () -> 0.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("floor must not be negative but was PT-1S");
    assertThatThrownBy(() -> new Backoff(FLOOR, INITIAL, 0.5, CAP, () -> 0.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("multiplier must be >= 1 but was 0.5");
  }
}
