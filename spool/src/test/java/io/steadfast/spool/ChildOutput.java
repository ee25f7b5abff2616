package io.steadfast.spool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Reads what a child JVM of a crash test prints, line by line, on a daemon thread. */
final class ChildOutput {
  private ChildOutput() {}

  /** Starts a thread named {@code name} that hands each line of {@code process}'s output to {@code onLine}. */
  static Thread readLines(Process process, String name, Consumer<String> onLine) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          onLine.accept(line);
        }
      } catch (IOException e) {
        // The child was killed mid-line; what was read is what it said before dying.
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
