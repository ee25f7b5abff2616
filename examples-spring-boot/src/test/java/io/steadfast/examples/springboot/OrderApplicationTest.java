package io.steadfast.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.SendReceipt;
import io.steadfast.SubmitReceipt;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedTransmission;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

// DirtiesContext: the context (and with it the spool) closes before JUnit deletes the temp directory.
@SpringBootTest
@DirtiesContext
class OrderApplicationTest {

  private static final String API_KEY = "sk-example-test-key";

  private static final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @TempDir
  static Path spoolDirectory;

  @DynamicPropertySource
  static void steadfastProperties(DynamicPropertyRegistry registry) {
    registry.add("steadfast.api-key", () -> API_KEY);
    registry.add("steadfast.base-url", () -> sparkPost.baseUrl().toString());
    registry.add("steadfast.routes.smtp.enabled", () -> "false");
    registry.add("steadfast.spool.directory", () -> spoolDirectory.toString());
  }

  @AfterAll
  static void stopFake() {
    sparkPost.close();
  }

  @Autowired
  private OrderConfirmationService service;

  @Autowired
  private EmailClient emailClient;

  @Test
  void sendsOrderConfirmationThroughSparkPost() {
    SendReceipt receipt = service.confirm("A-1001", "buyer@example.com");

    RecordedTransmission transmission = sparkPost.transmissions().stream()
        .filter(t -> t.id().equals(receipt.transmissionId())).findFirst().orElseThrow();
    assertThat(transmission.authorizedWith(API_KEY)).isTrue();
    assertThat(transmission.at("/content/subject")).isEqualTo("Your order A-1001 is confirmed");
    assertThat(transmission.at("/recipients/0/address/email")).isEqualTo("buyer@example.com");
    assertThat(transmission.at("/options/transactional")).isEqualTo(true);
  }

  @Test
  void deliversSpooledConfirmationOnceFromTheSpool() {
    SubmitReceipt receipt = service.confirmLater("A-2002", "buyer@example.com");
    SubmitReceipt again = service.confirmLater("A-2002", "buyer@example.com");

    DeliveryResult result = emailClient.result(receipt).orTimeout(2, java.util.concurrent.TimeUnit.MINUTES).join();

    assertThat(again).isEqualTo(receipt);
    assertThat(result).isInstanceOfSatisfying(DeliveryResult.Delivered.class,
        delivered -> assertThat(delivered.receipt().idempotencyKey().value()).isEqualTo("order-confirmation-A-2002"));
    assertThat(sparkPost.transmissionCountFor("order-confirmation-A-2002")).isEqualTo(1);
    assertThat(Files.exists(spoolDirectory.resolve("spool.db"))).isTrue();
  }
}
