package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
