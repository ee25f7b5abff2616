package io.steadfast.spring.autoconfigure;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A user DeliveryListener bean whose futures complete when a key is delivered or dead-lettered, so a
 * test waits for the event itself, not for time. A key's future completes on its next such event
 * after {@link #forget(String)}.
 */
final class AwaitingListener extends DeliveryListener {

  private final Map<String, CompletableFuture<DeliveryResult.Delivered>> delivered = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<DeliveryResult.DeadLettered>> dead = new ConcurrentHashMap<>();

  CompletableFuture<DeliveryResult.Delivered> delivered(String key) {
    return delivered.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  CompletableFuture<DeliveryResult.DeadLettered> deadLettered(String key) {
    return dead.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  /** Forgets what {@code key} did, so its futures wait for its next outcome. */
  void forget(String key) {
    delivered.remove(key);
    dead.remove(key);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    delivered(result.idempotencyKey().value()).complete(result);
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    deadLettered(result.idempotencyKey().value()).complete(result);
  }
}
