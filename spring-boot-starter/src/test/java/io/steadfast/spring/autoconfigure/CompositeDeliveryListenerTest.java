package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SendReceipt;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompositeDeliveryListenerTest {

  private static final DeliveryListener THROWING = new DeliveryListener() {
    @Override
    public void sendSucceeded(SendReceipt receipt) {
      throw new IllegalStateException("listener bug");
    }

    @Override
    public void delivered(DeliveryResult.Delivered result) {
      throw new IllegalStateException("listener bug");
    }

    @Override
    public void deadLettered(DeliveryResult.DeadLettered result) {
      throw new IllegalStateException("listener bug");
    }
  };

  private final RecordingListener first = new RecordingListener();
  private final RecordingListener last = new RecordingListener();
  private final CompositeDeliveryListener composite = new CompositeDeliveryListener(List.of(first, THROWING, last));

  @Test
  void keepsNotifyingAfterListenerThrows() {
    SendReceipt receipt = new SendReceipt("1", 1, 0, IdempotencyKey.generate(), "rest-us", 1, null);

    composite.sendSucceeded(receipt);

    assertThat(first.succeeded).containsExactly(receipt);
    assertThat(last.succeeded).containsExactly(receipt);
  }

  @Test
  void forwardsDeliveredToEveryListener() {
    SendReceipt receipt = new SendReceipt("7", 1, 0, IdempotencyKey.generate(), "rest-us", 2, "req-1");
    DeliveryResult.Delivered delivered = new DeliveryResult.Delivered(42, receipt, java.time.Instant.EPOCH);

    composite.delivered(delivered);

    assertThat(first.delivered).containsExactly(delivered);
    assertThat(last.delivered).containsExactly(delivered);
  }

  @Test
  void forwardsDeadLetteredToEveryListener() {
    DeliveryResult.DeadLettered dead = new DeliveryResult.DeadLettered(43, IdempotencyKey.generate(),
        DeliveryResult.Reason.REJECTED, "SparkPost rejected the recipient list", java.time.Instant.EPOCH);

    composite.deadLettered(dead);

    assertThat(first.deadLettered).containsExactly(dead);
    assertThat(last.deadLettered).containsExactly(dead);
  }

  @Test
  void forwardsReconcileCallbacksToEveryListener() {
    List<String> heard = new ArrayList<>();
    DeliveryListener recording = new DeliveryListener() {
      @Override
      public void reconciling(IdempotencyKey key, String route) {
        heard.add("reconciling " + key.value() + " " + route);
      }

      @Override
      public void reconciled(IdempotencyKey key, ReconcileResult result) {
        heard.add("reconciled " + key.value() + " " + result);
      }

      @Override
      public void reconcileGaveUp(IdempotencyKey key, ReconcilePolicy.Mode policy, String reason) {
        heard.add("gaveUp " + key.value() + " " + policy + " " + reason);
      }

      @Override
      public void eventsSearched(int lookups, int requests, EventsSearchOutcome outcome) {
        heard.add("searched " + lookups + " " + requests + " " + outcome);
      }
    };
    DeliveryListener throwing = new DeliveryListener() {
      @Override
      public void reconciled(IdempotencyKey key, ReconcileResult result) {
        throw new IllegalStateException("listener bug");
      }
    };
    CompositeDeliveryListener both = new CompositeDeliveryListener(List.of(throwing, recording));
    IdempotencyKey key = IdempotencyKey.of("order-5");

    both.reconciling(key, "rest-us");
    both.reconciled(key, new ReconcileResult.NotFound());
    both.reconcileGaveUp(key, ReconcilePolicy.Mode.RESEND, "reconcile timeout passed");
    both.eventsSearched(2, 1, DeliveryListener.EventsSearchOutcome.ANSWERED);

    assertThat(heard).containsExactly("reconciling order-5 rest-us", "reconciled order-5 NotFound[]",
        "gaveUp order-5 RESEND reconcile timeout passed", "searched 2 1 ANSWERED");
  }
}
