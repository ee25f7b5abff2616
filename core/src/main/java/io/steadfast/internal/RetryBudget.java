package io.steadfast.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token bucket that limits retries, not first attempts (the AWS SDKs' retry quota): a retry takes
 * tokens, a success gives some back. During a broad outage the bucket empties and retries stop, so
 * the outage does not become a retry storm; as successes return, so do retries.
 *
 * <p>Thread-safe without a lock: every accepted send of a route calls {@link #release}, so a monitor
 * here was taken by every sending thread, and with more threads than cores a holder that lost its core
 * held up the rest. While the bucket is full, which is the healthy case, a release only reads.
 */
final class RetryBudget {
  private final int capacity;
  private final AtomicInteger tokens;

  RetryBudget(int capacity) {
    this.capacity = capacity;
    this.tokens = new AtomicInteger(capacity);
  }

  /** Takes {@code cost} tokens if the bucket holds that many; returns whether it did. */
  boolean tryAcquire(int cost) {
    while (true) {
      int held = tokens.get();
      if (held < cost) {
        return false;
      }
      if (tokens.compareAndSet(held, held - cost)) {
        return true;
      }
    }
  }

  /** Returns {@code amount} tokens, up to the capacity. */
  void release(int amount) {
    while (true) {
      int held = tokens.get();
      int next = Math.min(capacity, held + amount);
      if (next == held || tokens.compareAndSet(held, next)) {
        return;
      }
    }
  }

  int available() {
    return tokens.get();
  }
}
