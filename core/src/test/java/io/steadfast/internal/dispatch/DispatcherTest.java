package io.steadfast.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private final Spool spool = Spool.inMemory();
  private final AtomicReference<Optional<Duration>> probeIn = new AtomicReference<>(Optional.empty());
  private final List<SendOptions> sent = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final Dispatcher dispatcher = new Dispatcher(
      SpoolConfig.builder(spool).workers(3).pollInterval(Duration.ofSeconds(1)).closeTimeout(Duration.ofSeconds(5))
          .build(),
      clock, this::send, DeliveryListener.NONE, new RetrySchedule(Duration.ofSeconds(5), Duration.ofHours(1), () -> 0.5),
      probeIn::get, Message.MAX_MESSAGE_BYTES, ReconcilePolicy.DEFAULT, null);

  private SendReceipt send(Message message, SendOptions options) {
    sent.add(options);
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new SendReceipt("tx", 1, 0, options.idempotencyKey(), "rest-us", 1, null);
  }

  @AfterEach
  void close() {
    release.countDown();
    dispatcher.close();
  }

  private void submit(int count) {
    for (int i = 0; i < count; i++) {
      dispatcher.submit(Message.builder().from("a@example.com").to("b@example.com").subject("s" + i).text("t").build());
    }
  }

  @Test
  void claimsNothingWhileEveryCircuitIsOpenAndSleepsUntilTheProbe() {
    submit(5);
    probeIn.set(Optional.of(Duration.ofMillis(300)));

    Duration wait = dispatcher.dispatchDue();

    assertThat(wait).isEqualTo(Duration.ofMillis(300));
    assertThat(spool.stats(T0).count(SpoolState.PENDING)).isEqualTo(5);
  }

  @Test
  void claimsOneEntryAsProbeWhenEveryCircuitIsOpenAndProbeIsDue() {
    submit(5);
    probeIn.set(Optional.of(Duration.ZERO));

    dispatcher.dispatchDue();

    assertThat(spool.stats(T0).count(SpoolState.IN_FLIGHT)).isEqualTo(1);
  }

  @Test
  void aFleetNodeWhoseProbeSlotIsTakenSendsNoProbeAndAsksAgainNextPoll() {
    List<Duration> asked = new CopyOnWriteArrayList<>();
    // The in-memory spool as one node of a fleet whose probe slot another node holds.
    Spool fleetNode = (Spool) java.lang.reflect.Proxy.newProxyInstance(Spool.class.getClassLoader(),
        new Class<?>[] {Spool.class}, (proxy, method, args) -> {
          if (method.getName().equals("shared")) {
            return true;
          }
          if (method.getName().equals("claimProbe")) {
            asked.add((Duration) args[1]);
            return false;
          }
          try {
            return method.invoke(spool, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Dispatcher node = new Dispatcher(SpoolConfig.builder(fleetNode).workers(3).pollInterval(Duration.ofSeconds(1))
        .build(), clock, this::send, DeliveryListener.NONE,
        new RetrySchedule(Duration.ofSeconds(5), Duration.ofHours(1), () -> 0.5), () -> Optional.of(Duration.ZERO),
        () -> Duration.ofSeconds(4), Message.MAX_MESSAGE_BYTES, ReconcilePolicy.DEFAULT, null);
    node.submit(Message.builder().from("a@example.com").to("b@example.com").subject("s").text("t").build());

    Duration wait = node.dispatchDue();

    assertThat(asked).containsExactly(Duration.ofSeconds(4));
    assertThat(wait).isEqualTo(Duration.ofSeconds(1));
    assertThat(spool.stats(T0).count(SpoolState.PENDING)).isEqualTo(1);
    assertThat(sent).isEmpty();
  }

  @Test
  void aTransportThatFailsUnexpectedlyHasItsEntryLookedUpNotResentBlind() throws Exception {
    CountDownLatch looked = new CountDownLatch(1);
    DeliveryListener listener = new DeliveryListener() {
      @Override
      public void reconciling(IdempotencyKey key, @org.jspecify.annotations.Nullable String route) {
        looked.countDown();
      }
    };
    Dispatcher broken = new Dispatcher(SpoolConfig.builder(spool).workers(1).build(), clock,
        (message, options) -> {
          throw new IllegalStateException("transport bug after the request went out");
        }, listener, new RetrySchedule(Duration.ofSeconds(5), Duration.ofHours(1), () -> 0.5), Optional::empty,
        Message.MAX_MESSAGE_BYTES, ReconcilePolicy.DEFAULT, null);
    var receipt = broken.submit(Message.builder().from("a@example.com").to("b@example.com").subject("s").text("t")
        .build());

    broken.dispatchDue();

    assertThat(looked.await(2, TimeUnit.MINUTES)).isTrue();
    assertThat(spool.inspect(receipt.spoolId()).orElseThrow()).satisfies(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.lastError()).contains("transport bug");
    });
    broken.close();
  }

  @Test
  void claimsUpToTheNumberOfWorkersWhenARouteIsUsable() {
    submit(5);

    dispatcher.dispatchDue();

    assertThat(spool.stats(T0).count(SpoolState.IN_FLIGHT)).isEqualTo(3);
  }

  @Test
  void sendsEachEntryWithItsOwnKeyAndAnAttemptDeadline() throws Exception {
    Message message = Message.builder().from("a@example.com").to("b@example.com").subject("s").text("t")
        .idempotencyKey(IdempotencyKey.of("order-7")).build();
    var receipt = dispatcher.submit(message);
    release.countDown();

    dispatcher.dispatchDue();

    assertThat(dispatcher.result(receipt)).succeedsWithin(Duration.ofMinutes(2));
    assertThat(sent).singleElement().satisfies(options -> {
      assertThat(options.idempotencyKey()).isEqualTo(IdempotencyKey.of("order-7"));
      assertThat(options.deadline()).isEqualTo(SpoolConfig.DEFAULT_ATTEMPT_TIMEOUT);
    });
  }

  @Test
  void closeLeavesNoDeliveryInFlight() {
    // A view of the spool that stays open when the dispatcher closes it, so the test can look inside.
    Spool view = (Spool) java.lang.reflect.Proxy.newProxyInstance(Spool.class.getClassLoader(),
        new Class<?>[] {Spool.class}, (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            return null;
          }
          try {
            return method.invoke(spool, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    SpoolConfig config = SpoolConfig.builder(view).workers(1).closeTimeout(Duration.ZERO).build();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Dispatcher slow = new Dispatcher(config, clock, (message, options) -> {
      started.countDown();
      try {
        never.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("interrupted by close");
    }, DeliveryListener.NONE, new RetrySchedule(Duration.ofSeconds(5), Duration.ofHours(1), () -> 0.5),
        Optional::empty, Message.MAX_MESSAGE_BYTES,
        ReconcilePolicy.DEFAULT, null);
    slow.submit(Message.builder().from("a@example.com").to("b@example.com").subject("s").text("t").build());
    slow.dispatchDue();
    assertThat(awaitQuietly(started)).isTrue();

    slow.close();

    // Close moves the cut-off attempt to RECONCILING unless the interrupted worker recorded its own outcome
    // first (here an unexpected failure, which is retried): either way nothing is left in flight.
    assertThat(spool.stats(T0).count(SpoolState.IN_FLIGHT)).isZero();
    assertThat(spool.stats(T0).count(SpoolState.RECONCILING) + spool.stats(T0).count(SpoolState.PENDING)).isEqualTo(1);
  }

  private static boolean awaitQuietly(CountDownLatch latch) {
    try {
      return latch.await(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
