package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CallDeadlines} on a clock the test moves: a call still in flight when its timeout passes is
 * cancelled and says it timed out, one that ended is left alone, and the sweeping thread ends when
 * nothing is in flight (at close, or after a long idle spell) and starts again with the next call.
 * The calls are real OkHttp calls that are never executed: cancelling one is what OkHttp sees.
 */
class CallDeadlinesTest {
  private static final Duration TIMEOUT = Duration.ofMillis(20);
  /** A safety net for a thread to end; the outcome never depends on it. */
  private static final Duration PATIENCE = Duration.ofMinutes(2);

  private final OkHttpClient client = new OkHttpClient();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final CallDeadlines deadlines = new CallDeadlines(TIMEOUT, "test-deadlines", now::get);

  @AfterEach
  void tearDown() {
    deadlines.close();
  }

  @Test
  void aCallStillInFlightWhenItsTimeoutPassesIsCancelledAndSaysItTimedOut() {
    Call call = newCall();
    CallDeadlines.Watch watch = deadlines.watch(call);

    now.addAndGet(TIMEOUT.toNanos() - 1);
    assertThat(deadlines.cancelOverdue(now.get())).as("still in flight").isTrue();
    assertThat(call.isCanceled()).isFalse();
    assertThat(watch.timedOut()).isFalse();

    now.addAndGet(1);
    // The sweeping thread may get there first; either way the call is cancelled by its deadline.
    assertThat(deadlines.cancelOverdue(now.get())).as("nothing left in flight").isFalse();
    assertThat(call.isCanceled()).isTrue();
    assertThat(watch.timedOut()).isTrue();
  }

  @Test
  void aCallThatEndedIsNotCancelledWhenItsTimeoutPasses() {
    Call call = newCall();
    CallDeadlines.Watch watch = deadlines.watch(call);
    watch.close();

    now.addAndGet(TIMEOUT.toNanos() * 10);

    assertThat(deadlines.cancelOverdue(now.get())).isFalse();
    assertThat(call.isCanceled()).isFalse();
    assertThat(watch.timedOut()).isFalse();
  }

  @Test
  void onlyTheCallsWhoseTimeoutPassedAreCancelled() {
    Call early = newCall();
    CallDeadlines.Watch earlyWatch = deadlines.watch(early);
    now.addAndGet(TIMEOUT.toNanos() / 2);
    Call late = newCall();
    CallDeadlines.Watch lateWatch = deadlines.watch(late);

    now.addAndGet(TIMEOUT.toNanos() / 2);

    assertThat(deadlines.cancelOverdue(now.get())).as("the later call is still in flight").isTrue();
    assertThat(earlyWatch.timedOut()).isTrue();
    assertThat(early.isCanceled()).isTrue();
    assertThat(lateWatch.timedOut()).isFalse();
    assertThat(late.isCanceled()).isFalse();
    lateWatch.close();
  }

  @Test
  void theSweepingThreadEndsAtCloseOnceTheCallsInFlightHaveEnded() throws InterruptedException {
    CallDeadlines.Watch watch = deadlines.watch(newCall());
    Thread sweeper = deadlines.sweeper();
    assertThat(sweeper).as("the first call starts the sweeping thread").isNotNull();
    assertThat(sweeper.isDaemon()).isTrue();
    assertThat(sweeper.getName()).isEqualTo("test-deadlines");

    deadlines.close();
    watch.close();
    sweeper.join(PATIENCE.toMillis());

    assertThat(sweeper.isAlive()).isFalse();
    assertThat(deadlines.sweeper()).isNull();
  }

  @Test
  void anIdleSweepingThreadEndsAndTheNextCallStartsAnother() throws InterruptedException {
    deadlines.watch(newCall()).close();
    Thread first = deadlines.sweeper();
    assertThat(first).isNotNull();

    now.addAndGet(TimeUnit.SECONDS.toNanos(11));
    first.join(PATIENCE.toMillis());
    assertThat(first.isAlive()).as("idle for longer than 10 s on the test's clock").isFalse();

    Call call = newCall();
    CallDeadlines.Watch watch = deadlines.watch(call);
    Thread second = deadlines.sweeper();
    assertThat(second).isNotNull().isNotSameAs(first);
    assertThat(second.isAlive()).isTrue();

    now.addAndGet(TIMEOUT.toNanos());
    deadlines.cancelOverdue(now.get());
    assertThat(watch.timedOut()).isTrue();
    assertThat(call.isCanceled()).isTrue();
  }

  private Call newCall() {
    return client.newCall(new Request.Builder().url("http://127.0.0.1:9/api/v1/transmissions").build());
  }
}
