package io.steadfast;

import io.steadfast.spi.Failure;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The request reached SparkPost but no answer came back (a read timeout, or the connection dropped
 * after the body was written): SparkPost may have accepted the message.
 *
 * <p>SparkPost does not deduplicate requests, so a blind retry may send a second email. Steadfast never
 * retries this outcome within the call. Check first: pass {@link #reconcileRequest()} to
 * {@link EmailClient#reconcile} a minute or two later (SparkPost's events lag), or run
 * {@code steadfast reconcile --idempotency-key KEY ...}; re-send with the same key only if SparkPost's
 * events show nothing. {@link SendOptions#withReconcile(boolean)} makes {@code send} do this itself.
 */
public final class DeliveryUnknownException extends RetryableException {
  private static final long serialVersionUID = 1L;

  /** Not serialised with the exception: the check is for this process. */
  private final transient @Nullable ReconcileRequest reconcileRequest;

  /**
   * Creates the exception from the facts of the last attempt.
   *
   * @param failure what the transport observed
   * @param route the route whose answer was lost
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   */
  public DeliveryUnknownException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    this(failure, route, attempts, idempotencyKey, null);
  }

  /**
   * Creates the exception from the facts of the last attempt and what a later check needs.
   *
   * @param failure what the transport observed
   * @param route the route whose answer was lost
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   * @param reconcileRequest what {@link EmailClient#reconcile} needs, or {@code null} if not known
   */
  public DeliveryUnknownException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey, @Nullable ReconcileRequest reconcileRequest) {
    super("No answer from SparkPost after the message was sent" + where(route, attempts) + ": "
        + failure.summary() + requestIdSuffix(failure)
        + ". SparkPost may have accepted it: do not re-send blindly. Look the key up in SparkPost's message"
        + " events first (EmailClient.reconcile, or steadfast reconcile), and re-send with the same key only"
        + " if they show nothing.",
        failure, route, attempts, idempotencyKey, null);
    this.reconcileRequest = reconcileRequest;
  }

  /**
   * Returns what a later check needs (key, recipients, time window, route), for
   * {@link EmailClient#reconcile}; empty if the exception was made without it.
   */
  public Optional<ReconcileRequest> reconcileRequest() {
    return Optional.ofNullable(reconcileRequest);
  }

  /** Returns {@code true}: SparkPost may have accepted the message. */
  @Override
  public boolean mayHaveBeenSent() {
    return true;
  }
}
