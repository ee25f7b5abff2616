package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code steadfast} in a child JVM on the test classpath, optionally under {@code ulimit -f}, the
 * way an operator's shell would: a real process, its own native library loading, its own exit code.
 */
final class ChildCli {
  /** One child's outcome. */
  record Run(int exitCode, String out, String err) {}

  private final List<String> jvmOptions = new ArrayList<>();
  private @Nullable Integer fileSizeBlocks;

  /** Adds a JVM option such as {@code -Djava.io.tmpdir=...}. */
  ChildCli jvm(String option) {
    jvmOptions.add(option);
    return this;
  }

  /** Caps every file the child writes at {@code blocks} 512-byte blocks (POSIX {@code ulimit -f}). */
  ChildCli fileSizeLimit(int blocks) {
    fileSizeBlocks = blocks;
    return this;
  }

  /** Runs {@code steadfast args...} and returns once it has exited (at most two minutes). */
  Run run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("sh");
    command.add("-c");
    command.add((fileSizeBlocks == null ? "" : "ulimit -f " + fileSizeBlocks + " && ") + "exec \"$0\" \"$@\"");
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // No hsperfdata file: under a small ulimit -f the JVM would warn about it on stderr.
    command.add("-XX:-UsePerfData");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Steadfast.class.getName());
    command.addAll(List.of(args));
    Process child = new ProcessBuilder(command).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(child.getErrorStream()));
    String out = read(child.getInputStream());
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly();
    }
    assertThat(exited).as("steadfast %s exited", String.join(" ", args)).isTrue();
    return new Run(child.exitValue(), out, err.get(2, TimeUnit.MINUTES));
  }

  private static String read(InputStream stream) {
    try {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
