package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.FaultPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several real JVMs on one SQLite spool directory (issue #19): submitters in any number of processes,
 * one dispatcher, which a SIGKILL stops and a restart replaces. {@link MultiProcessChild} is each process.
 * Submitters per run: {@code -Dmulti.submits} (150 each by default); dispatcher SIGKILLs:
 * {@code -Dmulti.kills} (2 by default; raise both for a soak).
 */
class MultiProcessSpoolTest {
  private static final String API_KEY = "sk-multi-process-test";
  private static final Duration BOUND = Duration.ofSeconds(120);

  @TempDir
  Path temp;

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stop() {
    for (Process child : children) {
      child.destroyForcibly();
    }
    sparkPost.close();
  }

  @Test
  void fourSubmittingProcessesAndASigkilledDispatcherLoseAndDoubleNothingAcknowledged() throws Exception {
    int submits = Integer.getInteger("multi.submits", 150);
    int kills = Integer.getInteger("multi.kills", 2);
    Path dir = temp.resolve("spool");
    // A little latency widens the window between SparkPost accepting and the spool recording it, where a
    // SIGKILL leaves an answer lost; a tenth fail as 503s, so retries run too.
    sparkPost.faults(FaultPlan.builder(19)
        .add(90, FakeResponse.acceptedAfter(Duration.ofMillis(5)))
        .add(10, FakeResponse.serverError(503))
        .build());
    Process dispatcher = dispatcher(dir, 50);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<CountDownLatch> done = new ArrayList<>();
    for (int p = 1; p <= 4; p++) {
      CountDownLatch finished = new CountDownLatch(1);
      done.add(finished);
      Process submitter = start(dir, "submitter-" + p, "submit", "p" + p, Integer.toString(submits));
      ChildOutput.readLines(submitter, "submitter-" + p + "-reader", line -> {
        if (line.startsWith("ACK ")) {
          acknowledged.add(line.substring(4));
        } else if (line.equals("DONE")) {
          finished.countDown();
        }
      });
    }

    for (int kill = 1; kill <= kills; kill++) {
      // Killed mid-stream, once it has delivered some of the submitters' mail (and while they still submit).
      int deliveredSoFar = sparkPost.acceptedKeys().size();
      await("dispatcher " + kill + " delivers", () -> sparkPost.acceptedKeys().size() >= deliveredSoFar + 20);
      dispatcher.destroyForcibly();
      assertThat(dispatcher.waitFor(2, TimeUnit.MINUTES)).isTrue();
      dispatcher = dispatcher(dir, 50);
    }
    for (CountDownLatch finished : done) {
      assertThat(finished.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("a submitter finished").isTrue();
    }
    await("every acknowledged message delivered", () -> acknowledged.stream()
        .allMatch(key -> sparkPost.transmissionCountFor(key) > 0));

    List<String> lost = new ArrayList<>();
    List<String> doubled = new ArrayList<>();
    for (String key : acknowledged) {
      int count = sparkPost.transmissionCountFor(key);
      if (count == 0) {
        lost.add(key);
      } else if (count > 1) {
        doubled.add(key);
      }
    }
    System.out.printf("Multi-process test: 4 submitters, %d acknowledged, %d dispatcher SIGKILLs, %d lost, "
        + "%d delivered twice, %d transmissions%n", acknowledged.size(), kills, lost.size(), doubled.size(),
        sparkPost.transmissions().size());
    assertThat(acknowledged).hasSize(4 * submits);
    assertThat(lost).isEmpty();
    assertThat(doubled).isEmpty();
  }

  @Test
  void aSecondDispatcherProcessIsRefusedWhileTheFirstRuns() throws Exception {
    Path dir = temp.resolve("spool");
    dispatcher(dir, 50);

    Process second = start(dir, "second", "dispatch", "50");
    StringBuilder said = new StringBuilder();
    Thread reader = ChildOutput.readLines(second, "second-reader", line -> said.append(line).append('\n'));

    assertThat(second.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(second.exitValue()).isEqualTo(3);
    assertThat(said.toString()).startsWith("REFUSED IN_USE").contains("is being dispatched by another process");
  }

  @Test
  void theDispatcherDeliversAnotherProcessesSubmitWithoutWaitingForItsPoll() throws Exception {
    Path dir = temp.resolve("spool");
    // Polling once an hour: only the watch on the spool file can tell it of the other process's submit.
    try (EmailClient dispatcher = EmailClient.create(SteadfastConfig.builder().apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString())).retryPolicy(RetryPolicy.NO_RETRIES)
        .spool(SpoolConfig.builder(SqliteSpool.open(dir)).pollInterval(Duration.ofHours(1)).build()).build())) {
      Process submitter = start(dir, "submitter", "submit", "elsewhere", "1");
      assertThat(submitter.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(submitter.exitValue()).as(Files.readString(temp.resolve("submitter.err"))).isZero();

      await("the other process's message delivered", () -> sparkPost.transmissionCountFor("elsewhere-1") == 1);
      await("its delivery recorded", () -> dispatcher.spoolOperations().stats().undeliveredCount() == 0);
    }
  }

  private Process dispatcher(Path dir, long pollMillis) throws Exception {
    Process child = start(dir, "dispatcher-" + children.size(), "dispatch", Long.toString(pollMillis));
    CountDownLatch ready = new CountDownLatch(1);
    ChildOutput.readLines(child, "dispatcher-reader", line -> {
      if (line.equals("READY")) {
        ready.countDown();
      }
    });
    assertThat(ready.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("dispatcher started").isTrue();
    return child;
  }

  private Process start(Path dir, String name, String... mode) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), MultiProcessChild.class.getName(), dir.toString(),
        sparkPost.baseUrl().toString(), API_KEY));
    command.addAll(List.of(mode));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectError(temp.resolve(name + ".err").toFile());
    Process child = builder.start();
    children.add(child);
    return child;
  }

  /** Waits, within {@link #BOUND}, for {@code condition}: an event in another process, seen by its effect. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within %s", what, BOUND).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
