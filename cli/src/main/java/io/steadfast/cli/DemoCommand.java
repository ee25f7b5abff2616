package io.steadfast.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code steadfast demo}: demonstrations that need nothing but this jar. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a self-contained demonstration.",
    subcommands = DemoCommand.Outage.class)
final class DemoCommand {

  private DemoCommand() {}

  /** {@code steadfast demo outage}: replays SparkPost's 23 May 2019 outage against an embedded fake. */
  @Command(name = "outage", mixinStandardHelpOptions = true,
      description = {"Replay SparkPost's outage of 23 May 2019 (21:00 to 24:00: intermittent 5xx and 429s from 21:14,"
          + " a full outage from 21:22, recovery at 23:14) against an embedded fake SparkPost on a compressed"
          + " clock. Producer threads submit messages through a real SQLite spool in a temporary directory while"
          + " the outage plays; mid-outage the dispatcher is killed during a delivery and a new one takes over the"
          + " same spool file, sending what was left in flight again with the same idempotency keys. Shows live"
          + " progress and ends with a table, which includes the backlog when SparkPost healed and the"
          + " recovery to last delivery (simulated time from the heal to the last of that backlog accepted) against"
          + " its target: backlog / accepted rate + 1 simulated minute.",
          "Exits 0 only if every message was accepted by SparkPost exactly once (none lost, none doubled), 1"
              + " otherwise. Needs no API key and no network."})
  static final class Outage implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--messages", paramLabel = "N", description = "How many messages to submit (default: ${DEFAULT-VALUE}).")
    int messages = 3000;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DrainCommand.DurationConverter.class,
        description = "How long the three hours of the outage take in real time, e.g. 60s or 2m (default: 60s;"
            + " 1s to 1h). Every wait of the client and the dispatcher is scaled the same way.")
    Duration duration = Duration.ofSeconds(60);

    @Option(names = "--seed", description = "The seed of the fake's fault draws, to repeat a run (default: ${DEFAULT-VALUE}).")
    long seed = 2019;

    @Option(names = "--json", description = "Print no progress, only a JSON summary at the end.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (messages < 1 || messages > 100_000) {
        err.println("--messages must be between 1 and 100000 but was " + messages);
        return Steadfast.USAGE;
      }
      if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(Duration.ofHours(1)) > 0) {
        err.println("--duration must be between 1s and 1h but was " + duration.toMillis() + " ms");
        return Steadfast.USAGE;
      }
      OutageDemo.Settings settings = new OutageDemo.Settings(messages, duration, seed);
      // A redrawn line only on a real terminal; a pipe or a log file gets plain lines.
      boolean terminal = System.console() != null;
      OutageDemo.Summary summary = OutageDemo.run(settings, out, terminal, json);
      if (json) {
        out.println(JsonMapper.builder().build().writeValueAsString(summary.toJson(settings)));
        out.flush();
      } else {
        OutageDemo.printTable(summary, settings.speed(), out);
      }
      return summary.ok() ? Steadfast.OK : Steadfast.PERMANENT;
    }
  }
}
