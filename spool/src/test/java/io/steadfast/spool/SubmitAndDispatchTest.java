package io.steadfast.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolFullException;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmitAndDispatchTest {
  private static final String API_KEY = "sk-canary-0123456789abcdef";
  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir
  Path temp;

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
  private final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<DeliveryResult> observed = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopFake() {
    sparkPost.close();
  }

  private EmailClient client(Spool spool, UnaryOperator<SpoolConfig.Builder> tweak) {
    return client(spool, tweak, CircuitBreakerPolicy.DISABLED, DeliveryListener.NONE);
  }

  private EmailClient client(Spool spool, UnaryOperator<SpoolConfig.Builder> tweak, CircuitBreakerPolicy circuit,
      DeliveryListener extra) {
    SpoolConfig spoolConfig = tweak.apply(SpoolConfig.builder(spool).pollInterval(Duration.ofMillis(20))).build();
    return EmailClient.create(SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
        .clock(clock)
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .circuitBreakerPolicy(circuit)
        .listener(new DeliveryListener() {
          @Override
          public void circuitStateChanged(String route, io.steadfast.CircuitState from, io.steadfast.CircuitState to) {
            extra.circuitStateChanged(route, from, to);
          }

          @Override
          public void delivered(DeliveryResult.Delivered result) {
            observed.add(result);
          }

          @Override
          public void deadLettered(DeliveryResult.DeadLettered result) {
            observed.add(result);
          }
        })
        .spool(spoolConfig)
        .build());
  }

  private EmailClient sqliteClient() {
    return client(SqliteSpool.open(temp.resolve("spool")), b -> b);
  }

  private static Message message(String subject) {
    return Message.builder().from("sender@example.com").to("rcpt@example.com").subject(subject).text("hello").build();
  }

  @Test
  void submitWithoutSpoolThrowsAndSaysHowToConfigureOne() {
    try (EmailClient client = EmailClient.create(SteadfastConfig.builder().apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString())).build())) {

      assertThatThrownBy(() -> client.submit(message("a")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("No spool configured")
          .hasMessageContaining("SpoolConfig");
    }
  }

  @Test
  void submittedMessageIsDeliveredOnceWithItsKeyAndReported() throws Exception {
    try (EmailClient client = sqliteClient()) {
      SubmitReceipt receipt = client.submit(message("a"));

      DeliveryResult result = client.result(receipt).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

      assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(((DeliveryResult.Delivered) result).receipt().idempotencyKey()).isEqualTo(receipt.idempotencyKey());
      assertThat(result.submittedAt()).isEqualTo(receipt.acceptedAt());
      assertThat(sparkPost.transmissionCountFor(receipt.idempotencyKey().value())).isEqualTo(1);
      assertThat(observed).contains(result);
    }
  }

  @Test
  void submitAsyncCompletesOnceDurableAndIsDelivered() throws Exception {
    try (EmailClient client = sqliteClient()) {
      SubmitReceipt receipt = client.submitAsync(message("a")).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
    }
  }

  @Test
  void secondSubmitOfSameKeyReturnsFirstReceiptAndSendsOnce() {
    try (EmailClient client = sqliteClient()) {
      Message message = message("a").withIdempotencyKey(IdempotencyKey.of("order-1"));
      SubmitReceipt first = client.submit(message);
      assertThat(client.result(first)).succeedsWithin(WAIT);

      SubmitReceipt second = client.submit(message);

      assertThat(second).isEqualTo(first);
      assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
    }
  }

  @Test
  void sameKeyWithDifferentContentIsConflict() {
    try (EmailClient client = sqliteClient()) {
      client.submit(message("a").withIdempotencyKey(IdempotencyKey.of("order-1")));

      assertThatThrownBy(() -> client.submit(message("b").withIdempotencyKey(IdempotencyKey.of("order-1"))))
          .isInstanceOf(IdempotencyConflictException.class);
    }
  }

  @Test
  void rejectedMessageIsDeadLetteredAndCanBeRequeued() throws Exception {
    sparkPost.enqueue(FakeResponse.status(422, "{\"errors\":[{\"message\":\"invalid data format\",\"code\":\"1300\"}]}",
        "application/json"));
    try (EmailClient client = sqliteClient()) {
      SubmitReceipt receipt = client.submit(message("a"));

      DeliveryResult result = client.result(receipt).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

      assertThat(result).isInstanceOfSatisfying(DeliveryResult.DeadLettered.class,
          dead -> assertThat(dead.reason()).isEqualTo(DeliveryResult.Reason.REJECTED));
      assertThat(result.submittedAt()).isEqualTo(receipt.acceptedAt());
      assertThat(client.spoolOperations().stats().deadCount()).isEqualTo(1);
      assertThat(client.spoolOperations().list(SpoolState.DEAD, 10)).extracting(SpoolEntry::id)
          .containsExactly(receipt.spoolId());

      assertThat(client.spoolOperations().requeue(receipt.spoolId())).isTrue();

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
    }
  }

  @Test
  void serverErrorIsRetriedNoSoonerThanFiveSecondsLaterWithSameKey() {
    sparkPost.enqueue(FakeResponse.serverError(503));
    try (EmailClient client = sqliteClient()) {
      SubmitReceipt receipt = client.submit(message("a"));
      Instant submittedAt = clock.instant();
      awaitState(client, receipt, SpoolState.PENDING, 1);
      SpoolEntry waiting = client.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
      assertThat(waiting.nextAttemptAt()).isAfterOrEqualTo(submittedAt.plusSeconds(5));
      assertThat(waiting.lastError()).contains("503");

      clock.advance(Duration.ofHours(1));

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor(receipt.idempotencyKey().value())).isEqualTo(1);
    }
  }

  @Test
  void messageNotDeliveredByItsDeadlineIsDeadLetteredAsExpired() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    try (EmailClient client = client(SqliteSpool.open(temp.resolve("spool")),
        b -> b.deliverWithin(Duration.ofMinutes(10)).maxRetryDelay(Duration.ofMinutes(20)))) {
      SubmitReceipt receipt = client.submit(message("a"));
      awaitState(client, receipt, SpoolState.PENDING, 1);

      clock.advance(Duration.ofMinutes(11));

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOfSatisfying(DeliveryResult.DeadLettered.class,
          dead -> assertThat(dead.reason()).isEqualTo(DeliveryResult.Reason.EXPIRED));
    }
  }

  @Test
  void entryLeftInFlightByCrashedProcessIsReconciledThenDeliveredWithSameKeyAfterRestart() {
    Path dir = temp.resolve("spool");
    Message message = message("a").withIdempotencyKey(IdempotencyKey.of("crashed-1"));
    long id;
    try (SqliteSpool spool = SqliteSpool.open(dir)) {
      id = spool.append(List.of(new Spool.NewEntry(IdempotencyKey.of("crashed-1"), message.fingerprint(), message,
          clock.instant(), clock.instant().plus(Duration.ofHours(72)), 100)), Spool.Limits.NONE).get(0).id();
      assertThat(spool.claim(1, clock.instant(), Duration.ofHours(1))).hasSize(1);
    }

    try (EmailClient client = client(SqliteSpool.open(dir), b -> b)) {
      SubmitReceipt receipt = new SubmitReceipt(id, IdempotencyKey.of("crashed-1"), clock.instant());
      // SparkPost may have accepted the crashed attempt: the entry waits to be looked up first.
      awaitState(client, receipt, SpoolState.RECONCILING, 1);

      // The first search finds nothing (or, without an Events API client, the fallback re-sends at once);
      // the second one, a recheck delay later, finds nothing again, so it is re-sent with the same key.
      clock.advance(io.steadfast.ReconcilePolicy.DEFAULT_SETTLE_DELAY);
      awaitEntry(client, receipt, e -> e.state() != SpoolState.RECONCILING || e.reconcileLooks() >= 1,
          "searched once");
      clock.advance(io.steadfast.ReconcilePolicy.DEFAULT_RECHECK_DELAY);

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(sparkPost.transmissionCountFor("crashed-1")).isEqualTo(1);
    }
  }

  @Test
  void deliveriesResumeWhenTheOpenCircuitsWaitEndsWithoutNewSubmits() throws Exception {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
    CircuitBreakerPolicy circuit = CircuitBreakerPolicy.builder().slidingWindowSize(2).minimumNumberOfCalls(2)
        .waitInOpenState(Duration.ofSeconds(30)).build();
    try (EmailClient client = client(SqliteSpool.open(temp.resolve("spool")), b -> b, circuit, new DeliveryListener() {
      @Override
      public void circuitStateChanged(String route, io.steadfast.CircuitState from, io.steadfast.CircuitState to) {
        if (to == io.steadfast.CircuitState.OPEN) {
          opened.countDown();
        }
      }
    })) {
      SubmitReceipt first = client.submit(message("a"));
      SubmitReceipt second = client.submit(message("b"));
      assertThat(opened.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      awaitState(client, first, SpoolState.PENDING, 1);
      awaitState(client, second, SpoolState.PENDING, 1);
      sparkPost.alwaysRespond(FakeResponse.accepted());

      clock.advance(Duration.ofMinutes(10));

      assertThat(client.result(first)).as(() -> client.spoolOperations().list(SpoolState.PENDING, 5) + " "
          + ((io.steadfast.internal.DefaultEmailClient) client).circuitStates()).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
      assertThat(client.result(second)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
    }
  }

  @Test
  void fullSpoolMakesSubmitWaitThenThrowSpoolFull() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    try (EmailClient client = client(SqliteSpool.open(temp.resolve("spool")),
        b -> b.maxEntries(1).submitTimeout(Duration.ofMillis(200)))) {
      client.submit(message("a"));

      assertThatThrownBy(() -> client.submit(message("b")))
          .isInstanceOf(SpoolFullException.class)
          .hasMessageContaining("spool is full");
      assertThat(client.spoolOperations().stats().undeliveredCount()).isEqualTo(1);
    }
  }

  @Test
  void inMemorySpoolDeliversToo() {
    try (EmailClient client = client(Spool.inMemory(), b -> b)) {
      SubmitReceipt receipt = client.submit(message("a"));

      assertThat(client.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
    }
  }

  @Test
  void spoolFilesNeverContainTheApiKey() throws Exception {
    Path dir = temp.resolve("spool");
    try (EmailClient client = client(SqliteSpool.open(dir), b -> b)) {
      SubmitReceipt receipt = client.submit(message("a"));
      assertThat(client.result(receipt)).succeedsWithin(WAIT);
      client.submit(message("b"));
    }

    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).doesNotContain(API_KEY);
      }
    }
  }

  private static void awaitEntry(EmailClient client, SubmitReceipt receipt,
      java.util.function.Predicate<SpoolEntry> done, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.test(client.spoolOperations().inspect(receipt.spoolId()).orElseThrow())) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("entry " + receipt.spoolId() + " was not " + what);
  }

  private static void awaitState(EmailClient client, SubmitReceipt receipt, SpoolState state, int attempts) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      SpoolEntry entry = client.spoolOperations().inspect(receipt.spoolId()).orElseThrow();
      if (entry.state() == state && entry.attempts() >= attempts) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("entry " + receipt.spoolId() + " did not reach " + state);
  }
}
