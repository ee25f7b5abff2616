package io.steadfast.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Starts the order application. Set {@code STEADFAST_API_KEY} (or {@code steadfast.api-key}) and the
 * starter creates the {@code EmailClient} that {@link OrderConfirmationService} uses.
 */
@SpringBootApplication
public class OrderApplication {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(OrderApplication.class, args);
  }
}
