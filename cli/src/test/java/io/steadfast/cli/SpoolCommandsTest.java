package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs submit, drain and the spool commands in-process against an embedded FakeSparkPost and a temp spool. */
class SpoolCommandsTest extends CliRunner {
  private static final String CANARY = "sk-canary-spool-9c1e";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(CANARY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private Path spool() {
    return dir.resolve("spool");
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool() + "\n");
    return file.toString();
  }

  /** Spools one message through the library and waits for its outcome; returns its spool id. */
  private long seed(String key) throws Exception {
    try (EmailClient client = EmailClient.create(SteadfastConfig.builder().apiKey(CANARY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl()))
        .spool(SpoolConfig.builder(SqliteSpool.open(spool())).pollInterval(Duration.ofMillis(50)).build())
        .build())) {
      SubmitReceipt receipt = client.submit(Message.builder().from("shop@example.com").to("alice@example.com")
          .subject("Secret subject").text("Secret body").idempotencyKey(IdempotencyKey.of(key)).build());
      DeliveryResult result = client.result(receipt).get(2, TimeUnit.MINUTES);
      assertThat(result.idempotencyKey().value()).isEqualTo(key);
      return receipt.spoolId();
    }
  }

  private long seedDead(String key) throws Exception {
    sparkPost.enqueue(FakeResponse.status(400,
        "{\"errors\":[{\"message\":\"invalid data format/type\",\"code\":\"1300\"}]}", "application/json"));
    return seed(key);
  }

  @Test
  void submitThenDrainDeliversOnceByKey() throws IOException {
    int submitted = run("submit", "--config", config(), "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", "spool-cli-1", "--json");

    assertThat(submitted).as(err.toString()).isZero();
    assertThat(out.toString()).contains("\"status\":\"spooled\"").contains("\"spool_id\":")
        .contains("\"idempotency_key\":\"spool-cli-1\"");

    int drained = run("drain", "--config", config(), "--timeout", "30s");

    assertThat(drained).as(err.toString()).isZero();
    assertThat(out.toString()).contains("/ pending 0 / dead 0").contains("Drained:");
    assertThat(sparkPost.transmissionCountFor("spool-cli-1")).isEqualTo(1);
    assertThat(run("spool", "status", "--config", config(), "--json")).isZero();
    assertThat(out.toString()).contains("\"delivered\":1").contains("\"pending\":0");
  }

  @Test
  void submitPrintsTheIdAndKeyAsText() throws IOException {
    int code = run("submit", "--config", config(), "--spool", spool().toString(), "--from", "shop@example.com",
        "--to", "a@example.com", "--subject", "Hi", "--text", "Hello", "--idempotency-key", "spool-cli-2");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Spooled: id ").contains("key spool-cli-2");
  }

  @Test
  void drainExitsThreeWhenMessagesRemainPending() throws IOException {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    assertThat(run("submit", "--config", config(), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", "spool-cli-3")).as(err.toString()).isZero();

    int code = run("drain", "--config", config(), "--timeout", "1s", "--json");

    assertThat(code).isEqualTo(Steadfast.RETRYABLE);
    assertThat(out.toString()).contains("\"status\":\"pending\"").contains("\"pending\":1");
  }

  @Test
  void drainExitsOneWhenAMessageGoesDead() throws Exception {
    long dead = seedDead("spool-dead-3");
    assertThat(run("spool", "requeue", String.valueOf(dead), "--config", config())).as(err.toString()).isZero();
    sparkPost.enqueue(FakeResponse.status(400,
        "{\"errors\":[{\"message\":\"invalid data format/type\",\"code\":\"1300\"}]}", "application/json"));

    int code = run("drain", "--config", config(), "--timeout", "30s");

    assertThat(code).as(err.toString()).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("delivered 0 / pending 0 / dead 1").contains("1 dead");
  }

  @Test
  void statusListAndShowDescribeEntriesWithoutTheirContent() throws Exception {
    long dead = seedDead("spool-dead-1");
    long delivered = seed("spool-ok-1");

    assertThat(run("spool", "status", "--spool", spool().toString())).as(err.toString()).isZero();
    assertThat(out.toString()).containsPattern("delivered\\s+1").containsPattern("dead\\s+1")
        .contains("dead letters 1").contains("bytes");

    assertThat(run("spool", "list", "--config", config(), "--state", "DEAD")).as(err.toString()).isZero();
    assertThat(out.toString()).contains(dead + "  spool-dead-1  DEAD").doesNotContain("spool-ok-1");

    assertThat(run("spool", "list", "--config", config(), "--limit", "1", "--json")).isZero();
    assertThat(out.toString()).containsOnlyOnce("\"id\":");

    assertThat(run("spool", "show", String.valueOf(delivered), "--config", config(), "--json")).isZero();
    assertThat(out.toString()).contains("\"idempotency_key\":\"spool-ok-1\"").contains("\"state\":\"DELIVERED\"")
        .contains("\"size_bytes\":").doesNotContain(CANARY).doesNotContain("Secret");

    assertThat(run("spool", "show", String.valueOf(dead), "--config", config())).isZero();
    assertThat(out.toString()).contains("DEAD").contains("last_error").doesNotContain(CANARY);
  }

  @Test
  void requeueMovesADeadLetterBackToPendingAndRefusesOthers() throws Exception {
    long dead = seedDead("spool-dead-2");
    long delivered = seed("spool-ok-2");

    assertThat(run("spool", "requeue", String.valueOf(dead), "--config", config())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Requeued entry " + dead);
    assertThat(run("spool", "show", String.valueOf(dead), "--config", config(), "--json")).isZero();
    assertThat(out.toString()).contains("\"state\":\"PENDING\"");

    assertThat(run("spool", "requeue", String.valueOf(delivered), "--config", config())).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("only dead letters can be requeued");
  }

  @Test
  void purgeRemovesDeliveredEntries() throws Exception {
    seed("spool-ok-3");

    assertThat(run("spool", "purge", "--config", config())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Purged 1 delivered entry");
    assertThat(run("spool", "status", "--config", config(), "--json")).isZero();
    assertThat(out.toString()).contains("\"delivered\":0");
  }

  @Test
  void purgeOlderThanKeepsRecentDeliveriesAndEverythingUndelivered() throws Exception {
    Instant now = Instant.now();
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      deliverAt(spool, "purge-old", now.minus(Duration.ofDays(8)));
      deliverAt(spool, "purge-recent", now.minus(Duration.ofHours(1)));
      spool.append(List.of(entry("purge-pending", now.minus(Duration.ofDays(9)))), Spool.Limits.NONE);
    }

    assertThat(run("spool", "purge", "--spool", spool().toString(), "--older-than", "7d")).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Purged 1 delivered entry delivered before ");
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      assertThat(spool.find(IdempotencyKey.of("purge-old"))).isEmpty();
      assertThat(spool.find(IdempotencyKey.of("purge-recent"))).isPresent();
      assertThat(spool.find(IdempotencyKey.of("purge-pending"))).isPresent();
    }

    assertThat(run("spool", "purge", "--spool", spool().toString(), "--older-than", "PT30M", "--json")).isZero();
    assertThat(out.toString()).contains("\"purged\":1").contains("\"delivered_before\":");
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      assertThat(spool.find(IdempotencyKey.of("purge-recent"))).isEmpty();
      assertThat(spool.find(IdempotencyKey.of("purge-pending"))).isPresent();
    }

    assertThat(run("spool", "purge", "--spool", spool().toString(), "--older-than", "a week")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("'a week' is not a duration").contains("steadfast spool purge --help");
    assertThat(run("spool", "purge", "--spool", spool().toString(), "--older-than", "-1h")).isEqualTo(Steadfast.USAGE);
  }

  private static Spool.NewEntry entry(String key, Instant createdAt) {
    Message message = Message.builder().from("shop@example.com").to("a@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, createdAt,
        createdAt.plus(Duration.ofDays(30)), message.estimatedSizeBytes());
  }

  /** Appends, claims and marks delivered one entry, as the dispatcher would have at {@code at}. */
  private static void deliverAt(SqliteSpool spool, String key, Instant at) {
    long id = spool.append(List.of(entry(key, at)), Spool.Limits.NONE).get(0).id();
    List<Spool.Claimed> claimed = spool.claim(10, at, Duration.ofMinutes(5));
    assertThat(claimed).extracting(c -> c.entry().id()).contains(id);
    assertThat(spool.markDelivered(id, new SendReceipt("1166878748495" + id, 1, 0, IdempotencyKey.of(key), "rest-us",
        1, null), at)).isTrue();
  }

  @Test
  void unknownIdAndMissingSpoolAreUsageErrors() throws IOException {
    for (String[] command : new String[][] {{"spool", "status"}, {"spool", "purge"}, {"spool", "clear-damage"},
        {"drain", "--timeout", "1s"}}) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 2);
      args[command.length] = "--spool";
      args[command.length + 1] = dir.resolve("typo").toString();
      if (command[0].equals("drain")) {
        args = java.util.Arrays.copyOf(args, args.length + 2);
        args[args.length - 2] = "--config";
        args[args.length - 1] = config();
      }
      assertThat(run(args)).as(String.join(" ", command)).isEqualTo(Steadfast.USAGE);
      assertThat(err.toString()).contains("No spool at").contains("does not exist");
      assertThat(dir.resolve("typo")).doesNotExist();
    }
    Files.createDirectories(spool());
    assertThat(run("spool", "status", "--spool", spool().toString())).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("holds no spool.db");
    assertThat(spool().resolve("spool.db")).doesNotExist();
    SqliteSpool.open(spool()).close();

    assertThat(run("spool", "show", "42", "--spool", spool().toString())).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("No spool entry with id 42");

    assertThat(run("spool", "status")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("No spool directory: pass --spool DIR");

    assertThat(run("spool", "list", "--spool", spool().toString(), "--state", "LOST")).isEqualTo(Steadfast.USAGE);
  }

  @Test
  void aSecondDispatcherIsTransientWhileReadersAndOperatorsChangesWorkBesideTheFirst() throws Exception {
    long dead = seedDead("spool-held-dead");
    String config = config();
    try (SqliteSpool held = SqliteSpool.open(spool())) {
      assertThat(run("drain", "--timeout", "1s", "--config", config)).isEqualTo(Steadfast.RETRYABLE);
      assertThat(err.toString()).contains("is being dispatched by another process").contains("one dispatcher")
          .hasLineCount(1).doesNotContain("\tat ");

      assertThat(run("spool", "status", "--config", config)).as(err.toString()).isZero();
      assertThat(out.toString()).containsPattern("dead\\s+1");
      assertThat(run("spool", "show", String.valueOf(dead), "--config", config)).as(err.toString()).isZero();
      // An operator's changes open the spool as one more writer, as a submitter does.
      assertThat(run("spool", "requeue", String.valueOf(dead), "--config", config)).as(err.toString()).isZero();
      assertThat(held.inspect(dead)).get().extracting(e -> e.state().name()).isEqualTo("PENDING");
      assertThat(run("spool", "purge", "--config", config)).as(err.toString()).isZero();
    }
  }

  @Test
  void aDeliveredEntryShowsItsEarlierFailureAsHistory() throws Exception {
    Instant now = Instant.now();
    long delivered;
    long pending;
    try (SqliteSpool spool = SqliteSpool.open(spool())) {
      delivered = spool.append(List.of(entry("retried-then-sent", now)), Spool.Limits.NONE).get(0).id();
      Spool.Claimed first = spool.claim(1, now, Duration.ofMinutes(5)).get(0);
      assertThat(spool.reschedule(first.entry().id(), now, "HTTP 503 from rest-us")).isTrue();
      spool.claim(1, now, Duration.ofMinutes(5));
      assertThat(spool.markDelivered(delivered, new SendReceipt("7001", 1, 0, IdempotencyKey.of("retried-then-sent"),
          "rest-us", 2, null), now)).isTrue();
      pending = spool.append(List.of(entry("still-failing", now)), Spool.Limits.NONE).get(0).id();
      spool.claim(1, now, Duration.ofMinutes(5));
      assertThat(spool.reschedule(pending, now.plusSeconds(60), "HTTP 502 from rest-us")).isTrue();
    }

    assertThat(run("spool", "list", "--spool", spool().toString())).as(err.toString()).isZero();
    assertThat(out.toString()).containsPattern(delivered + "  retried-then-sent  DELIVERED .*  earlier failure: HTTP 503")
        .containsPattern(pending + "  still-failing  PENDING .*  error=HTTP 502")
        .doesNotContainPattern("DELIVERED .*error=");

    assertThat(run("spool", "list", "--spool", spool().toString(), "--state", "DELIVERED", "--json")).isZero();
    assertThat(out.toString()).contains("\"last_error\":null").contains("\"earlier_error\":\"HTTP 503 from rest-us\"");

    assertThat(run("spool", "show", String.valueOf(delivered), "--spool", spool().toString())).isZero();
    assertThat(out.toString()).containsPattern("earlier_error\\s+HTTP 503").containsPattern("last_error\\s+null");
    assertThat(run("spool", "show", String.valueOf(pending), "--spool", spool().toString(), "--json")).isZero();
    assertThat(out.toString()).contains("\"last_error\":\"HTTP 502 from rest-us\"").contains("\"earlier_error\":null");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] command : new String[][] {{"send"}, {"submit"}, {"drain"}, {"dispatch"}, {"spool"}, {"spool", "status"},
        {"spool", "list"}, {"spool", "show"}, {"spool", "requeue"}, {"spool", "purge"}, {"spool", "clear-damage"},
        {"doctor"}, {"demo"},
        {"demo", "outage"}}) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 1);
      args[command.length] = "--help";
      assertThat(run(args)).as(String.join(" ", args)).isZero();
      assertThat(out.toString()).as(String.join(" ", args)).contains("Usage: steadfast " + String.join(" ", command));
    }
    assertThat(run("spool", "purge", "--help")).isZero();
    assertThat(out.toString()).contains("--older-than");
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("submit").contains("drain").contains("spool").contains("demo");
    assertThat(run()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString())
        .contains("'steadfast' needs a command: send, submit, drain, dispatch, spool, doctor, demo, reconcile.")
        .contains("Run 'steadfast --help' for usage.");
  }
}
