package io.steadfast.spring.autoconfigure;

import io.steadfast.DeliveryListener;
import io.steadfast.SendReceipt;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A user DeliveryListener bean that records the receipts it is told about. */
final class RecordingListener extends DeliveryListener {

  final List<SendReceipt> succeeded = new CopyOnWriteArrayList<>();

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    succeeded.add(receipt);
  }
}
