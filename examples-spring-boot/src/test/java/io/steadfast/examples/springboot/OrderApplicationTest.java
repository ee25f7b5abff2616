package io.steadfast.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.SendReceipt;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedTransmission;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest
class OrderApplicationTest {

  private static final String API_KEY = "sk-example-test-key";

  private static final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);

  @DynamicPropertySource
  static void steadfastProperties(DynamicPropertyRegistry registry) {
    registry.add("steadfast.api-key", () -> API_KEY);
    registry.add("steadfast.base-url", () -> sparkPost.baseUrl().toString());
    registry.add("steadfast.routes.smtp.enabled", () -> "false");
  }

  @AfterAll
  static void stopFake() {
    sparkPost.close();
  }

  @Autowired
  private OrderConfirmationService service;

  @Test
  void sendsOrderConfirmationThroughSparkPost() {
    SendReceipt receipt = service.confirm("A-1001", "buyer@example.com");

    RecordedTransmission transmission = sparkPost.transmissions().get(sparkPost.transmissions().size() - 1);
    assertThat(receipt.transmissionId()).isEqualTo(transmission.id());
    assertThat(transmission.authorizedWith(API_KEY)).isTrue();
    assertThat(transmission.at("/content/subject")).isEqualTo("Your order A-1001 is confirmed");
    assertThat(transmission.at("/recipients/0/address/email")).isEqualTo("buyer@example.com");
    assertThat(transmission.at("/options/transactional")).isEqualTo(true);
  }
}
