package io.steadfast;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What SparkPost's message events say about a message whose answer was lost; the answer of
 * {@link EmailClient#reconcile}.
 */
public sealed interface ReconcileResult
    permits ReconcileResult.Accepted, ReconcileResult.Rejected, ReconcileResult.NotFound {

  /**
   * SparkPost accepted the message: an {@code injection} event carries the key. Do not send it again.
   *
   * @param transmissionId SparkPost's transmission id from the event, or {@code null} if it had none
   * @param acceptedAt when SparkPost recorded the injection
   * @param recvMethod how it reached SparkPost ({@code rest} or {@code esmtp}), or {@code null}
   */
  record Accepted(@Nullable String transmissionId, Instant acceptedAt, @Nullable String recvMethod)
      implements ReconcileResult {
    /** Checks the time is present. */
    public Accepted {
      Objects.requireNonNull(acceptedAt, "acceptedAt");
    }
  }

  /**
   * SparkPost received the message and will not send it: a {@code policy_rejection},
   * {@code generation_failure} or {@code generation_rejection} event carries the key. Sending it again
   * unchanged will not help.
   *
   * @param eventType SparkPost's event type, e.g. {@code policy_rejection}
   * @param reason SparkPost's reason, or a description of the event type if it gave none
   * @param transmissionId SparkPost's transmission id from the event, or {@code null}
   */
  record Rejected(String eventType, String reason, @Nullable String transmissionId) implements ReconcileResult {
    /** Checks the parts are present. */
    public Rejected {
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * No event carries the key yet. SparkPost's events are "generally available within 1 minute", with no
   * guarantee: right after the send this means nothing; found nothing twice, minutes apart, it very
   * probably was never accepted, and re-sending with the same key is the safe next step.
   */
  record NotFound() implements ReconcileResult {}
}
