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
   * Sends {@code message} and blocks until SparkPost accepts it or the retry policy gives up.
   *
   * <p>The message's idempotency key is used if it has one; otherwise a key is generated and returned
   * in the receipt. The key is the same on every attempt and every route. A second send of a key that
   * SparkPost already accepted returns the first receipt without calling SparkPost (SparkPost itself
   * does not deduplicate; the client's idempotency ledger does). If the call fails with
   * {@link DeliveryUnknownException}, SparkPost may have accepted the message before the failure.
   *
   * @return SparkPost's receipt
   * @throws InvalidMessageException if the message is larger than the configured limit, or its
   *     start time lies more than 3 days ahead or in the past ({@link Message#checkStartTime})
   * @throws IdempotencyConflictException if the key was already used for a different message
   * @throws RetryableException if SparkPost did not accept the message but may later
   * @throws PermanentException if SparkPost refused the key or the message
   * @throws IllegalStateException if the client is closed
   */
  SendReceipt send(Message message);

  /**
   * Sends {@code message} with per-send {@code options} and blocks until SparkPost accepts it or the
   * retry policy gives up; otherwise the same as {@link #send(Message)}.
   *
   * @throws InvalidMessageException if the message is larger than the configured limit, or its
   *     start time lies more than 3 days ahead or in the past ({@link Message#checkStartTime})
   * @throws IdempotencyConflictException if the key was already used for a different message
   * @throws RetryableException if SparkPost did not accept the message but may later
   * @throws PermanentException if SparkPost refused the key or the message
   * @throws IllegalStateException if the client is closed
   */
  SendReceipt send(Message message, SendOptions options);

  /**
   * Sends {@code message} without blocking the caller; the same as {@link #send(Message)} otherwise.
   *
   * <p>The future completes with the receipt, or exceptionally with the same
   * {@link SteadfastException} that {@code send} would throw (not wrapped), or with an
   * {@link IllegalStateException} if the client is closed. Cancelling the future cancels the
   * in-flight request; SparkPost may still have accepted it.
   */
  CompletableFuture<SendReceipt> sendAsync(Message message);

  /**
   * Sends {@code message} with per-send {@code options} without blocking the caller; the same as
   * {@link #send(Message, SendOptions)} otherwise, with failures delivered through the future.
   */
  CompletableFuture<SendReceipt> sendAsync(Message message, SendOptions options);

  /**
   * Stores {@code message} durably in the spool and returns once it is on disk (committed); the
   * dispatcher then delivers it in the background, once, or moves it to the dead letters with a reason.
   *
   * <p>The message's idempotency key is used if it has one; otherwise a key is generated. A second
   * submit of a key the spool still holds (pending, delivered within the retention window, or dead)
   * returns the first receipt and stores nothing. Await the outcome with {@link #result} or observe
   * it through {@link DeliveryListener#delivered} and {@link DeliveryListener#deadLettered}.
   *
   * @throws IllegalStateException if no spool is configured ({@link SteadfastConfig.Builder#spool}),
   *     or the client is closed
   * @throws SpoolFullException if the spool stayed full for the submit timeout; nothing was stored
   * @throws SpoolUnavailableException if the spool could not write (disk full, file-size limit, storage
   *     failure); nothing was stored, and submitting again later with the same key is safe
   * @throws IdempotencyConflictException if the key is already spooled for a different message
   * @throws InvalidMessageException if the message is larger than the configured limit, or its
   *     start time lies more than 3 days ahead or in the past ({@link Message#checkStartTime})
   */
  SubmitReceipt submit(Message message);

  /**
   * Writes {@code message} into the spool inside the database transaction open on {@code connection}
   * (the outbox pattern): the message exists if and only if that transaction commits, and the
   * dispatcher delivers it after the commit. Key, fingerprint and deadline are assigned exactly as by
   * {@link #submit(Message)}.
   *
   * <pre>{@code
   * try (Connection c = dataSource.getConnection()) {
   *   c.setAutoCommit(false);
   *   orders.insert(c, order);
   *   client.submit(confirmation(order), c);
   *   c.commit();
   * }
   * }</pre>
   *
   * <p>It never waits for room: a full spool fails at once, leaving the transaction usable. Neither
   * commits nor closes {@code connection}. The returned receipt is only meaningful once the
   * transaction commits.
   *
   * @param connection a connection to the spool's database with a transaction open (auto-commit off)
   * @throws UnsupportedOperationException if the configured spool cannot join a JDBC transaction (the
   *     SQLite and in-memory spools cannot; {@code io.steadfast.spool.PostgresSpool} can), or this
   *     client is a wrapper that does not delegate this method
   * @throws IllegalStateException if no spool is configured, or the client is closed
   * @throws IllegalArgumentException if {@code connection} is in auto-commit mode
   * @throws SpoolFullException if the spool is full; nothing was added to the transaction
   * @throws IdempotencyConflictException if the key is already spooled for a different message
   * @throws InvalidMessageException if the message is larger than the configured limit, or its
   *     start time lies more than 3 days ahead or in the past ({@link Message#checkStartTime})
   * @throws java.io.UncheckedIOException if the database refused the statements
   */
  default SubmitReceipt submit(Message message, java.sql.Connection connection) {
    // A default so that wrappers written before this method compile; they should delegate it.
    throw new UnsupportedOperationException(getClass().getName() + " does not support submit(message, "
        + "connection); call it on the client from EmailClient.create, or delegate it in this wrapper");
  }

  /**
   * Submits {@code message} without blocking the caller; the same as {@link #submit(Message)}
   * otherwise. The future completes once the message is durable, or exceptionally with what
   * {@code submit} would throw (not wrapped). Cancelling the future does not unspool a message.
   */
  CompletableFuture<SubmitReceipt> submitAsync(Message message);

  /**
   * Returns a future that completes when the submitted message of {@code receipt} is delivered or
   * dead-lettered; at once if it already was.
   *
   * <p>The future completes exceptionally with {@link IllegalStateException} if the spool no longer
   * holds the entry (purged after the retention window) or the client is closed first; the message
   * itself stays spooled then.
   *
   * @throws IllegalStateException if no spool is configured
   */
  CompletableFuture<DeliveryResult> result(SubmitReceipt receipt);

  /**
   * Asks SparkPost's message events whether it accepted the message of {@code request}, whose answer
   * was lost ({@link DeliveryUnknownException#reconcileRequest()}), and blocks until the search ends.
   *
   * <p>SparkPost's events are "generally available within 1 minute", with no guarantee: a
   * {@link ReconcileResult.NotFound} right after the send means nothing. Ask again a minute or two later;
   * only after a second miss is a re-send with the same key the safe next step. The API key needs the
   * "Events Search: Read-only" grant.
   *
   * <pre>{@code
   * } catch (DeliveryUnknownException e) {
   *   ReconcileRequest check = e.reconcileRequest().orElseThrow();
   *   // later:
   *   if (client.reconcile(check) instanceof ReconcileResult.Accepted accepted) { ... }
   * }</pre>
   *
   * @return accepted (with the transmission id), rejected (with SparkPost's reason), or not found yet
   * @throws ProviderUnavailableException if the Events API could not answer; ask again later
   * @throws AuthenticationFailedException if the API key may not search events (HTTP 401 or 403)
   * @throws IllegalStateException if no Events API client is available ({@code steadfast-http} is not on
   *     the class path, or no API key is set) or the client is closed
   */
  ReconcileResult reconcile(ReconcileRequest request);

  /**
   * Returns the operations on this client's spool: statistics, entries, dead letters.
   *
   * @throws IllegalStateException if no spool is configured
   */
  SpoolOperations spoolOperations();

  /**
   * Stops accepting messages and releases connections; in-flight sends may fail. With a spool, stops
   * claiming, waits up to {@link SpoolConfig#closeTimeout()} for in-flight deliveries, returns the
   * rest to the queue and closes the spool.
   */
  @Override
  void close();
}
