package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs {@code steadfast demo outage} in-process with a few hundred messages and the three-hour story
 * compressed to a few seconds: a real SQLite spool, the embedded FakeSparkPost playing the 2019
 * preset, and a dispatcher restart half-way.
 */
class OutageDemoTest {
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void deliversEveryMessageOnceThroughTheSpoolDespiteTheOutageAndARestart() {
    int code = run("demo", "outage", "--messages", "200", "--duration", "4s", "--seed", "7");

    String output = out.toString();
    assertThat(code).as(output + err).isZero();
    assertThat(output)
        .contains("healthy: SparkPost accepts every message")
        .contains("full outage: every request fails")
        .contains("recovery: SparkPost answers again")
        .contains("KILL: the dispatcher's process dies mid-outage")
        .contains("RESTART: a new dispatcher opened the same spool file")
        .containsPattern("submitted \\(acknowledged by the spool\\)\\s+200 of 200")
        .containsPattern("delivered \\(accepted by SparkPost, by key\\)\\s+200\\R")
        .containsPattern("duplicates \\(a key accepted twice\\)\\s+0\\R")
        .containsPattern("lost \\(acknowledged, never accepted\\)\\s+0\\R")
        .containsPattern("dispatcher kills and restarts\\s+1 \\(\\d+ messages carried over, \\d+ of them left in flight\\)")
        .containsPattern("backlog when SparkPost healed \\(23:14\\)\\s+\\d+ messages")
        .containsPattern("recovery to last delivery\\s+.*target .* \\(backlog / accepted rate \\+ 1 min\\)")
        .contains("RESULT: nothing lost, nothing sent twice");
    // Not a terminal: plain progress lines, never carriage returns.
    assertThat(output).doesNotContain("\r");
  }

  @Test
  void jsonPrintsOnlyTheSummaryWithTheCounts() {
    int code = run("demo", "outage", "--messages", "120", "--duration", "4s", "--json");

    assertThat(code).as(out.toString() + err).isZero();
    JsonNode summary = JsonMapper.builder().build().readTree(out.toString().strip());
    assertThat(summary.get("status").asString()).isEqualTo("ok");
    assertThat(summary.get("submitted").asInt()).isEqualTo(120);
    assertThat(summary.get("delivered").asInt()).isEqualTo(120);
    assertThat(summary.get("duplicates").asInt()).isZero();
    assertThat(summary.get("lost").asInt()).isZero();
    assertThat(summary.get("dead").asInt()).isZero();
    assertThat(summary.get("restarts").asInt()).isEqualTo(1);
    assertThat(summary.get("carried_over").asInt()).isPositive();
    // The outage failed requests, so SparkPost saw more requests than messages.
    assertThat(summary.get("requests").asInt()).isGreaterThan(120);
    assertThat(summary.get("speed").asInt()).isEqualTo(2700);
  }

  /**
   * The story plays at x360 here, not x2700: one simulated minute is then 167 ms of real time, so the
   * slack measures the dispatcher rather than a loaded machine's scheduling; the target comes from
   * the rate the same run delivered at, never from a wall-clock bound.
   */
  @Test
  void backlogGoesOutWithinBacklogOverAcceptedRatePlusOneMinuteOfHealing() {
    int code = run("demo", "outage", "--messages", "200", "--duration", "30s", "--seed", "18", "--json");

    assertThat(code).as(out.toString() + err).isZero();
    JsonNode recovery = JsonMapper.builder().build().readTree(out.toString().strip()).get("recovery");
    int backlog = recovery.get("backlog").asInt();
    double rate = recovery.get("accepted_per_minute").asDouble();
    double last = recovery.get("last_delivery_seconds").asDouble();
    double target = backlog / rate * 60 + 60;
    // The outage left a real backlog, drained at a measurable rate.
    assertThat(backlog).as(recovery.toString()).isGreaterThan(50);
    assertThat(rate).as(recovery.toString()).isPositive();
    assertThat(recovery.get("target_seconds").asDouble()).as(recovery.toString()).isCloseTo(target, withPercentage(1));
    assertThat(recovery.get("first_accepted_seconds").asDouble()).as(recovery.toString()).isLessThan(60);
    assertThat(last).as(recovery.toString()).isLessThanOrEqualTo(target);
    assertThat(recovery.get("target_met").asBoolean()).as(recovery.toString()).isTrue();
  }

  @Test
  void recoveryFiguresCountOnlyTheBacklogAndJudgeItByTheRateSparkPostAccepted() {
    Instant healed = OutageDemo.healedAt();
    Map<String, Instant> acknowledged = new HashMap<>();
    Map<String, Instant> accepted = new HashMap<>();
    // Delivered before the outage ended: not backlog.
    acknowledged.put("early", healed.minus(Duration.ofHours(2)));
    accepted.put("early", healed.minus(Duration.ofHours(2)).plusSeconds(1));
    // 60 waiting at the heal, accepted one a second from 10 s after it.
    for (int i = 0; i < 60; i++) {
      acknowledged.put("backlog-" + i, healed.minus(Duration.ofMinutes(60 - i)));
      accepted.put("backlog-" + i, healed.plusSeconds(10 + i));
    }
    // Submitted after the heal: new mail, not backlog, accepted once the backlog is out.
    acknowledged.put("new", healed.plusSeconds(30));
    accepted.put("new", healed.plusSeconds(80));

    OutageDemo.Recovery recovery = OutageDemo.Recovery.of(acknowledged, accepted, healed);

    assertThat(recovery.backlog()).isEqualTo(60);
    assertThat(recovery.firstAccepted()).isEqualTo(Duration.ofSeconds(10));
    assertThat(recovery.lastDelivery()).isEqualTo(Duration.ofSeconds(69));
    assertThat(recovery.acceptedPerMinute()).isEqualTo(60.0);
    assertThat(recovery.target()).isEqualTo(Duration.ofSeconds(120));
    assertThat(recovery.met()).isTrue();

    // The last backlog message waits out a backoff while 100 new messages go out past it: missed.
    for (int i = 0; i < 100; i++) {
      acknowledged.put("new-" + i, healed.plusSeconds(60 + i));
      accepted.put("new-" + i, healed.plusSeconds(70 + i));
    }
    accepted.put("backlog-59", healed.plusSeconds(175));

    OutageDemo.Recovery late = OutageDemo.Recovery.of(acknowledged, accepted, healed);

    assertThat(late.lastDelivery()).isEqualTo(Duration.ofSeconds(175));
    assertThat(late.target()).isLessThan(late.lastDelivery());
    assertThat(late.met()).isFalse();
  }

  @Test
  void badNumbersAndDurationsAreUsageErrors() {
    assertThat(run("demo", "outage", "--messages", "0")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("--messages must be between 1 and 100000 but was 0");

    assertThat(run("demo", "outage", "--duration", "500ms")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("--duration must be between 1s and 1h");

    assertThat(run("demo", "outage", "--duration", "soon")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("'soon' is not a duration").contains("steadfast demo outage --help");

    assertThat(run("demo")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("'steadfast demo' needs a command: outage.")
        .contains("Run 'steadfast demo --help' for usage.");

    assertThat(run("demo", "outage", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: steadfast demo outage").contains("--messages").contains("--duration")
        .contains("--seed").contains("--json");
  }
}
