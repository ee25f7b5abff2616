package io.steadfast.examples.springboot;

import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SubmitReceipt;
import java.util.Objects;
import org.springframework.stereotype.Service;

/** Emails a customer that their order was received. */
@Service
public class OrderConfirmationService {

  private final EmailClient emailClient;

  /** Creates the service around the auto-configured client. */
  public OrderConfirmationService(EmailClient emailClient) {
    this.emailClient = Objects.requireNonNull(emailClient, "emailClient");
  }

  /**
   * Sends the confirmation for {@code orderId} to {@code customerEmail} and blocks until SparkPost
   * accepts it or the retry policy gives up.
   *
   * @throws io.steadfast.SteadfastException if SparkPost did not accept the message
   */
  public SendReceipt confirm(String orderId, String customerEmail) {
    return emailClient.send(confirmation(orderId, customerEmail));
  }

  /**
   * Stores the confirmation for {@code orderId} in the spool and returns as soon as it is on disk;
   * the starter's dispatcher delivers it in the background, through SparkPost outages and restarts.
   *
   * <p>The idempotency key is derived from the order, so confirming the same order twice (a retried
   * request, say) spools and sends it once: the second call returns the first receipt.
   *
   * @throws io.steadfast.SpoolFullException if the spool stayed full for the submit timeout
   */
  public SubmitReceipt confirmLater(String orderId, String customerEmail) {
    return emailClient.submit(confirmation(orderId, customerEmail)
        .withIdempotencyKey(IdempotencyKey.of("order-confirmation-" + orderId)));
  }

  private static Message confirmation(String orderId, String customerEmail) {
    return Message.builder()
        .from("orders@shop.example.com", "Example Shop")
        .to(customerEmail)
        .subject("Your order " + orderId + " is confirmed")
        .text("Thank you! We received order " + orderId + " and will email you when it ships.")
        .transactional(true)
        .build();
  }
}
