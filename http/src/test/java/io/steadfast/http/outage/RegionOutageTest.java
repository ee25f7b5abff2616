package io.steadfast.http.outage;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.RetryableException;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.OutageScenario;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Replays the 2019 regional outage (healthy, intermittent errors, full outage, recovery) against
 * {@link FakeSparkPost} while eight threads send 300 messages through {@link EmailClient}, each
 * re-sending a message with the same key after a retryable failure, as the spool does.
 *
 * <p>Determinism: the fake's phases end by request count and draw their answers from seeded
 * plans, so the n-th request gets the same answer on every run; the circuit breaker and deadlines run
 * on a test clock that senders move forward to the next probe instead of sleeping. Which message
 * meets which answer varies with thread timing; the outcomes asserted here do not.
 */
class RegionOutageTest {

  private static final String API_KEY = "sk-canary-region-outage";
  private static final long SEED = 2019;
  private static final int MESSAGES = 300;
  private static final int THREADS = 8;
  private static final int HEALTHY_REQUESTS = 100;
  private static final int INTERMITTENT_REQUESTS = 150;
  private static final int OUTAGE_REQUESTS = 60;

  /** Bounds the outer loop: a message is re-sent at most this many times after reaching SparkPost. */
  private static final int MAX_SENDS_PER_MESSAGE = 40;

  /** Bounds re-sends turned away by an open circuit (each moves the test clock to the next probe). */
  private static final int MAX_CIRCUIT_REJECTIONS_PER_MESSAGE = 1_000;

  private static final RetryPolicy RETRY =
      RetryPolicy.builder()
          .maxAttempts(3)
          .minBackoff(Duration.ofMillis(1))
          .initialBackoff(Duration.ofMillis(5))
          .maxBackoff(Duration.ofMillis(20))
          .deadline(Duration.ofSeconds(60))
          .budgetCapacity(100)
          .retryCost(5)
          .timeoutRetryCost(10)
          .successRefund(1)
          .build();

  private static final CircuitBreakerPolicy CIRCUIT =
      CircuitBreakerPolicy.builder()
          .slidingWindowSize(20)
          .minimumNumberOfCalls(10)
          .failureRateThreshold(50f)
          .waitInOpenState(Duration.ofSeconds(5))
          .permittedCallsInHalfOpenState(3)
          .build();

  @Test
  void deliversEveryMessageExactlyOnceThroughOutageWithBoundedRequests() throws Exception {
    JumpingClock clock = new JumpingClock(Instant.parse("2019-06-04T12:00:00Z"));
    Result result;
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY)) {
      sparkPost.play(
          OutageScenario.outage2019(SEED, HEALTHY_REQUESTS, INTERMITTENT_REQUESTS, OUTAGE_REQUESTS));
      RecordingListener listener = new RecordingListener(sparkPost);
      SteadfastConfig base =
          SteadfastConfig.builder()
              .apiKey(API_KEY)
              .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
              .connectTimeout(Duration.ofSeconds(2))
              .readTimeout(Duration.ofSeconds(5))
              .clock(clock)
              .build();
      Transport rest = RestTransport.create(base);
      SteadfastConfig config =
          base.toBuilder()
              .transports(List.of(rest))
              .retryPolicy(RETRY)
              .circuitBreakerPolicy(CIRCUIT)
              .listener(listener)
              .build();
      try (EmailClient client = EmailClient.create(config)) {
        result = sendAll(client, clock, listener);
      } finally {
        rest.close();
      }

      // Every message reached SparkPost once by key, and never twice. The only ambiguous fault in
      // the preset is a reset, which the fake answers without recording, so even keys that saw an
      // UNKNOWN outcome (and were retried on the same route) have no duplicate.
      assertThat(result.failedForGood).isEmpty();
      assertThat(sparkPost.acceptedKeys()).hasSize(MESSAGES).isEqualTo(result.keys);
      assertThat(sparkPost.transmissions()).hasSize(MESSAGES);
      assertThat(sparkPost.duplicateCount()).isZero();
      assertThat(listener.unknownKeys).containsAll(sparkPost.duplicateKeys());

      // The circuit opened while SparkPost was down, and closed again once it had recovered.
      // Listener calls from different threads may arrive out of order, so compare counts: every
      // time the circuit left CLOSED it came back.
      assertThat(listener.openedInPhase).contains("outage");
      assertThat(listener.closedInPhase).contains("recovery");
      assertThat(listener.transitions).contains("CLOSED>OPEN", "HALF_OPEN>CLOSED");
      assertThat(listener.transitions.stream().filter(t -> t.endsWith(">CLOSED")).count())
          .isEqualTo(listener.transitions.stream().filter(t -> t.startsWith("CLOSED>")).count());
      assertThat(sparkPost.requestsByPhase())
          .containsEntry("healthy", HEALTHY_REQUESTS)
          .containsEntry("intermittent", INTERMITTENT_REQUESTS)
          .containsEntry("outage", OUTAGE_REQUESTS)
          .containsKey("recovery");

      // The request bound. A send() call makes at most one first attempt (none if the circuit turns
      // it away), so first attempts = S, the calls that reached SparkPost. Every in-call retry takes
      // retryCost (5) tokens, or timeoutRetryCost (10) after an UNKNOWN, from a bucket that starts at
      // budgetCapacity (100) and only grows by refunds: successRefund (1) for a success at the first
      // attempt (A of them), retryCost (5) for a success after retries (B of them). So
      //   retries <= (budgetCapacity + A * successRefund + B * retryCost) / retryCost
      //   requests = S + retries <= S + 100/5 + A/5 + B,   with A + B = 300 messages.
      // Without the budget, retries could reach S * (maxAttempts - 1).
      int requests = sparkPost.requests().size();
      int firstAttempts = result.callsThatReachedSparkPost.get();
      int a = result.acceptedAtFirstAttempt.get();
      int b = MESSAGES - a;
      int retryBound =
          (RETRY.budgetCapacity() + a * RETRY.successRefund() + b * RETRY.retryCost())
              / RETRY.retryCost();
      System.out.printf(
          "RegionOutageTest: requests=%d firstAttempts=%d retries=%d retryBound=%d "
              + "(A=%d B=%d) unbudgetedRetryBound=%d calls=%d circuitRejections=%d "
              + "budgetExhausted=%d unknownKeys=%d phases=%s transitions=%s%n",
          requests,
          firstAttempts,
          requests - firstAttempts,
          retryBound,
          a,
          b,
          firstAttempts * (RETRY.maxAttempts() - 1),
          result.calls.get(),
          result.circuitRejections.get(),
          listener.budgetExhausted.get(),
          listener.unknownKeys.size(),
          sparkPost.requestsByPhase(),
          listener.transitions);
      assertThat(requests).isEqualTo(listener.attempts.get());
      assertThat(requests).isLessThanOrEqualTo(firstAttempts + retryBound);
      assertThat(requests)
          .isLessThanOrEqualTo(
              MESSAGES * MAX_SENDS_PER_MESSAGE
                  + RETRY.budgetCapacity() / RETRY.retryCost()
                  + MESSAGES);
    }
  }

  private static Result sendAll(EmailClient client, JumpingClock clock, RecordingListener listener)
      throws Exception {
    Result result = new Result();
    List<IdempotencyKey> keys = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      keys.add(IdempotencyKey.of(String.format("outage-2019-%03d", i)));
      result.keys.add(keys.get(i).value());
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = thread; i < MESSAGES; i += THREADS) {
                    deliver(client, clock, listener, keys.get(i), i, result);
                  }
                }));
      }
      for (Future<?> future : futures) {
        future.get(5, TimeUnit.MINUTES); // a safety net for a hang, never the pass criterion
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    }
    return result;
  }

  /** Sends one message until it is accepted, re-sending with the same key as a spool would. */
  private static void deliver(
      EmailClient client,
      JumpingClock clock,
      RecordingListener listener,
      IdempotencyKey key,
      int index,
      Result result) {
    Message message =
        Message.builder()
            .from("orders@shop.example")
            .to("customer" + index + "@example.com")
            .subject("Order " + index)
            .text("Your order " + index + " has shipped.")
            .build();
    int sends = 0;
    int rejections = 0;
    while (sends < MAX_SENDS_PER_MESSAGE && rejections < MAX_CIRCUIT_REJECTIONS_PER_MESSAGE) {
      result.calls.incrementAndGet();
      long progress = listener.progress();
      try {
        SendReceipt receipt = client.send(message, SendOptions.idempotencyKey(key));
        result.callsThatReachedSparkPost.incrementAndGet();
        sends++;
        if (receipt.attempts() == 1) {
          result.acceptedAtFirstAttempt.incrementAndGet();
        }
        return;
      } catch (RetryableException e) {
        Instant failedAt = clock.instant();
        if (e.attempts() > 0) {
          result.callsThatReachedSparkPost.incrementAndGet();
          sends++;
        } else {
          // The circuit turned the call away without a request. If it is open, wait for the next
          // probe by moving the test clock there instead of sleeping; if it is half-open with every
          // probe taken, wait until some attempt ends or the circuit changes.
          result.circuitRejections.incrementAndGet();
          rejections++;
          // Resilience4j lets the probe through only once the wait has strictly passed, hence 1 ms
          // more; a circuit whose wait ended exactly now also reports no retryAfter.
          if (e.retryAfter().isPresent()) {
            clock.advanceTo(failedAt.plus(e.retryAfter().get()).plusMillis(1));
          } else if (!listener.awaitProgressBeyond(progress)) {
            clock.advanceTo(failedAt.plusMillis(1));
          }
        }
      }
    }
    result.failedForGood.add(key.value());
  }

  /**
   * Real time plus jumps. Senders jump it to a circuit's next probe instead of sleeping; a wait the client
   * sleeps for real (its pace after 429s, reserved on this clock) passes on it too. On a clock that moved
   * only by jumps, each paced send reserved a slot further past a frozen "now" and slept ever longer.
   */
  private static final class JumpingClock extends java.time.Clock {
    private final Instant start;
    private final long startNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicLong jumpedNanos = new java.util.concurrent.atomic.AtomicLong();

    JumpingClock(Instant start) {
      this.start = start;
    }

    @Override
    public Instant instant() {
      return start.plusNanos(System.nanoTime() - startNanos + jumpedNanos.get());
    }

    /** Moves the clock forward to {@code target} if it is not there yet. */
    void advanceTo(Instant target) {
      long behind = Duration.between(instant(), target).toNanos();
      if (behind > 0) {
        jumpedNanos.addAndGet(behind);
      }
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException("a UTC test clock");
    }
  }

  /** What the senders did, shared between their threads. */
  private static final class Result {
    final Set<String> keys = ConcurrentHashMap.newKeySet();
    final Set<String> failedForGood = ConcurrentHashMap.newKeySet();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger callsThatReachedSparkPost = new AtomicInteger();
    final AtomicInteger acceptedAtFirstAttempt = new AtomicInteger();
    final AtomicInteger circuitRejections = new AtomicInteger();
  }

  /** Records attempts, UNKNOWN outcomes and circuit changes, with the fake's phase at the time. */
  private static final class RecordingListener extends DeliveryListener {
    final FakeSparkPost sparkPost;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger budgetExhausted = new AtomicInteger();
    final Set<String> unknownKeys = ConcurrentHashMap.newKeySet();
    final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
    final Set<String> openedInPhase = ConcurrentHashMap.newKeySet();
    final Set<String> closedInPhase = ConcurrentHashMap.newKeySet();

    RecordingListener(FakeSparkPost sparkPost) {
      this.sparkPost = sparkPost;
    }

    /** Counts attempts finished and circuit changes. Guarded by {@code this}. */
    private long progress;

    synchronized long progress() {
      return progress;
    }

    /**
     * Waits until an attempt ends or the circuit changes after {@code seen}, for at most 200 ms;
     * returns whether it did.
     */
    synchronized boolean awaitProgressBeyond(long seen) {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      try {
        while (progress <= seen) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    private synchronized void progressed() {
      progress++;
      notifyAll();
    }

    @Override
    public void attemptStarted(IdempotencyKey key, String route, int attempt) {
      attempts.incrementAndGet();
    }

    @Override
    public void attemptFinished(
        IdempotencyKey key, String route, int attempt, Outcome outcome, Duration elapsed) {
      if (outcome instanceof Outcome.Unknown) {
        unknownKeys.add(key.value());
      }
      progressed();
    }

    @Override
    public void retryBudgetExhausted(IdempotencyKey key, String route) {
      budgetExhausted.incrementAndGet();
    }

    @Override
    public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
      transitions.add(from + ">" + to);
      if (to == CircuitState.OPEN) {
        openedInPhase.add(sparkPost.currentPhase().orElse("none"));
      } else if (to == CircuitState.CLOSED) {
        closedInPhase.add(sparkPost.currentPhase().orElse("none"));
      }
      progressed();
    }
  }

}
