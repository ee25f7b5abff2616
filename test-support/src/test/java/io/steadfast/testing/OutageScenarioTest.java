package io.steadfast.testing;

import static io.steadfast.testing.Http.API_KEY;
import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutageScenarioTest {

  private final FakeSparkPost fake = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    fake.close();
  }

  @Test
  void outage2019ByRequestsMovesThroughPhasesAtTheGivenCounts() {
    fake.play(OutageScenario.outage2019(42, 5, 40, 10));

    List<Integer> statuses = post(5 + 40 + 10 + 5);

    assertThat(statuses.subList(0, 5)).containsOnly(200);
    assertThat(statuses.subList(5, 45)).contains(200).containsAnyOf(500, 502, 503, 504, 429);
    assertThat(statuses.subList(45, 55)).doesNotContain(200);
    assertThat(statuses.subList(55, 60)).containsOnly(200);
    assertThat(fake.requestsByPhase())
        .containsExactly(
            Map.entry("healthy", 5),
            Map.entry("intermittent", 40),
            Map.entry("outage", 10),
            Map.entry("recovery", 5));
    assertThat(fake.currentPhase()).hasValue("recovery");
  }

  @Test
  void sameSeedReplaysSameStatusesRequestByRequest() {
    fake.play(OutageScenario.outage2019(9, 0, 30, 10));
    List<Integer> first = post(40);
    fake.play(OutageScenario.outage2019(9, 0, 30, 10));

    List<Integer> second = post(40);

    assertThat(second).isEqualTo(first);
  }

  @Test
  void timedPhasesFollowTheScenarioClock() {
    FakeClock clock = new FakeClock(Instant.parse("2019-06-04T12:00:00Z"));
    fake.play(
        OutageScenario.outage2019(
            1, clock, Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(20)));

    assertThat(fake.currentPhase()).hasValue("healthy");
    clock.advance(Duration.ofSeconds(10));
    assertThat(fake.currentPhase()).hasValue("intermittent");
    clock.advance(Duration.ofSeconds(25));
    assertThat(fake.currentPhase()).hasValue("outage");
    assertThat(post(5)).doesNotContain(200);
    clock.advance(Duration.ofSeconds(15));
    assertThat(fake.currentPhase()).hasValue("recovery");
    assertThat(post(3)).containsOnly(200);
  }

  @Test
  void realTimePresetRecoversAfterFiftySecondsOfTrouble() {
    OutageScenario scenario = OutageScenario.outage2019(3);

    assertThat(scenario.phases())
        .extracting(OutageScenario.Phase::name)
        .containsExactly("healthy", "intermittent", "outage", "recovery");
    assertThat(
            scenario.phases().stream()
                .map(p -> p.length().orElse(Duration.ZERO))
                .reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofSeconds(50));
    assertThat(scenario.phases().get(3).length()).isEmpty();
    assertThat(scenario.phases().get(3).requests()).isEmpty();
    assertThat(scenario.clock()).isEqualTo(Clock.systemUTC());
  }

  @Test
  void fullOutageFailsEveryRequestWith503OrReset() {
    fake.faults(OutageScenario.fullOutage(4));

    List<Integer> statuses = post(50);

    assertThat(statuses).containsOnly(503, -1).contains(503, -1);
    assertThat(fake.transmissions()).isEmpty();
  }

  @Test
  void queuedAnswersGoBeforeTheScenarioAndResumeStopsIt() {
    fake.play(OutageScenario.builder().last("down", FaultPlan.always(FakeResponse.serverError(502))));
    fake.enqueue(FakeResponse.accepted());

    List<Integer> statuses = post(2);
    fake.resume();

    assertThat(statuses).containsExactly(200, 502);
    assertThat(fake.currentPhase()).isEmpty();
    assertThat(post(1)).containsExactly(200);
  }

  @Test
  void rejectsNegativePhaseLengths() {
    assertThatThrownBy(() -> OutageScenario.builder().phase("x", -1, FaultPlan.healthy()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requests must be >= 0 but was -1");
    assertThatThrownBy(
            () -> OutageScenario.builder().phase("x", Duration.ofSeconds(-1), FaultPlan.healthy()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Posts {@code n} valid transmissions; a broken connection is reported as status -1. */
  private List<Integer> post(int n) {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        statuses.add(Http.sendOrThrow(Http.transmission(fake, VALID).build()).statusCode());
      } catch (IOException e) {
        statuses.add(-1);
      }
    }
    return statuses;
  }


  @Test
  void withAcceptedThenDroppedChangesOnlyTheNamedPhase() {
    OutageScenario scenario = OutageScenario.outage2019(42, 1, 1, 1);

    OutageScenario changed = scenario.withAcceptedThenDropped("intermittent", 10);

    assertThat(changed.phases().get(1).plan().responses())
        .contains(FakeResponse.acceptedThenDropped());
    assertThat(changed.phases().get(1).requests()).isEqualTo(scenario.phases().get(1).requests());
    assertThat(changed.phases().get(0).plan()).isSameAs(scenario.phases().get(0).plan());
    assertThat(changed.phases().get(2).plan()).isSameAs(scenario.phases().get(2).plan());
    assertThat(changed.clock()).isSameAs(scenario.clock());
  }

  @Test
  void withAcceptedThenDroppedRefusesAnUnknownPhase() {
    assertThatThrownBy(() -> OutageScenario.outage2019(42).withAcceptedThenDropped("lunch", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lunch")
        .hasMessageContaining("intermittent");
  }
}
