package io.steadfast;

import io.steadfast.internal.TimeOrderedIds;
import java.util.Objects;

/**
 * The identity of one message from the moment Steadfast accepts it: the same on every attempt, every
 * route and every restart, so a retry is recognisable as the same email.
 *
 * <p>SparkPost itself does not deduplicate requests. Steadfast therefore carries the key where it
 * stays visible: in the transmission's {@code metadata} (field {@value #METADATA_FIELD}, which appears
 * in SparkPost's message events and webhooks) and in an {@code Idempotency-Key} request header.
 *
 * @param value 1 to 64 printable ASCII characters
 */
public record IdempotencyKey(String value) {

  /** The transmission metadata field that carries the key to SparkPost. */
  public static final String METADATA_FIELD = "steadfast_idempotency_key";

  /** The longest key accepted, in characters. */
  public static final int MAX_LENGTH = 64;

  /**
   * Checks the key is 1 to {@value #MAX_LENGTH} printable ASCII characters without spaces.
   *
   * @throws IllegalArgumentException if it is not
   */
  public IdempotencyKey {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "idempotency key must be 1 to " + MAX_LENGTH + " characters but was " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException(
            "idempotency key must be printable ASCII without spaces (bad character at index " + i + ")");
      }
    }
  }

  /**
   * Returns the key {@code value}, for a caller that has its own stable identity for the message
   * (an order number, say).
   *
   * @throws IllegalArgumentException if {@code value} is not 1 to 64 printable ASCII characters
   */
  public static IdempotencyKey of(String value) {
    return new IdempotencyKey(value);
  }

  /** Returns a new, time-ordered, random key (a UUID version 7 string). */
  public static IdempotencyKey generate() {
    return new IdempotencyKey(TimeOrderedIds.next());
  }

  /**
   * Equal when the values are equal. Written out rather than left to the record because every send
   * looks keys up in the ledger and in the sends in flight, and the record's generated method goes
   * through a method-handle chain on each call.
   */
  @Override
  public boolean equals(Object other) {
    return other instanceof IdempotencyKey key && value.equals(key.value);
  }

  /** The value's hash code; see {@link #equals}. */
  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}
