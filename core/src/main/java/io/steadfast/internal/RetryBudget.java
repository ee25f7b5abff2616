package io.steadfast.internal;

/**
 * A token bucket that limits retries, not first attempts (the AWS SDKs' retry quota): a retry takes
 * tokens, a success gives some back. During a broad outage the bucket empties and retries stop, so
 * the outage does not become a retry storm; as successes return, so do retries.
 */
final class RetryBudget {
  private final int capacity;
  /** Guarded by {@code this}. */
  private int tokens;

  RetryBudget(int capacity) {
    this.capacity = capacity;
    this.tokens = capacity;
  }

  /** Takes {@code cost} tokens if the bucket holds that many; returns whether it did. */
  synchronized boolean tryAcquire(int cost) {
    if (tokens < cost) {
      return false;
    }
    tokens -= cost;
    return true;
  }

  /** Returns {@code amount} tokens, up to the capacity. */
  synchronized void release(int amount) {
    tokens = Math.min(capacity, tokens + amount);
  }

  synchronized int available() {
    return tokens;
  }
}
