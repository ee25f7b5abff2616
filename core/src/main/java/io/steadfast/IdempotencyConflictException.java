package io.steadfast;

/**
 * A message was sent with an idempotency key that an earlier, different message already used.
 *
 * <p>Keys identify one email: reusing a key for other content would make the second email look like a
 * retry of the first. Use a new key for a new message.
 */
public final class IdempotencyConflictException extends PermanentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception for {@code idempotencyKey}.
   *
   * @param idempotencyKey the key that was reused
   */
  public IdempotencyConflictException(IdempotencyKey idempotencyKey) {
    super("The idempotency key was already used for a different message. Nothing was sent; give each "
        + "distinct message its own key (keys identify one email, across retries and restarts).",
        null, null, 0, idempotencyKey);
  }
}
