package io.steadfast.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in this JVM and keeps what the last run printed, for the in-process CLI tests. */
abstract class CliRunner {
  /** What the last {@link #run} printed to stdout. */
  protected StringWriter out = new StringWriter();
  /** What the last {@link #run} printed to stderr. */
  protected StringWriter err = new StringWriter();

  /** Runs {@code steadfast args...} with fresh output buffers and returns its exit code. */
  protected int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }
}
