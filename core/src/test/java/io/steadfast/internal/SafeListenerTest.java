package io.steadfast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.IdempotencyKey;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SafeListenerTest {

  @Test
  void forwardsSpoolResultsAndSwallowsWhatTheListenerThrows() {
    AtomicBoolean called = new AtomicBoolean();
    DeliveryListener hostile = new DeliveryListener() {
      @Override
      public void deadLettered(DeliveryResult.DeadLettered result) {
        called.set(true);
        throw new IllegalStateException("listener bug");
      }
    };
    SafeListener safe = new SafeListener(hostile);
    DeliveryResult.DeadLettered result = new DeliveryResult.DeadLettered(1L, IdempotencyKey.of("k"),
        DeliveryResult.DeadLettered.Reason.REJECTED, "refused", java.time.Instant.EPOCH);

    assertThatCode(() -> safe.deadLettered(result)).doesNotThrowAnyException();
    assertThat(called).isTrue();
  }
}
