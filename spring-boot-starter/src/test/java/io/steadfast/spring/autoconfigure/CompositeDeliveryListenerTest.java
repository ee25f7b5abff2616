package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryListener;
import io.steadfast.IdempotencyKey;
import io.steadfast.SendReceipt;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompositeDeliveryListenerTest {

  @Test
  void keepsNotifyingAfterListenerThrows() {
    DeliveryListener throwing = new DeliveryListener() {
      @Override
      public void sendSucceeded(SendReceipt receipt) {
        throw new IllegalStateException("listener bug");
      }
    };
    RecordingListener recording = new RecordingListener();
    SendReceipt receipt = new SendReceipt("1", 1, 0, IdempotencyKey.generate(), "rest-us", 1, null);

    new CompositeDeliveryListener(List.of(throwing, recording)).sendSucceeded(receipt);

    assertThat(recording.succeeded).containsExactly(receipt);
  }
}
