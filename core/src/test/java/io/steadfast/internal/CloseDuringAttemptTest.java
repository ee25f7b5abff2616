package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.Transport;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing a dispatching client while an attempt waits for SparkPost's answer (issue #17, finding 4):
 * the attempt may have reached SparkPost, so its entry is left RECONCILING, to be looked up in the
 * events before any re-send; never PENDING (a blind re-send, a duplicate if SparkPost had it) and never
 * lost. The client and spool are real; the transport blocks until the test releases it, and the close
 * timeout is zero, so close cuts the attempt short at once instead of waiting on the wall clock.
 */
class CloseDuringAttemptTest {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Duration SETTLE = ReconcilePolicy.DEFAULT_SETTLE_DELAY;

  private final FakeClock clock = new FakeClock();
  private final Spool stored = Spool.inMemory();
  private final FaultInjectingSpool spool = new FaultInjectingSpool(stored);
  private final List<EmailClient> clients = new ArrayList<>();
  private final List<BlockingTransport> transports = new ArrayList<>();

  /**
   * A transport whose attempts block until released, as a request waiting for SparkPost's response
   * does. Interrupted, it either keeps waiting (a blocking socket read ignores interrupts) or answers
   * unknown (the REST transport's answer to a call interrupted after the request went out).
   */
  private static final class BlockingTransport implements Transport {
    private final boolean answersInterruptWithUnknown;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger attempts = new AtomicInteger();

    BlockingTransport(boolean answersInterruptWithUnknown) {
      this.answersInterruptWithUnknown = answersInterruptWithUnknown;
    }

    @Override
    public String route() {
      return "rest-us";
    }

    @Override
    public Outcome deliver(Delivery delivery) {
      attempts.incrementAndGet();
      started.countDown();
      boolean interrupted = false;
      try {
        while (true) {
          try {
            release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return new Outcome.Accepted("tx-1", 1, 0, "req");
          } catch (InterruptedException e) {
            if (answersInterruptWithUnknown) {
              interrupted = true;
              return new Outcome.Unknown(Failure.of("call timed out waiting for SparkPost's response", null));
            }
            interrupted = true;
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
      return CompletableFuture.supplyAsync(() -> deliver(delivery));
    }

    @Override
    public void close() {}
  }

  private EmailClient client(Spool spool, Transport transport, ScriptedEvents events) {
    EmailClient client = EmailClient.create(SteadfastConfig.builder().transports(List.of(transport))
        .messageEvents(events).retryPolicy(RetryPolicy.NO_RETRIES).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .clock(clock)
        .spool(SpoolConfig.builder(spool).workers(1).pollInterval(Duration.ofMillis(20)).closeTimeout(Duration.ZERO)
            .build())
        .build());
    clients.add(client);
    return client;
  }

  private BlockingTransport transport(boolean answersInterruptWithUnknown) {
    BlockingTransport transport = new BlockingTransport(answersInterruptWithUnknown);
    transports.add(transport);
    return transport;
  }

  @AfterEach
  void close() {
    transports.forEach(transport -> transport.release.countDown());
    clients.forEach(EmailClient::close);
  }

  private static Message message(String key) {
    return Message.builder().from("shop@example.com").to(key + "@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
  }

  private void assertReconcilingAfterClose(SubmitReceipt receipt) {
    assertThat(stored.inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.nextAttemptAt()).isEqualTo(clock.instant().plus(SETTLE));
      assertThat(entry.attempts()).isEqualTo(1);
    });
  }

  @Test
  void anAttemptStillWaitingForSparkPostAtCloseIsLeftToBeLookedUp() throws Exception {
    BlockingTransport rest = transport(false);
    EmailClient client = client(spool, rest, new ScriptedEvents());
    SubmitReceipt receipt = client.submit(message("k1"));
    CompletableFuture<DeliveryResult> result = client.result(receipt);
    assertThat(rest.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("attempt started").isTrue();

    client.close();

    assertReconcilingAfterClose(receipt);
    assertThat(stored.inspect(receipt.spoolId())).map(SpoolEntry::lastError).hasValueSatisfying(error ->
        assertThat(error).contains("outcome of the attempt unknown"));
    assertThat(result).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
        .withMessageContaining("stays spooled");
  }

  @Test
  void anAnswerThatArrivesAfterCloseChangesNothingAndTheNextClientSettlesItFromEvents() throws Exception {
    BlockingTransport rest = transport(false);
    SubmitReceipt receipt = client(spool, rest, new ScriptedEvents()).submit(message("k1"));
    assertThat(rest.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("attempt started").isTrue();
    clients.get(0).close();

    rest.release.countDown(); // SparkPost's acceptance arrives after the client closed its spool
    assertThat(spool.awaitCall("markReconciling after close", WAIT)).as("calls %s", spool.calls()).isTrue();
    assertReconcilingAfterClose(receipt);
    ScriptedEvents events = new ScriptedEvents()
        .always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    BlockingTransport next = transport(false);
    EmailClient restarted = client(new FaultInjectingSpool(stored), next, events);
    clock.advance(SETTLE);

    assertThat(restarted.result(receipt)).succeedsWithin(WAIT).isInstanceOfSatisfying(DeliveryResult.Delivered.class,
        delivered -> assertThat(delivered.receipt().confirmedFromEvents()).isTrue());
    assertThat(rest.attempts.get() + next.attempts.get()).as("attempts over both clients").isEqualTo(1);
  }

  @Test
  void anAttemptThatAnswersUnknownWhenCloseInterruptsItIsLeftToBeLookedUp() throws Exception {
    BlockingTransport rest = transport(true);
    EmailClient client = client(spool, rest, new ScriptedEvents());
    SubmitReceipt receipt = client.submit(message("k1"));
    assertThat(rest.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("attempt started").isTrue();

    client.close();

    assertReconcilingAfterClose(receipt);
    assertThat(spool.calls()).doesNotContain("reschedule");
    assertThat(rest.attempts.get()).isEqualTo(1);
  }
}
