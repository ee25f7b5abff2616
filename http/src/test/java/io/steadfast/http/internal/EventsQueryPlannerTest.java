package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.IdempotencyKey;
import io.steadfast.spi.MessageEvents.Lookup;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** How the lookups of one search become first-page URLs: windows, filters, deduplication and the URI limit. */
class EventsQueryPlannerTest {
  private static final Instant SENT = Instant.parse("2019-05-23T21:14:00Z");
  private static final Instant NOW = SENT.plus(Duration.ofMinutes(30));
  private final EventsQueryPlanner planner =
      new EventsQueryPlanner(HttpUrl.get("https://api.sparkpost.com/api/v1/events/message"));

  @Test
  void windowStartsFiveMinutesBeforeEarliestSentAfterAndEndsAtUntilRoundedUp() {
    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT.plusSeconds(90), "a@x.example"),
        lookup("b", SENT.plusMillis(1500), "b@x.example")), NOW.plusMillis(200), NOW);

    assertThat(urls).hasSize(1);
    assertThat(urls.get(0).queryParameter("from")).isEqualTo("2019-05-23T21:09:01Z");
    assertThat(urls.get(0).queryParameter("to")).isEqualTo("2019-05-23T21:44:01Z");
    assertThat(urls.get(0).queryParameter("recipients")).isEqualTo("b@x.example,a@x.example");
  }

  @Test
  void neverStartsBeforeSparkPostsTenDayRetention() {
    Instant now = SENT.plus(Duration.ofDays(12));

    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT, "a@x.example")), now, now);

    assertThat(urls).hasSize(1);
    Instant from = Instant.parse(urls.get(0).queryParameter("from"));
    assertThat(from).isAfterOrEqualTo(now.minus(Duration.ofDays(10))).isBefore(now.minus(Duration.ofDays(10)).plusSeconds(120));
  }

  @Test
  void plansNothingWhenTheWindowIsEmpty() {
    Instant now = SENT.plus(Duration.ofDays(12));

    assertThat(planner.plan(List.of(lookup("a", SENT, "a@x.example")), SENT.plus(Duration.ofDays(1)), now)).isEmpty();
  }

  @Test
  void lookupsWithinThreeHoursShareOneQuery() {
    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT, "a@x.example"),
        lookup("b", SENT.plus(Duration.ofHours(3)), "b@x.example")), NOW.plus(Duration.ofHours(4)), NOW);

    assertThat(urls).hasSize(1);
    assertThat(urls.get(0).queryParameter("recipients")).isEqualTo("a@x.example,b@x.example");
  }

  @Test
  void lookupsHoursApartGetSeparateWindows() {
    Instant later = SENT.plus(Duration.ofHours(5));

    List<HttpUrl> urls = planner.plan(List.of(lookup("late", later, "b@x.example"), lookup("early", SENT, "a@x.example")),
        later.plus(Duration.ofHours(1)), later);

    assertThat(urls).extracting(url -> url.queryParameter("from") + " " + url.queryParameter("recipients"))
        .containsExactly("2019-05-23T21:09:00Z a@x.example", "2019-05-24T02:09:00Z b@x.example");
  }

  @Test
  void dedupesAddressesAcrossLookups() {
    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT, "a@x.example", "b@x.example"),
        lookup("b", SENT, "b@x.example", "a@x.example", "c@x.example")), NOW, NOW);

    assertThat(urls).singleElement()
        .extracting(url -> url.queryParameter("recipients")).isEqualTo("a@x.example,b@x.example,c@x.example");
  }

  @Test
  void batchesCampaignsAndTemplatesOfStoredListLookups() {
    List<HttpUrl> urls = planner.plan(List.of(
        new Lookup(IdempotencyKey.of("a"), List.of(), "spring", null, SENT),
        new Lookup(IdempotencyKey.of("b"), List.of(), "summer", "ignored-when-campaign", SENT),
        new Lookup(IdempotencyKey.of("c"), List.of(), null, "welcome", SENT)), NOW, NOW);

    assertThat(urls).extracting(url -> url.queryParameterNames().contains("recipients") + " "
        + url.queryParameter("campaigns") + " " + url.queryParameter("templates"))
        .containsExactly("false spring,summer null", "false null welcome");
  }

  @Test
  void commaInAnAddressFallsBackToTheWholeWindow() {
    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT, "\"Smith, J\"@x.example"),
        lookup("b", SENT, "b@x.example")), NOW, NOW);

    assertThat(urls).singleElement().satisfies(url -> {
      assertThat(url.queryParameterNames()).containsExactlyInAnyOrder("from", "to", "events", "per_page", "cursor");
      assertThat(url.queryParameter("events"))
          .isEqualTo("injection,policy_rejection,generation_failure,generation_rejection");
      assertThat(url.queryParameter("per_page")).isEqualTo("1000");
      assertThat(url.queryParameter("cursor")).isEqualTo("initial");
    });
  }

  @Test
  void encodesPlusAmpersandAndNonAsciiSoTheyCannotChangeTheQuery() {
    List<HttpUrl> urls = planner.plan(List.of(lookup("a", SENT, "a+b&c=d@x.example", "jörg@bücher.example")), NOW, NOW);

    assertThat(urls.get(0).encodedQuery())
        .endsWith("&recipients=a%2Bb%26c%3Dd%40x.example,j%C3%B6rg%40b%C3%BCcher.example");
    assertThat(urls.get(0).queryParameter("recipients")).isEqualTo("a+b&c=d@x.example,jörg@bücher.example");
  }

  @Test
  void firstPagesLeaveRoomForTheCursorAndCoverEveryAddressOnce() {
    EventsQueryPlanner deepPath = new EventsQueryPlanner(
        HttpUrl.get("https://sparkpost-proxy.internal.example:8443/some/long/prefix/api/v1/events/message"));
    List<String> addresses = IntStream.range(0, 500)
        .mapToObj(i -> "recipient-" + i + "-with-a-long-local-part@example-" + (i % 7) + ".example").toList();

    List<HttpUrl> urls = deepPath.plan(List.of(new Lookup(IdempotencyKey.of("k"), addresses, null, null, SENT)), NOW, NOW);

    assertThat(urls).hasSizeGreaterThan(5).allSatisfy(url -> assertThat(url.toString().length())
        .isLessThan(EventsQueryPlanner.MAX_URI_CHARS - EventsQueryPlanner.CURSOR_HEADROOM_CHARS));
    assertThat(urls.stream().flatMap(url -> Arrays.stream(url.queryParameter("recipients").split(","))))
        .containsExactlyElementsOf(addresses);
    // Packed, not merely split: all but the last batch are nearly full.
    assertThat(urls.subList(0, urls.size() - 1)).allSatisfy(url -> assertThat(url.toString().length())
        .isGreaterThan(EventsQueryPlanner.MAX_URI_CHARS - EventsQueryPlanner.CURSOR_HEADROOM_CHARS - 100));
  }

  private static Lookup lookup(String key, Instant sentAfter, String... recipients) {
    return new Lookup(IdempotencyKey.of(key), List.of(recipients), null, null, sentAfter);
  }
}
