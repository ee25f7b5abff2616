package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A damaged spool through the command line (issue #17, finding 1), on real files: the reading commands
 * leave the file exactly as it is and say it is damaged; drain salvages what it can read, delivers it and
 * still fails until an operator clears the damage.
 */
class SpoolDamageCliTest {
  private static final String KEY = "sk-canary-damage-5e21";
  private static final int MESSAGES = 12;
  private static final Pattern SALVAGE =
      Pattern.compile("(\\d+) entries recovered, (-?\\d+|an unknown number) unreadable");

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  /** How the file is damaged: cut in half, or 4 KiB of random bytes over its middle. */
  enum Damage {
    TRUNCATE_HALF, OVERWRITE_MIDDLE
  }

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private Path database() {
    return spool().resolve(SqliteSpool.DATABASE_FILE);
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    return file.toString();
  }

  /** Submits {@link #MESSAGES} messages of about 3 KB each through the CLI; each closes the spool after. */
  private void submitTwelve() throws IOException {
    String body = "Line of the monthly statement.\n".repeat(100);
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(run("submit", "--config", config(), "--from", "shop@example.com", "--to", "c" + i + "@example.com",
          "--subject", "Statement " + i, "--text", body + i, "--idempotency-key", "damage-" + i))
          .as(err.toString()).isZero();
    }
    assertThat(spool().resolve(SqliteSpool.DATABASE_FILE + "-wal")).as("checkpointed on close")
        .satisfiesAnyOf(wal -> assertThat(wal).doesNotExist(), wal -> assertThat(wal).isEmptyFile());
  }

  private void damage(Damage how) throws IOException {
    long size = Files.size(database());
    try (RandomAccessFile file = new RandomAccessFile(database().toFile(), "rw")) {
      if (how == Damage.TRUNCATE_HALF) {
        file.setLength(size / 2);
      } else {
        byte[] noise = new byte[4096];
        new Random(17).nextBytes(noise);
        file.seek(size / 2 - noise.length / 2);
        file.write(noise);
      }
    }
  }

  @Test
  void readingCommandsChangeNoFileOfAHealthySpool() throws Exception {
    submitTwelve();
    Map<String, String> before = snapshot(spool());

    assertThat(run("spool", "status", "--config", config())).as(err.toString()).isZero();
    assertThat(run("spool", "list", "--config", config(), "--json")).as(err.toString()).isZero();
    assertThat(run("spool", "show", "1", "--config", config())).as(err.toString()).isZero();

    assertThat(snapshot(spool())).containsAllEntriesOf(before);
    assertThat(spool().resolve(SqliteSpool.CORRUPT_DIRECTORY)).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void readingADamagedSpoolSaysSoAndLeavesTheFileAsItIs(Damage how) throws Exception {
    submitTwelve();
    damage(how);
    String hash = sha256(database());

    for (String[] command : new String[][] {{"spool", "status"}, {"spool", "list"}, {"spool", "show", "1"},
        {"spool", "status", "--json"}}) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 2);
      args[command.length] = "--config";
      args[command.length + 1] = config();

      assertThat(run(args)).as("%s: %s", String.join(" ", command), err).isEqualTo(Steadfast.PERMANENT);
      assertThat(err.toString()).as(String.join(" ", command)).contains("damaged").doesNotContain("\tat ");
      assertThat(sha256(database())).as("spool.db after %s", String.join(" ", command)).isEqualTo(hash);
      assertThat(spool().resolve(SqliteSpool.CORRUPT_DIRECTORY)).doesNotExist();
    }
  }

  @Test
  void aDamagedSpoolIsSalvagedByDrainWhichFailsUntilTheDamageIsCleared() throws Exception {
    submitTwelve();
    damage(Damage.TRUNCATE_HALF);
    String hash = sha256(database());

    assertThat(run("spool", "status", "--config", config())).as(err.toString()).isEqualTo(Steadfast.PERMANENT);
    assertThat(err.toString()).contains("damaged");
    assertThat(sha256(database())).isEqualTo(hash);

    int drained = run("drain", "--config", config(), "--timeout", "60s");
    String drainOutput = out.toString() + err;
    Matcher salvage = SALVAGE.matcher(drainOutput);
    assertThat(salvage.find()).as(drainOutput).isTrue();
    int recovered = Integer.parseInt(salvage.group(1));
    System.out.printf("Truncated to half, %d acknowledged: drain reported '%s'%n", MESSAGES, salvage.group());

    assertThat(drained).as(drainOutput).isEqualTo(Steadfast.PERMANENT);
    assertThat(recovered).as(drainOutput).isBetween(1, MESSAGES - 1);
    assertThat(sparkPost.acceptedKeys()).hasSize(recovered).allMatch(key -> key.startsWith("damage-"));
    assertThat(sparkPost.duplicateCount()).isZero();
    assertThat(drainOutput).contains("Drained: " + recovered + " delivered, 0 still pending, 0 dead.")
        .contains("clear-damage");
    if (!salvage.group(2).startsWith("an")) {
      assertThat(Integer.parseInt(salvage.group(2))).isBetween(1, MESSAGES - recovered);
    }
    assertThat(snapshot(spool().resolve(SqliteSpool.CORRUPT_DIRECTORY))).as("the damaged original is kept")
        .containsValue(hash);

    assertThat(run("drain", "--config", config(), "--timeout", "60s", "--json")).as("again, nothing left to deliver")
        .isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("\"status\":\"damaged\"").contains("\"delivered\":0")
        .contains("\"damage\":{\"summary\":");
    assertThat(err.toString()).contains(salvage.group());

    assertThat(run("spool", "status", "--config", config())).as(err.toString()).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).containsPattern("delivered\\s+" + recovered).contains(salvage.group())
        .contains("clear-damage");
    assertThat(run("spool", "status", "--config", config(), "--json")).isEqualTo(Steadfast.PERMANENT);
    JsonNode damage = JsonMapper.builder().build().readTree(out.toString()).get("damage");
    assertThat(damage.get("summary").asString()).contains(salvage.group());
    assertThat(damage.get("recovered").asInt()).isEqualTo(recovered);
    List<String> unreadableKeys = new ArrayList<>();
    damage.get("unreadable_keys").forEach(key -> unreadableKeys.add(key.asString()));
    System.out.printf("Unreadable keys named: %s%n", unreadableKeys);
    assertThat(unreadableKeys).as("keys reported unreadable were not delivered")
        .allMatch(key -> key.startsWith("damage-")).doesNotContainAnyElementsOf(sparkPost.acceptedKeys());
    // The entries' rows (ids and keys) fill the first pages and survive the cut; the bodies behind them do
    // not. So every acknowledged message is accounted for: delivered, or named for the operator to re-send.
    List<String> accountedFor = new ArrayList<>(sparkPost.acceptedKeys());
    accountedFor.addAll(unreadableKeys);
    assertThat(accountedFor).containsExactlyInAnyOrderElementsOf(
        java.util.stream.IntStream.range(0, MESSAGES).mapToObj(i -> "damage-" + i).toList());

    assertThat(run("spool", "clear-damage", "--config", config())).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Cleared 1 damage report")
        .contains("; the damaged copy stays in " + spool().resolve(SqliteSpool.CORRUPT_DIRECTORY) + ".");
    assertThat(snapshot(spool().resolve(SqliteSpool.CORRUPT_DIRECTORY))).as("the damaged copy stays")
        .containsValue(hash);

    assertThat(run("drain", "--config", config(), "--timeout", "60s")).as(out + err.toString()).isZero();
    assertThat(out.toString()).contains("Drained: 0 delivered, 0 still pending, 0 dead.");
    assertThat(run("spool", "status", "--config", config(), "--json")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("\"damage\":null");
    assertThat(run("spool", "clear-damage", "--config", config())).isZero();
    assertThat(out.toString()).startsWith("No damage to clear in ");
  }

  @Test
  void clearDamageOnAHealthySpoolSaysThereWasNothingToClear() throws Exception {
    submitTwelve();

    assertThat(run("spool", "clear-damage", "--spool", spool().toString(), "--json")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("\"cleared\":0");
    assertThat(run("spool", "clear-damage", "--spool", spool().toString())).isZero();
    assertThat(out.toString()).isEqualTo("No damage to clear in " + spool() + "." + System.lineSeparator());
  }

  /** Returns every regular file under {@code root} with its SHA-256. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile)
          .forEach(file -> files.put(root.relativize(file).toString(), sha256Quietly(file)));
    }
    return files;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static String sha256Quietly(Path file) {
    try {
      return sha256(file);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
