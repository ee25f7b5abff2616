package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.FaultPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that submits and delivers through a SQLite spool with SIGKILL at random moments,
 * restarts it, and checks that every acknowledged submit reached FakeSparkPost exactly once: a kill
 * after SparkPost accepted but before the spool recorded it (the UNKNOWN case) is settled from the
 * fake's message events before any re-send. Kills: {@code -Dcrash.kills} (20 by default; {@code -Pcrash-soak} for more).
 */
class CrashRecoveryTest {
  private static final String API_KEY = "sk-crash-test-key";

  @TempDir
  Path temp;

  @Test
  void everyAcknowledgedSubmitIsDeliveredDespiteRepeatedSigkills() throws Exception {
    int kills = Integer.getInteger("crash.kills", 20);
    long seed = Long.getLong("crash.seed", System.nanoTime());
    Random random = new Random(seed);
    Path dir = temp.resolve("spool");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY)) {
      // Mostly accepted after a little latency, which widens the window between SparkPost accepting and
      // the spool recording it; a quarter fail as 503s and 429s, so the NOT_SENT retry path runs too.
      sparkPost.faults(FaultPlan.builder(seed)
          .add(75, FakeResponse.acceptedAfter(Duration.ofMillis(5)))
          .add(20, FakeResponse.serverError(503))
          .add(5, FakeResponse.rateLimited(Duration.ZERO))
          .build());
      for (int run = 1; run <= kills; run++) {
        Process child = start(dir, sparkPost, run, "submit");
        CountDownLatch firstAck = new CountDownLatch(1);
        Thread reader = ChildOutput.readLines(child, "crash-child-reader", line -> {
          if (line.startsWith("ACK ")) {
            acknowledged.add(line.substring(4));
            firstAck.countDown();
          }
        });
        if (!firstAck.await(2, TimeUnit.MINUTES)) {
          child.destroyForcibly();
          throw new AssertionError("child " + run + " acknowledged no submit within 30 s; its stderr:\n"
              + tail(dir.resolveSibling("child-" + run + ".err")));
        }
        // Wait a random moment, measured by the child's own progress, then SIGKILL it.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(400));
        while (System.nanoTime() < until && child.isAlive()) {
          Thread.onSpinWait();
        }
        child.destroyForcibly();
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(10));
      }

      long drainStarted = System.nanoTime();
      Process drainer = start(dir, sparkPost, kills + 1, "drain");
      CountDownLatch drained = new CountDownLatch(1);
      CountDownLatch dumped = new CountDownLatch(1);
      StringBuffer threads = new StringBuffer();
      Thread reader = ChildOutput.readLines(drainer, "crash-child-reader", line -> {
        if (line.equals("DRAINED")) {
          drained.countDown();
        } else if (!line.startsWith("ACK ")) {
          threads.append(line).append('\n');
          if (line.contains("JNI global ref")) {
            dumped.countDown();
          }
        }
      });
      // Generous: this test is about what survives, not speed, and the fault plan's random 429s make the
      // client pace itself (at no less than half the rate it reached) while it drains: about 35 messages/s
      // here, so the bound grows with the backlog (a 60-kill soak leaves some 4,500 to drain).
      long drainBoundSeconds = 180 + acknowledged.size() / 20;
      if (!drained.await(drainBoundSeconds, TimeUnit.SECONDS)) {
        // SIGQUIT: the child prints its threads' stacks to stdout, to show where it is stuck.
        new ProcessBuilder("kill", "-3", Long.toString(drainer.pid())).start().waitFor(10, TimeUnit.SECONDS);
        dumped.await(10, TimeUnit.SECONDS);
        java.nio.file.Files.writeString(dir.resolveSibling("drainer-threads.txt"), threads);
        java.nio.file.Files.writeString(Path.of("target", "drainer-threads.txt"), threads);
        drainer.destroyForcibly();
        drainer.waitFor(2, TimeUnit.MINUTES);
        StringBuilder state = new StringBuilder();
        try (SqliteSpool spool = SqliteSpool.open(dir)) {
          state.append(spool.stats(java.time.Instant.now())).append('\n');
          for (var entry : spool.list(io.steadfast.spi.SpoolState.PENDING, 5)) {
            state.append(entry).append('\n');
          }
        }
        throw new AssertionError("the restarted child did not drain the spool within " + drainBoundSeconds + " s (seed "
            + seed + "):\n"
            + state + "child stderr:\n" + tail(dir.resolveSibling("child-" + (kills + 1) + ".err")));
      }
      double drainSeconds = (System.nanoTime() - drainStarted) / 1e9;
      assertThat(drainer.waitFor(2, TimeUnit.MINUTES)).isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(10));

      List<String> lost = new ArrayList<>();
      int duplicates = 0;
      for (String key : acknowledged) {
        int count = sparkPost.transmissionCountFor(key);
        if (count == 0) {
          lost.add(key);
        } else if (count > 1) {
          duplicates += count - 1;
        }
      }
      int transmissions = sparkPost.transmissions().size();
      System.out.printf("Crash test (seed %d): %d SIGKILLs, %d acknowledged submits, %d delivered, %d lost, "
          + "%d duplicate deliveries, %d transmissions accepted, %d requests in all; the restarted child "
          + "drained in %.1f s%n", seed, kills, acknowledged.size(), acknowledged.size() - lost.size(), lost.size(),
          duplicates, transmissions, sparkPost.requests().size(), drainSeconds);
      assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(kills);
      assertThat(lost).as("acknowledged but never delivered (seed %d)", seed).isEmpty();
      // A kill between SparkPost's acceptance and the spool's commit leaves the entry in flight; the
      // restarted child looks its key up in the fake's events (visible at once here, well inside the
      // settle delay) instead of sending it again.
      assertThat(duplicates).as("acknowledged keys accepted twice (seed %d)", seed).isZero();
    }
  }

  private static String tail(Path file) throws java.io.IOException {
    String text = java.nio.file.Files.readString(file);
    return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
  }

  private static Process start(Path dir, FakeSparkPost sparkPost, int run, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), dir.toString(), sparkPost.baseUrl().toString(), API_KEY, Integer.toString(run), mode);
    builder.redirectError(dir.resolveSibling("child-" + run + ".err").toFile());
    return builder.start();
  }
}
