package io.steadfast.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SendingLimitExceededException;
import io.steadfast.SpoolConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery flush (issue #18): when SparkPost answers again, mail that waits out the outage's backoff
 * becomes due at once, oldest first, while waits whose cause did not go away (a 420 sending limit)
 * keep their schedule; {@code flush()} makes every pending entry due. The loop is driven by hand with
 * a fake clock that only the test moves; a semaphore released as each outcome is recorded counts the
 * finished attempts.
 */
class RecoveryFlushTest {
  private static final Duration HOUR = Duration.ofHours(1);

  private final FakeClock clock = new FakeClock();
  private final Spool spool = Spool.inMemory();
  /** What SparkPost does with each message, by subject; absent: accepts. */
  private final ConcurrentHashMap<String, String> provider = new ConcurrentHashMap<>();
  private volatile boolean outage = true;
  /** What the client's circuits say: empty while a route takes messages, else the time to the next probe. */
  private volatile Optional<Duration> allOpenProbeIn = Optional.empty();
  /** Counted down when a held attempt reaches SparkPost; the attempt answers once {@link #release} is. */
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger attemptsStarted = new AtomicInteger();
  private final List<String> accepted = new CopyOnWriteArrayList<>();
  private final Semaphore finished = new Semaphore(0);
  private final DeliveryListener listener = new DeliveryListener() {
    @Override
    public void retryScheduled(IdempotencyKey key, String route, int attempt, Duration delay) {
      finished.release();
    }

    @Override
    public void delivered(io.steadfast.DeliveryResult.Delivered result) {
      finished.release();
    }
  };
  private final Dispatcher dispatcher = new Dispatcher(
      SpoolConfig.builder(spool).workers(4).pollInterval(Duration.ofSeconds(1)).closeTimeout(Duration.ofSeconds(5))
          .build(),
      clock, this::send, listener, new RetrySchedule(Duration.ofSeconds(5), HOUR, () -> 0.99),
      () -> allOpenProbeIn, Message.MAX_MESSAGE_BYTES, ReconcilePolicy.DEFAULT, null);

  private SendReceipt send(Message message, SendOptions options) {
    attemptsStarted.incrementAndGet();
    if (provider.remove(message.subject(), "hold-then-503")) {
      held.countDown();
      awaitUninterruptibly(release);
      throw new ProviderUnavailableException(Failure.of("HTTP 503", null), "rest-us", 1, options.idempotencyKey(),
          null);
    }
    if (provider.remove(message.subject(), "hold")) {
      held.countDown();
      awaitUninterruptibly(release);
    }
    if ("quota".equals(provider.get(message.subject()))) {
      throw new SendingLimitExceededException(Failure.of("HTTP 420", null), "rest-us", 1, options.idempotencyKey());
    }
    if (outage) {
      throw new ProviderUnavailableException(Failure.of("HTTP 503", null), "rest-us", 1, options.idempotencyKey(),
          null);
    }
    accepted.add(message.subject());
    return new SendReceipt("tx-" + accepted.size(), 1, 0, options.idempotencyKey(), "rest-us", 1, null);
  }

  @AfterEach
  void close() {
    release.countDown();
    dispatcher.close();
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      assertThat(latch.await(2, TimeUnit.MINUTES)).as("released").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private SubmitReceipt submit(String subject) {
    return dispatcher.submit(Message.builder().from("a@example.com").to("b@example.com").subject(subject).text("t")
        .build());
  }

  /**
   * Runs loop passes until {@code outcomes} attempts have been recorded. More than one pass, because a
   * worker frees its slot just after its outcome is recorded, and a pass claims only into free slots.
   */
  private void dispatch(int outcomes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    int recorded = 0;
    while (recorded < outcomes && System.nanoTime() < deadline) {
      dispatcher.dispatchDue();
      if (finished.tryAcquire(50, TimeUnit.MILLISECONDS)) {
        recorded++;
      }
    }
    assertThat(recorded).as("attempts recorded").isEqualTo(outcomes);
  }

  /**
   * Lets every entry fail {@code rounds} times, advancing the clock to each next attempt; the entries
   * were submitted together, so the schedule (with its fixed jitter) keeps them due together.
   */
  private void failThroughTheOutage(int entries, int rounds) throws InterruptedException {
    for (int round = 0; round < rounds; round++) {
      dispatch(entries);
      clock.advanceTo(spool.nextDueAt().orElseThrow());
    }
  }

  @Test
  void aSuccessAfterTheOutageMakesEveryProviderWaitDueAtOnceOldestFirst() throws Exception {
    List<SubmitReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      receipts.add(submit("m" + i));
    }
    failThroughTheOutage(4, 5);
    dispatch(4);
    Instant healed = clock.instant();
    assertThat(spool.nextDueAt()).as("after an outage's backoff the next attempt is minutes away")
        .hasValueSatisfying(next -> assertThat(next).isAfter(healed.plus(Duration.ofMinutes(1))));
    outage = false;
    receipts.add(submit("fresh"));

    dispatch(1); // the fresh message goes out: SparkPost answers again
    dispatch(4); // the loop flushed the backlog: due now, without the clock moving

    assertThat(clock.instant()).isEqualTo(healed);
    assertThat(accepted).hasSize(5).startsWith("fresh").contains("m0", "m1", "m2", "m3");
    for (SubmitReceipt receipt : receipts) {
      assertThat(spool.inspect(receipt.spoolId())).map(SpoolEntry::state).contains(SpoolState.DELIVERED);
    }
  }

  @Test
  void aClosedCircuitFlushesProviderWaitsButLeavesSendingLimitWaitsOnTheirSchedule() throws Exception {
    provider.put("quota", "quota");
    SubmitReceipt quota = submit("quota");
    SubmitReceipt waiting = submit("waiting");
    failThroughTheOutage(2, 2);
    dispatch(2);
    Instant quotaDue = spool.inspect(quota.spoolId()).orElseThrow().nextAttemptAt();
    outage = false;

    dispatcher.routeRecovered();
    dispatch(1);

    assertThat(accepted).containsExactly("waiting");
    SpoolEntry stillWaiting = spool.inspect(quota.spoolId()).orElseThrow();
    assertThat(stillWaiting.state()).isEqualTo(SpoolState.PENDING);
    assertThat(stillWaiting.nextAttemptAt()).as("a 420 wait is not the outage's").isEqualTo(quotaDue)
        .isAfter(clock.instant());
    assertThat(spool.inspect(waiting.spoolId())).map(SpoolEntry::state).contains(SpoolState.DELIVERED);
  }

  @Test
  void aSuccessAfterASingleFailureIsNoRecoveryAndFlushesNothing() throws Exception {
    outage = false;
    submit("ok");
    dispatch(1); // a fresh dispatcher's first success flushes what a previous run left waiting
    outage = true;
    SubmitReceipt blip = submit("blip");
    dispatch(1);
    Instant due = spool.inspect(blip.spoolId()).orElseThrow().nextAttemptAt();
    outage = false;
    submit("ok again");

    dispatch(1);
    dispatcher.dispatchDue();

    assertThat(accepted).containsExactly("ok", "ok again");
    SpoolEntry waiting = spool.inspect(blip.spoolId()).orElseThrow();
    assertThat(waiting.state()).isEqualTo(SpoolState.PENDING);
    assertThat(waiting.nextAttemptAt()).isEqualTo(due).isAfter(clock.instant());
  }

  @Test
  void anAttemptStillOutWhenTheRecoveryFlushRunsIsDueAtOnceWhenItFails() throws Exception {
    outage = false;
    provider.put("held", "hold-then-503");
    SubmitReceipt receipt = submit("held");
    dispatcher.dispatchDue();
    assertThat(held.await(2, TimeUnit.MINUTES)).isTrue();
    Instant healed = clock.instant();

    dispatcher.routeRecovered();
    dispatcher.dispatchDue(); // the flush runs while the attempt is out: nothing in the spool to flush
    release.countDown();
    dispatch(1); // the attempt fails after the flush and is rescheduled behind a backoff...

    dispatch(1); // ...which the repeated flush cuts short: delivered without the clock moving

    assertThat(clock.instant()).isEqualTo(healed);
    assertThat(accepted).containsExactly("held");
    assertThat(spool.inspect(receipt.spoolId())).map(SpoolEntry::state).contains(SpoolState.DELIVERED);
  }

  @Test
  void whileEveryCircuitIsOpenOrHalfOpenOnlyOneProbeIsOutAtATime() throws Exception {
    outage = false;
    provider.put("probe", "hold");
    SubmitReceipt probe = submit("probe");
    SubmitReceipt queued = submit("queued");
    allOpenProbeIn = Optional.of(Duration.ZERO); // a probe is due, or the circuit is half open

    dispatcher.dispatchDue();
    assertThat(held.await(2, TimeUnit.MINUTES)).isTrue();
    dispatcher.dispatchDue();
    dispatcher.dispatchDue();

    assertThat(attemptsStarted).as("the half-open circuit would refuse a second attempt").hasValue(1);
    assertThat(spool.inspect(queued.spoolId())).map(SpoolEntry::state).contains(SpoolState.PENDING);
    allOpenProbeIn = Optional.empty(); // the probe's success closes the circuit
    release.countDown();
    dispatch(2);
    assertThat(accepted).containsExactly("probe", "queued");
    assertThat(spool.inspect(probe.spoolId())).map(SpoolEntry::state).contains(SpoolState.DELIVERED);
  }

  @Test
  void manualFlushMakesEveryPendingEntryDueWhateverItWaitsFor() throws Exception {
    provider.put("quota", "quota");
    submit("quota");
    submit("waiting");
    failThroughTheOutage(2, 2);
    dispatch(2);
    provider.clear();
    outage = false;

    int flushed = dispatcher.flush();
    dispatch(2);

    assertThat(flushed).isEqualTo(2);
    assertThat(accepted).containsExactlyInAnyOrder("quota", "waiting");
    assertThat(spool.stats(clock.instant()).count(SpoolState.PENDING)).isZero();
    assertThat(spool.flush(clock.instant(), Set.of(io.steadfast.spi.WaitReason.values()))).isZero();
  }
}
