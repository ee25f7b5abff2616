package io.steadfast.internal;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.IdempotencyKey;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.RejectedByProviderException;
import io.steadfast.SendReceipt;
import io.steadfast.spi.Failure;
import io.steadfast.spi.MessageEvents;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads what SparkPost's message events say about a key, the same way for {@code send}, for
 * {@link io.steadfast.EmailClient#reconcile} and for the dispatcher (sparkpost.md, "Events API": every
 * message SparkPost accepted has an {@code injection} event or one of the three rejections).
 */
public final class Reconciliation {
  /** The route named in exceptions about the events search itself. */
  public static final String EVENTS_ROUTE = "events";
  /** Why lost answers cannot be settled when no module provides an events search and none is given. */
  public static final String NO_EVENTS_CLIENT =
      "no SparkPost Events API client (add io.steadfast:steadfast-http and an API key)";

  private Reconciliation() {}

  /** Returns what the event that carried {@code key} says, or {@link ReconcileResult.NotFound} if none did. */
  public static ReconcileResult resultFor(MessageEvents.Found found, IdempotencyKey key) {
    MessageEvents.Event event = found.events().get(key);
    if (event == null) {
      return new ReconcileResult.NotFound();
    }
    if (event.type() == MessageEvents.EventType.INJECTION) {
      return new ReconcileResult.Accepted(event.transmissionId(), event.timestamp(), event.recvMethod());
    }
    String reason = event.reason() != null && !event.reason().isBlank() ? event.reason()
        : switch (event.type()) {
          case POLICY_REJECTION -> "refused by SparkPost's policy (e.g. a suppressed recipient)";
          case GENERATION_FAILURE -> "SparkPost could not generate the message";
          default -> "SparkPost refused to generate the message";
        };
    return new ReconcileResult.Rejected(event.type().wireName(), reason, event.transmissionId());
  }

  /**
   * Searches for one request and returns what the events say, or empty if they cannot tell (the Events
   * API was unavailable or refused the key).
   */
  public static Optional<ReconcileResult> tryReconcile(MessageEvents events, ReconcileRequest request, Instant now) {
    MessageEvents.Result result = search(events, request, now);
    return result instanceof MessageEvents.Found found
        ? Optional.of(resultFor(found, request.idempotencyKey())) : Optional.empty();
  }

  /**
   * Searches for one request and returns what the events say.
   *
   * @throws ProviderUnavailableException if the Events API could not answer
   * @throws AuthenticationFailedException if the key may not search events
   */
  public static ReconcileResult reconcile(MessageEvents events, ReconcileRequest request, Instant now) {
    IdempotencyKey key = request.idempotencyKey();
    MessageEvents.Result result = search(events, request, now);
    if (result instanceof MessageEvents.Found found) {
      return resultFor(found, key);
    }
    if (result instanceof MessageEvents.Unavailable unavailable) {
      throw new ProviderUnavailableException(unavailable.failure(), EVENTS_ROUTE, 0, key, unavailable.retryAfter());
    }
    throw new AuthenticationFailedException(((MessageEvents.Forbidden) result).failure(), EVENTS_ROUTE, 0, key);
  }

  private static MessageEvents.Result search(MessageEvents events, ReconcileRequest request, Instant now) {
    return events.search(List.of(request.lookup()), now);
  }

  /**
   * Returns the receipt for a message the events showed accepted; its route is how the message reached
   * SparkPost ({@code rest} or {@code smtp}), as the event says, and its recipient counts are unknown (0).
   */
  public static SendReceipt receipt(ReconcileResult.Accepted accepted, IdempotencyKey key, int attempts) {
    return new SendReceipt(accepted.transmissionId() == null ? "unknown" : accepted.transmissionId(), 0, 0, key,
        routeOf(accepted.recvMethod()), Math.max(1, attempts), null, true);
  }

  /** Returns the exception for a message the events showed SparkPost received and will not send. */
  public static RejectedByProviderException rejection(ReconcileResult.Rejected rejected, IdempotencyKey key,
      String route, int attempts) {
    return new RejectedByProviderException(new Failure("SparkPost's events show " + rejected.eventType(), null,
        null, rejected.reason(), null, null), route, Math.max(1, attempts), key);
  }

  /** Returns the dead-letter text for a rejection event. */
  public static String rejectionText(ReconcileResult.Rejected rejected) {
    return "SparkPost received the message and will not send it: its events show " + rejected.eventType() + " ("
        + rejected.reason() + ")" + (rejected.transmissionId() == null ? "" : ", transmission " + rejected.transmissionId());
  }

  private static String routeOf(@Nullable String recvMethod) {
    if ("esmtp".equals(recvMethod) || "smtp".equals(recvMethod)) {
      return "smtp";
    }
    return "rest";
  }
}
