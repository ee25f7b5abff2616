package io.steadfast.examples.springboot;

import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
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
    Message message = Message.builder()
        .from("orders@shop.example.com", "Example Shop")
        .to(customerEmail)
        .subject("Your order " + orderId + " is confirmed")
        .text("Thank you! We received order " + orderId + " and will email you when it ships.")
        .transactional(true)
        .build();
    return emailClient.send(message);
  }
}
