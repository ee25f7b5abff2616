package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AdaptiveRateLimiterTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final AdaptiveRateLimiter limiter = new AdaptiveRateLimiter("rest");

  /**
   * Feeds the limiter a steady stream from {@code from} for {@code length}: {@code acceptedPerSecond}
   * acceptances and {@code refusedPerSecond} refusals a second, interleaved evenly, in time order, as
   * they arrive in practice. A stream stands for SparkPost's answers, whatever our pace. Returns
   * where it ended.
   */
  private Instant stream(Instant from, Duration length, int acceptedPerSecond, int refusedPerSecond) {
    int perSecond = acceptedPerSecond + refusedPerSecond;
    long events = length.toNanos() * perSecond / 1_000_000_000L;
    long refusedSoFar = 0;
    for (long i = 1; i <= events; i++) {
      Instant at = from.plusNanos(1_000_000_000L * i / perSecond);
      if (i * refusedPerSecond / perSecond > refusedSoFar) {
        refusedSoFar++;
        limiter.onRateLimited(at);
      } else {
        limiter.onAccepted(at);
      }
    }
    return from.plus(length);
  }

  private static Duration seconds(double seconds) {
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  @Test
  void neverPacesARouteThatWasNotRateLimited() {
    Instant end = stream(T0, seconds(2), 5000, 0);

    for (int i = 0; i < 100; i++) {
      assertThat(limiter.reserve(end)).isZero();
    }
    assertThat(limiter.rate()).isZero();
  }

  @Test
  void floodSettlesJustBelowTheRateSparkPostAccepts() {
    // Three requests for every one SparkPost takes. The first look, a few ms in, sees a short burst;
    // the next, a second later, sees a whole second: 1000 accepted.
    Instant end = stream(T0, seconds(1.05), 1000, 2000);

    // Within 1%: counted in 10 ms buckets.
    assertThat(limiter.rate()).isCloseTo(1000 * AdaptiveRateLimiter.SETTLE_FACTOR, within(12.0));
    Instant later = end.plusMillis(1);
    assertThat(limiter.reserve(later)).isZero();
    Duration gap = Duration.ofNanos((long) (1e9 / limiter.rate()));
    assertThat(limiter.reserve(later)).isEqualTo(gap);
    assertThat(limiter.reserve(later)).isEqualTo(gap.multipliedBy(2));
  }

  @Test
  void aBacklogFlushedAfterAnOutageIsPacedAtTheRateOfItsOwnBurstNotOfTheWholeSecond() {
    // The outage: the route answered only with failures, long before the backlog went out.
    for (int i = 0; i < 50; i++) {
      limiter.onOtherOutcome(T0.plusMillis(20L * i));
    }
    // Recovery: 150 ms at full speed, SparkPost taking 1000 a second and refusing the rest.
    Instant healed = T0.plusSeconds(30);
    stream(healed, seconds(0.15), 1000, 2000);

    assertThat(limiter.rate()).as("paced from the 150 ms the drain has run, not from a whole second")
        .isGreaterThan(1000 * AdaptiveRateLimiter.SETTLE_FACTOR * 0.8);
  }

  @Test
  void strayRefusalsAmongManyAcceptancesNeverPace() {
    stream(T0, seconds(3), 1000, 10);

    assertThat(limiter.rate()).isZero();
  }

  @Test
  void refusalsOfRequestsAlreadyOnTheirWayDoNotCutThePaceAgainWithinASecond() {
    Instant end = stream(T0, seconds(1.05), 1000, 2000);
    double paced = limiter.rate();

    for (int i = 0; i < 50; i++) {
      limiter.onRateLimited(end.plusMillis(10));
      limiter.onRateLimited(end.plusMillis(900));
    }

    assertThat(limiter.rate()).isEqualTo(paced);
  }

  @Test
  void limitPressedAgainAfterAQuietSpellCutsThePaceAgain() {
    Instant end = stream(T0, seconds(1.05), 1000, 2000);
    double paced = limiter.rate();
    end = stream(end, seconds(4), (int) paced, 0);

    // The pace grew past the limit: 3% refused. The first refusal looks back on the quiet second and
    // lets it be; the next look, a second later, sees the limit.
    stream(end, seconds(1.1), 900, 28);

    assertThat(limiter.rate()).isCloseTo(900 * AdaptiveRateLimiter.SETTLE_FACTOR, within(12.0));
  }

  @Test
  void refusalsThatDoNotFallWhenWeSlowDownUndoTheCutAndAreIgnoredForAWhile() {
    // An overloaded SparkPost refusing 5% of requests whatever our pace: the first look paces, the
    // next sees as many refusals and undoes it.
    Instant end = stream(T0, seconds(1.05), 950, 50);
    assertThat(limiter.rate()).as("the cut is undone: not pacing, as before it").isZero();

    stream(end, AdaptiveRateLimiter.NOISE_HOLD.minusSeconds(1), 950, 50);
    assertThat(limiter.rate()).isZero();
  }

  @Test
  void paceNeverFallsBelowHalfTheMostAcceptedInASecondWhilePacing() {
    // Pacing starts slowly (a cold start, a third refused)...
    Instant end = stream(T0, seconds(0.5), 100, 50);
    end = stream(end, seconds(3), 90, 0);
    // ...then a second with 1000 accepted and a third refused...
    end = stream(end, seconds(1.2), 1000, 500);
    assertThat(limiter.rate()).isCloseTo(1000 * AdaptiveRateLimiter.SETTLE_FACTOR, within(12.0));
    // ...then heavy refusals however slowly we go.
    stream(end, seconds(10), 10, 10);

    // Within 1%: counted in 10 ms buckets.
    assertThat(limiter.rate()).isGreaterThanOrEqualTo(0.99 * 1000 * AdaptiveRateLimiter.FLOOR_SHARE);
  }

  @Test
  void paceGrowsWhileNothingIsRefusedAndStopsAfterAQuietMinute() {
    Instant end = stream(T0, seconds(1.05), 1000, 2000);
    double paced = limiter.rate();

    limiter.reserve(end.plusSeconds(10));
    // About ten seconds since the cut (it came a little before the stream ended).
    assertThat(limiter.rate()).isCloseTo(paced * Math.pow(AdaptiveRateLimiter.GROWTH_PER_SECOND, 10), within(3.0));

    assertThat(limiter.reserve(end.plus(AdaptiveRateLimiter.RELEASE_AFTER))).isZero();
    assertThat(limiter.rate()).isZero();
  }

  @Test
  void refusalsWithNothingAcceptedPaceAtTheMinimumRatherThanStopping() {
    Instant end = stream(T0, seconds(0.5), 0, 10);

    assertThat(limiter.rate()).isEqualTo(AdaptiveRateLimiter.MIN_RATE);
    assertThat(limiter.reserve(end)).isZero();
    // A second apart, give or take the 1% a second the pace grew since the refusals.
    assertThat(limiter.reserve(end).toMillis()).isBetween(980L, 1000L);
  }
}
