package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Spool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A salvage stopped dead at each of its steps, in a child JVM that halts there as a SIGKILL would (no
 * shutdown hooks, nothing flushed by Java), loses nothing: the next open finishes it, or does it again,
 * and ends with the same recovered entries and the same report as a salvage that ran through, with the
 * damaged original kept once and unchanged.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SqliteSalvageCrashTest {
  private static final Instant LATER = Instant.parse("2026-01-01T00:01:00Z");

  @TempDir
  Path temp;

  @ParameterizedTest
  @ValueSource(strings = {"built", "reported", "ready", "side-files-moved", "original-moved", "renamed"})
  void salvageKilledAtAnyStepIsFinishedByTheNextOpen(String step) throws Exception {
    Path damaged = temp.resolve("damaged");
    SqliteSpoolDamageTest.spoolOfTwelve(damaged);
    SqliteSpoolDamageTest.Damage.RANDOM_4_KIB_IN_THE_MIDDLE.apply(damaged.resolve("spool.db"));
    String damagedHash = SqliteSpoolDamageTest.sha256(damaged.resolve("spool.db"));
    Path reference = copy(damaged, temp.resolve("reference"));
    Set<String> expected = recoveredKeys(reference);
    Path dir = copy(damaged, temp.resolve("spool"));

    List<String> lines = runChild(dir, step);

    assertThat(lines).as("the child halted at %s", step).contains("HALT " + step);
    assertThat(recoveredKeys(dir)).isEqualTo(expected).isNotEmpty();
    List<String> copies;
    try (Stream<Path> files = Files.list(dir.resolve("corrupt"))) {
      copies = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("spool\\.db\\.\\d+")).toList();
    }
    assertThat(copies).as("the damaged original, kept once").hasSize(1);
    assertThat(SqliteSpoolDamageTest.sha256(dir.resolve("corrupt").resolve(copies.get(0)))).isEqualTo(damagedHash);
    assertThat(SqliteSpoolDamageTest.onlyReport(dir).getProperty("unreadable"))
        .isEqualTo(SqliteSpoolDamageTest.onlyReport(reference).getProperty("unreadable"));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("salvage"));
    }
  }

  /** Opens the spool (salvaging or finishing a salvage) and returns the keys it can claim. */
  private static Set<String> recoveredKeys(Path dir) {
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      return spool.claim(100, LATER, Duration.ofMinutes(5)).stream().map(Spool.Claimed::entry)
          .map(e -> e.idempotencyKey().value()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static Path copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return to;
  }

  private List<String> runChild(Path dir, String step) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        SpoolOpenChild.class.getName(), "salvage", dir.toString(), step);
    builder.redirectError(temp.resolve("child.err").toFile());
    Process child = builder.start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader = ChildOutput.readLines(child, "salvage-child", lines::add);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(child.exitValue()).as("halted; stderr:%n%s", Files.readString(temp.resolve("child.err")))
        .isEqualTo(137);
    return List.copyOf(lines);
  }
}
