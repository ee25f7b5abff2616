package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryableException;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolUnavailableException;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A spool that cannot write (issue #17, finding 3): a full disk during submit is one retryable failure
 * with nothing stored, and an acceptance the spool cannot record is settled from SparkPost's events,
 * never re-sent blind. The client, dispatcher and reconciler are real, the spool is a real in-memory
 * one behind a view that fails chosen writes, the transport and events search are scripted, and time is
 * a fake clock that the tests move.
 */
class SpoolWriteFailureTest {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final Duration SETTLE = ReconcilePolicy.DEFAULT_SETTLE_DELAY;
  private static final String DISK_FULL = "[SQLITE_FULL] database or disk is full";

  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();
  private final ScriptedTransport rest = new ScriptedTransport("rest-us");
  private final ScriptedEvents events = new ScriptedEvents();
  private final Spool stored = Spool.inMemory();
  private final FaultInjectingSpool spool = new FaultInjectingSpool(stored);
  private final EmailClient client = EmailClient.create(SteadfastConfig.builder().transports(List.of(rest))
      .messageEvents(events).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED).listener(listener).clock(clock)
      .spool(SpoolConfig.builder(spool).pollInterval(Duration.ofMillis(20)).lease(LEASE).build())
      .build());

  @AfterEach
  void close() {
    client.close();
  }

  private static Message message(String key) {
    return Message.builder().from("shop@example.com").to(key + "@example.com").subject("Hi").text("Hello")
        .idempotencyKey(IdempotencyKey.of(key)).build();
  }

  private static UncheckedIOException diskFull() {
    return new UncheckedIOException("could not make the spool entry durable", new IOException(DISK_FULL));
  }

  private DeliveryResult result(SubmitReceipt receipt) throws Exception {
    return client.result(receipt).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private void awaitSpool(String call) throws InterruptedException {
    assertThat(spool.awaitCall(call, WAIT)).as("spool call '%s' in %s", call, spool.calls()).isTrue();
  }

  @Test
  void aFullDiskFailsTheSubmitRetryablyNamingTheCauseAndStoresNothing() {
    spool.failAppends(diskFull());

    assertThatThrownBy(() -> client.submit(message("k1")))
        .isInstanceOf(SpoolUnavailableException.class)
        .isInstanceOf(RetryableException.class)
        .hasMessageContaining(DISK_FULL)
        .hasMessageContaining("nothing was stored")
        .hasMessageContaining("same idempotency key")
        .cause().hasMessage(DISK_FULL);
    assertThat(stored.find(IdempotencyKey.of("k1"))).isEmpty();
    assertThat(stored.stats(clock.instant()).undeliveredCount()).isZero();
    assertThat(rest.deliveries()).isEmpty();
  }

  @Test
  void aFullDiskFailsTheAsyncSubmitWithTheSameException() {
    spool.failAppends(diskFull());

    assertThat(client.submitAsync(message("k1"))).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(SpoolUnavailableException.class).withMessageContaining(DISK_FULL);
    assertThat(stored.find(IdempotencyKey.of("k1"))).isEmpty();
  }

  @Test
  void onceTheDiskHasRoomTheSameKeyIsSubmittedAgainAndDeliveredOnce() throws Exception {
    rest.then(new Outcome.Accepted("tx-1", 1, 0, "req"));
    spool.failAppends(diskFull());
    assertThatThrownBy(() -> client.submit(message("k1"))).isInstanceOf(SpoolUnavailableException.class);

    spool.appendsWork();
    SubmitReceipt receipt = client.submit(message("k1"));

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.Delivered.class,
        delivered -> assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-1"));
    assertThat(rest.deliveries()).extracting(delivery -> delivery.idempotencyKey().value()).containsExactly("k1");
  }

  @Test
  void anAcceptanceTheSpoolCannotRecordIsSettledFromEventsWithoutAResend() throws Exception {
    rest.then(new Outcome.Accepted("tx-1", 1, 0, "req"));
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    spool.failMarkDelivered(1, diskFull());
    SubmitReceipt receipt = client.submit(message("k1"));
    awaitSpool("markReconciling");
    assertThat(stored.inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.RECONCILING);
      assertThat(entry.nextAttemptAt()).isEqualTo(clock.instant().plus(SETTLE));
      assertThat(entry.lastError()).contains("accepted by SparkPost (transmission tx-1)").contains("could not record");
    });
    assertThat(events.searches()).as("nothing is searched before the settle delay").isEmpty();

    clock.advance(SETTLE);

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.Delivered.class, delivered -> {
      assertThat(delivered.receipt().confirmedFromEvents()).isTrue();
      assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-1");
    });
    assertThat(stored.inspect(receipt.spoolId())).map(SpoolEntry::state).hasValue(SpoolState.DELIVERED);
    assertThat(events.searches()).singleElement().satisfies(search ->
        assertThat(search).extracting(lookup -> lookup.idempotencyKey().value()).containsExactly("k1"));
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(spool.calls()).containsSubsequence("markDelivered failed", "markReconciling", "markDelivered")
        .doesNotContain("reschedule");
  }

  @Test
  void whenNotEvenTheReconcilingMarkCanBeWrittenTheEntryIsSettledAfterItsLeaseExpires() throws Exception {
    rest.then(new Outcome.Accepted("tx-1", 1, 0, "req"));
    events.always(IdempotencyKey.of("k1"), ScriptedEvents.injection("tx-1", clock.instant()));
    spool.failMarkDelivered(1, diskFull()).failMarkReconciling(1);
    SubmitReceipt receipt = client.submit(message("k1"));
    awaitSpool("markReconciling failed");
    assertThat(stored.inspect(receipt.spoolId())).hasValueSatisfying(entry -> {
      assertThat(entry.state()).isEqualTo(SpoolState.IN_FLIGHT);
      assertThat(entry.leaseUntil()).isEqualTo(clock.instant().plus(LEASE));
    });

    clock.advance(LEASE);

    assertThat(result(receipt)).isInstanceOfSatisfying(DeliveryResult.Delivered.class, delivered -> {
      assertThat(delivered.receipt().confirmedFromEvents()).isTrue();
      assertThat(delivered.receipt().transmissionId()).isEqualTo("tx-1");
    });
    assertThat(stored.inspect(receipt.spoolId())).map(SpoolEntry::state).hasValue(SpoolState.DELIVERED);
    assertThat(events.searches()).singleElement().satisfies(search ->
        assertThat(search).extracting(lookup -> lookup.idempotencyKey().value()).containsExactly("k1"));
    assertThat(rest.deliveries()).hasSize(1);
    assertThat(spool.calls()).doesNotContain("reschedule");
  }
}
