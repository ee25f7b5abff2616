package io.steadfast.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code steadfast demo}: demonstrations that need nothing but this jar. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a self-contained demonstration.",
    subcommands = DemoCommand.Outage.class)
final class DemoCommand {

  /** {@code steadfast demo outage}: replays SparkPost's 23 May 2019 outage against an embedded fake. */
  @Command(name = "outage", mixinStandardHelpOptions = true,
      description = {"Replay SparkPost's outage of 23 May 2019 against an embedded FakeSparkPost on a compressed"
          + " clock and show that nothing is lost or sent twice.", "Exits 0 only if every message was"
          + " accepted exactly once."})
  static final class Outage implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--messages", description = "How many messages to send (default: ${DEFAULT-VALUE}).")
    int messages = 400;

    @Override
    public Integer call() throws Exception {
      if (messages < 1 || messages > 100_000) {
        spec.commandLine().getErr().println("--messages must be between 1 and 100000 but was " + messages);
        return Steadfast.USAGE;
      }
      PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true, StandardCharsets.UTF_8);
      OutageDemo.Summary summary = OutageDemo.run(messages, out);
      out.flush();
      return summary.ok() ? Steadfast.OK : Steadfast.PERMANENT;
    }
  }

  /** Lets the demo, which prints to a PrintStream, write through picocli's PrintWriter. */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final java.io.PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(java.io.PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      writer.print(line.toString(StandardCharsets.UTF_8));
      writer.flush();
      line.reset();
    }
  }
}
