package io.steadfast.examples;

import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.PermanentException;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.RetryPolicy;
import io.steadfast.RetryableException;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import java.time.Duration;

/**
 * Shows how to branch on Steadfast's exceptions: retryable failures keep the idempotency key and try
 * again later; a lost answer is looked up in SparkPost's events before any re-send; permanent ones need
 * a fix; invalid messages never leave the process.
 */
public final class HandlingFailures {
  private HandlingFailures() {}

  /** What happened to one send, for the caller (and the build's test) to check. */
  enum Result { SENT, RETRY_LATER, CHECK_LATER, NEEDS_FIX, INVALID }

  /**
   * Sends an order confirmation keyed by the order number and prints what to do next.
   *
   * @param args the API key, then optionally a custom endpoint base URL
   */
  public static void main(String[] args) {
    Endpoint endpoint = args.length > 1 ? Endpoint.custom(args[1]) : Endpoint.US;
    System.out.println(sendOrderConfirmation(args.length > 0 ? args[0] : System.getenv("SPARKPOST_API_KEY"),
        endpoint, "order-1001"));
  }

  static Result sendOrderConfirmation(String apiKey, Endpoint endpoint, String orderNumber) {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(apiKey)
        .endpoint(endpoint)
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).minBackoff(Duration.ofMillis(50))
            .initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(100)).build())
        .build();
    try (EmailClient client = EmailClient.create(config)) {
      Message message;
      try {
        message = Message.builder()
            .from("orders@shop.example", "Shop")
            .to("bob@example.com")
            .subject("Order " + orderNumber + " confirmed")
            .html("<p>Thanks for your order.</p>")
            // The order number is a stable identity: a retry after a crash reuses it.
            .idempotencyKey(IdempotencyKey.of(orderNumber))
            .transactional(true)
            .build();
      } catch (InvalidMessageException e) {
        e.violations().forEach(v -> System.err.println("Fix " + v.field() + ": " + v.problem()));
        return Result.INVALID;
      }
      try {
        SendReceipt receipt = client.send(message);
        System.out.println("Sent as transmission " + receipt.transmissionId() + " after " + receipt.attempts() + " attempt(s)");
        return Result.SENT;
      } catch (DeliveryUnknownException e) {
        // The answer was lost: SparkPost may have the message, and it does not deduplicate. Ask its
        // events before sending again.
        return checkLostAnswer(client, e.reconcileRequest().orElseThrow());
      } catch (RetryableException e) {
        // Same key later: SparkPost does not deduplicate, but the key makes any copy recognisable.
        System.err.println("Try again later" + e.retryAfter().map(d -> " (in " + d.toSeconds() + "s)").orElse("")
            + (e.mayHaveBeenSent() ? "; it may already have been sent" : "") + ": " + e.getMessage());
        return Result.RETRY_LATER;
      } catch (PermanentException e) {
        System.err.println("Needs a fix: " + e.getMessage());
        return Result.NEEDS_FIX;
      }
    }
  }

  /**
   * Looks a lost answer up in SparkPost's message events. Events lag about a minute, so a real
   * application runs this from a job a minute or two after the failure; this example checks at once.
   */
  static Result checkLostAnswer(EmailClient client, ReconcileRequest lost) {
    try {
      ReconcileResult found = client.reconcile(lost);
      if (found instanceof ReconcileResult.Accepted accepted) {
        System.out.println("The answer was lost, but SparkPost accepted it as transmission " + accepted.transmissionId()
            + "; not sending it again");
        return Result.SENT;
      }
      if (found instanceof ReconcileResult.Rejected rejected) {
        System.err.println("SparkPost received it and will not send it: " + rejected.reason());
        return Result.NEEDS_FIX;
      }
      System.err.println("No event carries key " + lost.idempotencyKey() + " yet; check again later, and send it "
          + "again with the same key only after a second miss");
      return Result.CHECK_LATER;
    } catch (RetryableException | PermanentException e) {
      System.err.println("Could not check SparkPost's events (" + e.getMessage() + "); check again later");
      return Result.CHECK_LATER;
    }
  }
}
