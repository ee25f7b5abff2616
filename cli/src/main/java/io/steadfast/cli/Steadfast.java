package io.steadfast.cli;

import io.steadfast.cli.internal.CliLog;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code steadfast} command.
 *
 * <p>Exit codes: 0 success; 1 permanent failure (fix something first: a rejected message or key, a
 * dead letter, a damaged spool or damage not yet cleared); 2 bad usage or invalid input, which the user
 * must change; 3 a transient condition (SparkPost unavailable, the spool in use by another process,
 * full or unwritable, an environment fault such as a full disk, a file-size limit or SQLite's native
 * library): nothing was acknowledged, try again later with the same idempotency key; 4 outcome unknown
 * (SparkPost may have accepted the message). Every failure is one line on stderr; only a bug prints a
 * stack trace.
 *
 * <p>The libraries' warnings and errors (a spool directory others can read, a listener that failed) are
 * printed on stderr too, one line each and with the key redacted; {@code --verbose} adds their DEBUG and
 * INFO lines and the stack traces of failures.
 */
@Command(name = "steadfast", mixinStandardHelpOptions = true, versionProvider = Steadfast.Version.class,
    description = "Send email through SparkPost without losing it when SparkPost fails.",
    subcommands = {SendCommand.class, SubmitCommand.class, DrainCommand.class, DispatchCommand.class, SpoolCommand.class,
        DoctorCommand.class, DemoCommand.class, ReconcileCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:permanent failure: fix the message, key or account first (drain: a message went dead;"
            + " spool status, drain: the spool is damaged or its damage is not cleared)",
        "2:bad usage or invalid input: change the command, its flags or its configuration",
        "3:transient: SparkPost unavailable, the spool in use, full or unwritable (disk full, file-size limit,"
            + " permissions, native library, temporary directory); nothing was acknowledged, try again later with"
            + " the same idempotency key (drain: some still pending)",
        "4:outcome unknown: SparkPost may have accepted the message"})
public final class Steadfast {
  /** Success. */
  static final int OK = 0;
  /** A permanent failure. */
  static final int PERMANENT = 1;
  /** Bad usage or invalid input. */
  static final int USAGE = 2;
  /** A transient failure: try again later. */
  static final int RETRYABLE = 3;
  /** SparkPost may have accepted the message. */
  static final int UNKNOWN = 4;

  private Steadfast() {}

  /** {@code steadfast <version>}, the version the build wrote into the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Steadfast.class.getPackage().getImplementationVersion();
      // Classes run from a directory (an IDE, the unit tests) have no manifest to read.
      return new String[] {"steadfast " + (version != null ? version : "(development build, not from a jar)")};
    }
  }

  /** Called by picocli with the value of {@code --verbose}, which every subcommand also accepts. */
  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Also print the DEBUG and INFO log lines, and the stack trace of a failure, on stderr.")
  void verbose(boolean verbose) {
    CliLog.verbose(verbose);
  }

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
    // Before parsing, which sets --verbose, and before any command makes a client that logs.
    CliLog.start(err);
    CommandLine commandLine = new CommandLine(new Steadfast());
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(new CommandFailures());
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
    commandLine.setExecutionStrategy(parseResult -> {
      for (CommandLine.ParseResult command = parseResult; command != null; command = command.subcommand()) {
        if (command.commandSpec().userObject() instanceof DemoCommand) {
          // The demo's outage and killed dispatcher make the library warn on purpose; the demo narrates it.
          CliLog.quiet();
        }
      }
      return new CommandLine.RunLast().execute(parseResult);
    });
    try {
      return commandLine.execute(args);
    } finally {
      // The lines held back are printed now; --verbose and the service log's time stamps belong to this
      // run only (tests run many in one JVM).
      CliLog.finish();
    }
  }
}
