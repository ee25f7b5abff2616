package io.steadfast.examples;

import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;

/**
 * The README's quick start: send one message through SparkPost's REST API.
 *
 * <p>Run with the API key in {@code SPARKPOST_API_KEY}, or pass the key and a base URL as arguments
 * (the build does this against a local FakeSparkPost).
 */
public final class QuickStart {
  private QuickStart() {}

  /**
   * Sends the example message and prints SparkPost's transmission id.
   *
   * @param args optionally the API key, then a custom endpoint base URL
   */
  public static void main(String[] args) {
    String apiKey = args.length > 0 ? args[0] : System.getenv("SPARKPOST_API_KEY");
    if (apiKey == null) {
      System.err.println("Set SPARKPOST_API_KEY (or pass the key as the first argument).");
      System.exit(2);
      return;
    }
    Endpoint endpoint = args.length > 1 ? Endpoint.custom(args[1]) : Endpoint.US;
    SendReceipt receipt = send(apiKey, endpoint);
    System.out.println("SparkPost accepted transmission " + receipt.transmissionId()
        + " (idempotency key " + receipt.idempotencyKey() + ")");
  }

  // quick-start:begin
  static SendReceipt send(String apiKey, Endpoint endpoint) {
    SteadfastConfig config = SteadfastConfig.builder().apiKey(apiKey).endpoint(endpoint).build();
    try (EmailClient client = EmailClient.create(config)) {
      Message message = Message.builder()
          .from("orders@shop.example", "Shop")
          .to("alice@example.com", "Alice")
          .subject("Your order has shipped")
          .text("It is on its way.")
          .build();
      return client.send(message); // retries 5xx, 429 and timeouts with one idempotency key
    }
  }
  // quick-start:end
}
