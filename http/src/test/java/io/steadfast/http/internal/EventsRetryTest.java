package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Full-jitter exponential backoff with SparkPost's Retry-After as the floor and the cap as the limit. */
class EventsRetryTest {
  private final EventsRetry retry = EventsRetry.DEFAULT;

  @Test
  void defaultsAreOneSecondBaseTwentySecondCapFourTries() {
    assertThat(retry).isEqualTo(new EventsRetry(Duration.ofSeconds(1), Duration.ofSeconds(20), 4));
  }

  @Test
  void ceilingDoublesPerRetryUpToTheCap() {
    assertThat(retry.delay(1, null, () -> 0.999_999)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
    assertThat(retry.delay(3, null, () -> 0.999_999)).isBetween(Duration.ofMillis(3999), Duration.ofSeconds(4));
    assertThat(retry.delay(6, null, () -> 0.999_999)).isBetween(Duration.ofMillis(19_999), Duration.ofSeconds(20));
    assertThat(retry.delay(200, null, () -> 0.999_999)).isBetween(Duration.ofMillis(19_999), Duration.ofSeconds(20));
  }

  @Test
  void jitterDrawsFromZeroToTheCeiling() {
    assertThat(retry.delay(3, null, () -> 0.0)).isZero();
    assertThat(retry.delay(3, null, () -> 0.25)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void retryAfterIsTheLeastWait() {
    assertThat(retry.delay(1, Duration.ofSeconds(7), () -> 0.5)).isEqualTo(Duration.ofSeconds(7));
    assertThat(retry.delay(6, Duration.ofSeconds(1), () -> 0.5)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void retryAfterBeyondTheCapIsNotWaitedFor() {
    assertThat(retry.delay(1, Duration.ofSeconds(21), () -> 0.5)).isNull();
    assertThat(retry.delay(1, Duration.ofSeconds(20), () -> 0.5)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new EventsRetry(Duration.ofSeconds(1), Duration.ofSeconds(20), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxTries must be >= 1 but was 0");
    assertThatThrownBy(() -> new EventsRetry(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
