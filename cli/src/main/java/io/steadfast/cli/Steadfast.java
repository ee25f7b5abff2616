package io.steadfast.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code steadfast} command.
 *
 * <p>Exit codes: 0 success; 1 permanent failure (fix something first); 2 bad usage or invalid input;
 * 3 retryable failure (try again later with the same idempotency key); 4 outcome unknown (SparkPost
 * may have accepted the message).
 */
@Command(name = "steadfast", mixinStandardHelpOptions = true, version = "steadfast 0.1.0",
    description = "Send email through SparkPost without losing it when SparkPost fails.",
    subcommands = {SendCommand.class, SubmitCommand.class, DrainCommand.class, SpoolCommand.class,
        DoctorCommand.class, DemoCommand.class, ReconcileCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:permanent failure: fix the message, key or account first (drain: a message went dead)",
        "2:bad usage or invalid input",
        "3:retryable failure: try again later with the same idempotency key (drain: some still pending)",
        "4:outcome unknown: SparkPost may have accepted the message"})
public final class Steadfast {
  /** Success. */
  static final int OK = 0;
  /** A permanent failure. */
  static final int PERMANENT = 1;
  /** Bad usage or invalid input. */
  static final int USAGE = 2;
  /** A retryable failure. */
  static final int RETRYABLE = 3;
  /** SparkPost may have accepted the message. */
  static final int UNKNOWN = 4;

  private Steadfast() {}

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given output streams and returns the exit code (for tests). */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new Steadfast());
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExitCodeExceptionMapper(e -> USAGE);
    commandLine.setParameterExceptionHandler((e, arguments) -> {
      CommandLine failed = e.getCommandLine();
      String name = failed.getCommandSpec().qualifiedName(" ");
      if (!failed.getSubcommands().isEmpty() && e.getMessage().startsWith("Missing required subcommand")) {
        err.println("'" + name + "' needs a command: " + String.join(", ", failed.getSubcommands().keySet()) + ".");
      } else {
        err.println(e.getMessage());
      }
      err.println("Run '" + name + " --help' for usage.");
      return USAGE;
    });
    return commandLine.execute(args);
  }
}
