package io.steadfast.testing;

import static io.steadfast.testing.Http.API_KEY;
import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

  @Test
  void sameSeedDrawsSameAnswersInSameOrder() {
    FaultPlan plan = FaultPlan.serverErrors(7, 30);

    List<FakeResponse> first = draws(plan, 200);
    List<FakeResponse> second = draws(plan, 200);

    assertThat(first).isEqualTo(second);
  }

  @Test
  void differentSeedsDrawDifferentSequences() {
    assertThat(draws(FaultPlan.serverErrors(1, 50), 100))
        .isNotEqualTo(draws(FaultPlan.serverErrors(2, 50), 100));
  }

  @Test
  void drawsEachAnswerInProportionToItsWeight() {
    FaultPlan plan =
        FaultPlan.builder(3)
            .add(70, FakeResponse.accepted())
            .add(30, FakeResponse.serverError(503))
            .build();

    Map<FakeResponse, Integer> counts = new HashMap<>();
    for (FakeResponse response : draws(plan, 10_000)) {
      counts.merge(response, 1, Integer::sum);
    }

    assertThat(counts.get(FakeResponse.serverError(503))).isBetween(2_700, 3_300);
    assertThat(counts.get(FakeResponse.accepted())).isBetween(6_700, 7_300);
  }

  @Test
  void serverErrorsPlanFailsOnlyWithStatusesThatMeanNotSent() {
    FaultPlan plan = FaultPlan.serverErrors(11, 30);

    assertThat(plan.responses())
        .containsExactly(
            FakeResponse.accepted(),
            FakeResponse.serverError(500),
            FakeResponse.serverError(502),
            FakeResponse.serverError(503),
            FakeResponse.serverError(504),
            FakeResponse.rateLimited(Duration.ZERO));
    assertThat(plan.weight(0)).isEqualTo(700);
  }

  @Test
  void ignoresZeroWeightsAndRejectsNegativeOnes() {
    FaultPlan plan =
        FaultPlan.builder(0).add(0, FakeResponse.serverError(500)).add(1, FakeResponse.accepted()).build();

    assertThat(plan.responses()).containsExactly(FakeResponse.accepted());
    assertThatThrownBy(() -> FaultPlan.builder(0).add(-1, FakeResponse.accepted()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight must be >= 0 but was -1");
    assertThatThrownBy(() -> FaultPlan.builder(0).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> FaultPlan.serverErrors(0, 101))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fakeAnswersRequestsFromThePlanReproducibly() throws IOException {
    FaultPlan plan = FaultPlan.serverErrors(5, 50);
    List<FakeResponse> expected = draws(plan, 20);

    List<Integer> statuses = new ArrayList<>();
    try (FakeSparkPost fake = FakeSparkPost.start(API_KEY)) {
      fake.faults(plan);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> response = Http.sendOrThrow(Http.transmission(fake, VALID).build());
        statuses.add(response.statusCode());
      }

      assertThat(fake.transmissions()).hasSize((int) statuses.stream().filter(s -> s == 200).count());
    }

    List<Integer> expectedStatuses = new ArrayList<>();
    for (FakeResponse response : expected) {
      expectedStatuses.add(response.kind() == FakeResponse.Kind.NORMAL ? 200 : response.status());
    }
    assertThat(statuses).isEqualTo(expectedStatuses).contains(200).containsAnyOf(500, 502, 503, 504, 429);
  }

  @Test
  void connectionResetFaultRecordsRequestButNoTransmission() {
    try (FakeSparkPost fake = FakeSparkPost.start(API_KEY)) {
      fake.faults(FaultPlan.always(FakeResponse.connectionReset()));

      assertThatThrownBy(() -> Http.sendOrThrow(Http.transmission(fake, VALID).build()))
          .isInstanceOf(IOException.class);

      assertThat(fake.requests()).singleElement().satisfies(r -> assertThat(r.status()).isNull());
      assertThat(fake.transmissions()).isEmpty();
    }
  }

  @Test
  void withShareMixesInTheShareAndKeepsTheOtherProportionsAndSeed() {
    FaultPlan base =
        FaultPlan.builder(9)
            .add(3, FakeResponse.accepted())
            .add(1, FakeResponse.serverError(503))
            .build();

    FaultPlan mixed = base.withShare(20, FakeResponse.acceptedThenDropped());

    assertThat(mixed.seed()).isEqualTo(9);
    assertThat(mixed.responses())
        .containsExactly(
            FakeResponse.accepted(), FakeResponse.serverError(503), FakeResponse.acceptedThenDropped());
    // 3:1 scaled by 80, and 20% of the old total of 4.
    assertThat(List.of(mixed.weight(0), mixed.weight(1), mixed.weight(2)))
        .containsExactly(240, 80, 80);
  }

  @Test
  void withShareRefusesAPercentOutsideZeroToHundred() {
    assertThatThrownBy(() -> FaultPlan.healthy().withShare(101, FakeResponse.acceptedThenDropped()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("101");
  }

  @Test
  void acceptedThenDroppedPlanDrawsAboutItsShareOfDrops() {
    List<FakeResponse> drawn = draws(FaultPlan.acceptedThenDropped(5, 25), 1000);

    long drops = drawn.stream().filter(FakeResponse.acceptedThenDropped()::equals).count();

    assertThat(drops).isBetween(200L, 300L);
    assertThat(drawn).containsOnly(FakeResponse.accepted(), FakeResponse.acceptedThenDropped());
  }

  @Test
  void acceptedThenDroppedIsNotEqualToAcceptedAndSendsNoHeaders() {
    assertThat(FakeResponse.acceptedThenDropped()).isNotEqualTo(FakeResponse.accepted());
    assertThatThrownBy(() -> FakeResponse.acceptedThenDropped().withHeader("X", "y"))
        .isInstanceOf(IllegalStateException.class);
  }

  private static List<FakeResponse> draws(FaultPlan plan, int n) {
    Random random = plan.newRandom();
    List<FakeResponse> result = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      result.add(plan.draw(random));
    }
    return result;
  }
}
