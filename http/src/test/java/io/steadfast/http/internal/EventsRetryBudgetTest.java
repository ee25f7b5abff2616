package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The token bucket behind the Events search's retries. */
class EventsRetryBudgetTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void defaultsAreTenRetriesAndOneMoreEverySixSeconds() {
    EventsRetryBudget budget = EventsRetryBudget.withDefaults(clock);

    for (int i = 0; i < 10; i++) {
      assertThat(budget.tryAcquire()).as("retry %d", i + 1).isTrue();
    }
    assertThat(budget.tryAcquire()).isFalse();
    clock.advance(Duration.ofSeconds(5));
    assertThat(budget.tryAcquire()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isFalse();
  }

  @Test
  void neverHoldsMoreThanItsCapacity() {
    EventsRetryBudget budget = new EventsRetryBudget(clock, 2, Duration.ofSeconds(1));

    clock.advance(Duration.ofHours(1));

    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isFalse();
  }

  @Test
  void zeroCapacityNeverRetries() {
    EventsRetryBudget budget = new EventsRetryBudget(clock, 0, Duration.ofSeconds(1));

    clock.advance(Duration.ofMinutes(1));

    assertThat(budget.tryAcquire()).isFalse();
  }
}
