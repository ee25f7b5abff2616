package io.steadfast;

import io.steadfast.internal.DefaultEmailClient;
import java.util.concurrent.CompletableFuture;

/**
 * Sends email through SparkPost. Create one per application and share it: it is thread-safe and holds
 * connection pools.
 *
 * <pre>{@code
 * try (EmailClient client = EmailClient.create(config)) {
 *   SendReceipt receipt = client.send(message);
 * }
 * }</pre>
 */
public interface EmailClient extends AutoCloseable {

  /**
   * Returns a client for {@code config}. Transports come from {@link SteadfastConfig#transports()},
   * or, if none are given, from the Steadfast transport modules on the class path.
   *
   * @throws IllegalStateException if no transport is configured or found on the class path
   */
  static EmailClient create(SteadfastConfig config) {
    return new DefaultEmailClient(config);
  }

  /**
   * Sends {@code message} and blocks until SparkPost accepts it or the attempt fails.
   *
   * <p>The message's idempotency key is used if it has one; otherwise a key is generated and returned
   * in the receipt. If the call fails with {@link DeliveryUnknownException}, SparkPost may have
   * accepted the message before the failure.
   *
   * @return SparkPost's receipt
   * @throws InvalidMessageException if the message is larger than the configured limit
   * @throws RetryableException if SparkPost did not accept the message but may later
   * @throws PermanentException if SparkPost refused the key or the message
   * @throws IllegalStateException if the client is closed
   */
  SendReceipt send(Message message);

  /**
   * Sends {@code message} without blocking the caller; the same as {@link #send(Message)} otherwise.
   *
   * <p>The future completes with the receipt, or exceptionally with the same
   * {@link SteadfastException} that {@code send} would throw (not wrapped), or with an
   * {@link IllegalStateException} if the client is closed. Cancelling the future cancels the
   * in-flight request; SparkPost may still have accepted it.
   */
  CompletableFuture<SendReceipt> sendAsync(Message message);

  /** Stops accepting messages and releases connections; in-flight sends may fail. */
  @Override
  void close();
}
