package io.steadfast.spring.autoconfigure;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.SendReceipt;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A user DeliveryListener bean that records the receipts and spool results it is told about. */
final class RecordingListener extends DeliveryListener {

  final List<SendReceipt> succeeded = new CopyOnWriteArrayList<>();
  final List<DeliveryResult.Delivered> delivered = new CopyOnWriteArrayList<>();
  final List<DeliveryResult.DeadLettered> deadLettered = new CopyOnWriteArrayList<>();

  @Override
  public void sendSucceeded(SendReceipt receipt) {
    succeeded.add(receipt);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delivered.add(result);
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    deadLettered.add(result);
  }
}
