package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client built with {@code SpoolConfig.submitOnly(true)} only stores (issue #17, finding 4): a
 * short-lived {@code steadfast submit} must not send, and so can never cut an attempt short when it
 * exits. The spool is real (in memory, behind a view that records the dispatcher's calls); a transport
 * with nothing scripted fails any attempt it is given, and records it.
 */
class SubmitOnlyClientTest {
  private static final Duration WAIT = Duration.ofMinutes(2);

  private final FakeClock clock = new FakeClock();
  private final Spool stored = Spool.inMemory();
  private final FaultInjectingSpool spool = new FaultInjectingSpool(stored);
  private final ScriptedTransport neverCalled = new ScriptedTransport("rest-us");
  private final List<EmailClient> clients = new ArrayList<>();

  private EmailClient client(Spool spool, ScriptedTransport transport, boolean submitOnly) {
    EmailClient client = EmailClient.create(SteadfastConfig.builder().transports(List.of(transport))
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED).clock(clock)
        .spool(SpoolConfig.builder(spool).submitOnly(submitOnly).pollInterval(Duration.ofMillis(20)).build())
        .build());
    clients.add(client);
    return client;
  }

  @AfterEach
  void close() {
    clients.forEach(EmailClient::close);
  }

  private static Message message(String key) {
    return Message.builder().from("shop@example.com").to(key + "@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
  }

  /** Returns the live threads whose name starts with {@code prefix}. */
  private static Set<Thread> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().startsWith(prefix))
        .collect(Collectors.toSet());
  }

  @Test
  void storesEachMessageAsPendingAndNeverCallsTheTransport() {
    EmailClient client = client(spool, neverCalled, true);

    SubmitReceipt first = client.submit(message("k1"));
    SubmitReceipt second = client.submit(message("k2"));
    client.close();

    assertThat(List.of(first, second)).allSatisfy(receipt ->
        assertThat(stored.inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
          assertThat(entry.state()).isEqualTo(SpoolState.PENDING);
          assertThat(entry.attempts()).isZero();
        }));
    assertThat(stored.find(IdempotencyKey.of("k2"))).map(SpoolEntry::id).hasValue(second.spoolId());
    assertThat(spool.claims()).as("pending entries claimed for an attempt").isZero();
    assertThat(spool.reconcileClaims()).as("entries claimed for an events lookup").isZero();
    assertThat(neverCalled.deliveries()).isEmpty();
  }

  @Test
  void startsNoDispatcherReconcilerOrWorkerThread() {
    List<String> names = List.of("steadfast-dispatcher", "steadfast-reconciler", "steadfast-dispatch-");
    List<Set<Thread>> before = names.stream().map(SubmitOnlyClientTest::threadsNamed).toList();

    EmailClient client = client(spool, neverCalled, true);
    client.submit(message("k1"));

    for (int i = 0; i < names.size(); i++) {
      Set<Thread> started = new HashSet<>(threadsNamed(names.get(i)));
      started.removeAll(before.get(i));
      assertThat(started).as("threads named %s* the client started", names.get(i)).isEmpty();
    }
  }

  @Test
  void leavesTheEntriesAnotherDispatcherHoldsInFlight() {
    Message held = message("held");
    SpoolEntry entry = stored.append(List.of(new Spool.NewEntry(held.idempotencyKey(), held.fingerprint(), held,
        clock.instant(), clock.instant().plus(Duration.ofDays(1)), 100)), Spool.Limits.NONE).get(0);
    stored.claim(1, clock.instant(), Duration.ofMinutes(5)); // a long-running dispatcher is sending it now

    EmailClient client = client(spool, neverCalled, true);
    client.submit(message("k1"));
    client.close();

    assertThat(spool.recoveries()).as("in-flight recoveries").isZero();
    assertThat(stored.inspect(entry.id())).hasValueSatisfying(after -> {
      assertThat(after.state()).isEqualTo(SpoolState.IN_FLIGHT);
      assertThat(after.leaseUntil()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
      assertThat(after.lastError()).isNull();
    });
  }

  @Test
  void closeReturnsWithNothingInFlightAndEveryMessageStillSpooled() {
    EmailClient client = client(spool, neverCalled, true);
    SubmitReceipt receipt = client.submit(message("k1"));
    CompletableFuture<DeliveryResult> result = client.result(receipt);

    client.close();

    assertThat(stored.stats(clock.instant()).count(SpoolState.PENDING)).isEqualTo(1);
    assertThat(stored.stats(clock.instant()).count(SpoolState.IN_FLIGHT)).isZero();
    assertThat(stored.stats(clock.instant()).count(SpoolState.RECONCILING)).isZero();
    assertThat(spool.calls()).containsExactly("append", "close");
    assertThat(result).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
        .withMessageContaining("stays spooled");
  }

  @Test
  void aDispatchingClientOnTheSameSpoolDeliversWhatTheSubmitOnlyClientStored() throws Exception {
    EmailClient submitter = client(spool, neverCalled, true);
    SubmitReceipt receipt = submitter.submit(message("k1"));
    submitter.close();
    ScriptedTransport rest = new ScriptedTransport("rest-us").then(new Outcome.Accepted("tx-1", 1, 0, "req"));

    EmailClient dispatcher = client(new FaultInjectingSpool(stored), rest, false);

    assertThat(dispatcher.result(receipt)).succeedsWithin(WAIT).isInstanceOf(DeliveryResult.Delivered.class);
    assertThat(rest.deliveries()).extracting(delivery -> delivery.idempotencyKey().value()).containsExactly("k1");
    assertThat(neverCalled.deliveries()).isEmpty();
  }
}
