package io.steadfast.spool;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Measures submit throughput into one SQLite spool from one process and from several, in the same run
 * and on the same disk (issue #19): each configuration gets a fresh spool, its submitting JVMs start and
 * warm up, then all are told to go at once and the time to the last one's {@code DONE} is measured.
 * Not a test (it asserts nothing); run it with the spool module's test class path:
 *
 * <pre>{@code
 * ./mvnw -B -q -o test-compile -pl spool
 * java -cp "spool/target/test-classes:spool/target/classes:$(cat cp.txt)" io.steadfast.spool.MultiProcessSubmitBench 4000
 * }</pre>
 *
 * <p>Arguments: messages per configuration (default 4000), split evenly over its processes; then the
 * configurations as {@code PROCESSESxTHREADS}, comma-separated (default {@code 1x1,1x4,1x16,4x1,4x4,8x2}).
 */
public final class MultiProcessSubmitBench {
  private MultiProcessSubmitBench() {}

  /** Runs every configuration and prints a Markdown table. */
  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    String plan = args.length > 1 ? args[1] : "1x1,1x4,1x16,4x1,4x4,8x2";
    int[][] configurations = java.util.Arrays.stream(plan.split(","))
        .map(c -> new int[] {Integer.parseInt(c.split("x")[0]), Integer.parseInt(c.split("x")[1])})
        .toArray(int[][]::new);
    System.out.println("| processes | threads each | messages | seconds | submits/s |");
    System.out.println("|---|---|---|---|---|");
    for (int[] configuration : configurations) {
      run(configuration[0], configuration[1], messages);
    }
  }

  private static void run(int processes, int threads, int messages) throws Exception {
    Path dir = Files.createTempDirectory("multi-submit-bench").resolve("spool");
    SqliteSpool.open(dir).close();
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), MultiProcessChild.class.getName(), dir.toString(),
          "http://127.0.0.1:9", "sk-unused", "bench", "p" + p, Integer.toString(threads),
          Integer.toString(messages / processes))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      children.add(child);
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      outputs.add(out);
    }
    for (BufferedReader out : outputs) {
      expect(out, "READY");
    }
    long start = System.nanoTime();
    for (Process child : children) {
      Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
      in.write("GO\n");
      in.flush();
    }
    for (BufferedReader out : outputs) {
      expect(out, "DONE");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Process child : children) {
      child.waitFor(60, TimeUnit.SECONDS);
    }
    int stored;
    try (SqliteSpool spool = SqliteSpool.openReadOnly(dir)) {
      stored = (int) spool.stats(java.time.Instant.now()).undeliveredCount();
    }
    if (stored != messages / processes * processes + processes) {
      throw new AssertionError("stored " + stored + " entries, expected " + (messages + processes));
    }
    System.out.printf(Locale.ROOT, "| %d | %d | %d | %.2f | %.0f |%n", processes, threads,
        messages / processes * processes, seconds, messages / processes * processes / seconds);
  }

  private static void expect(BufferedReader out, String line) throws Exception {
    String read;
    while ((read = out.readLine()) != null) {
      if (read.equals(line)) {
        return;
      }
    }
    throw new AssertionError("a child ended before saying " + line);
  }
}
