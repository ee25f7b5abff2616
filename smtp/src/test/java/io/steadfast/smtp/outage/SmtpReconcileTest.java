package io.steadfast.smtp.outage;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.smtp.SmtpTransport;
import io.steadfast.spi.Spool;
import io.steadfast.spi.Transport;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import io.steadfast.testing.smtp.TestCertificates;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A message injected over SMTP whose 250 after DATA never arrives: its key travels in the X-MSYS-API
 * metadata, which SparkPost reports in the injection event's {@code rcpt_meta} ({@code recv_method}
 * {@code esmtp}), so the spooled message is confirmed from SparkPost's events and not injected again.
 */
class SmtpReconcileTest {
  private static final String API_KEY = "sk-canary-smtp-reconcile";

  @Test
  void anSmtpInjectionWhoseReplyWasLostIsConfirmedFromEventsAndNotInjectedAgain() throws Exception {
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
        ScriptedSmtpServer smtp = ScriptedSmtpServer.start().reportInjectionsTo(sparkPost)) {
      smtp.enqueue(SmtpPhase.END_OF_DATA, SmtpAction.acceptThenDrop());
      Transport route = SmtpTransport.builder().host(smtp.host()).port(smtp.port()).apiKey(ApiKey.of(API_KEY))
          .trustStore(TestCertificates.trustStore()).connectTimeout(Duration.ofSeconds(2))
          .readTimeout(Duration.ofSeconds(5)).writeTimeout(Duration.ofSeconds(5)).build();
      SteadfastConfig config = SteadfastConfig.builder()
          .apiKey(API_KEY)
          .endpoint(Endpoint.custom(sparkPost.baseUrl().toString())) // the Events API
          .transports(List.of(route))
          .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
          .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(Duration.ofMillis(100))
              .withRecheckDelay(Duration.ofMillis(100)))
          .spool(SpoolConfig.builder(Spool.inMemory()).pollInterval(Duration.ofMillis(20)).build())
          .build();

      DeliveryResult result;
      try (EmailClient client = EmailClient.create(config)) {
        result = client.result(client.submit(Message.builder().from("orders@shop.example").to("alice@example.com")
            .subject("Order 1").text("Thanks.").idempotencyKey(IdempotencyKey.of("smtp-lost-1")).build()))
            .get(2, TimeUnit.MINUTES);
      } finally {
        route.close();
      }

      assertThat(result).isInstanceOfSatisfying(DeliveryResult.Delivered.class, delivered -> {
        assertThat(delivered.receipt().confirmedFromEvents()).isTrue();
        assertThat(delivered.receipt().route()).isEqualTo("smtp");
      });
      assertThat(smtp.messages()).as("injected once; the lost 250 was not followed by a second injection")
          .hasSize(1);
      assertThat(sparkPost.eventsFor("smtp-lost-1")).singleElement()
          .satisfies(event -> assertThat(event.recvMethod()).isEqualTo("esmtp"));
      assertThat(sparkPost.eventsRequests()).isNotEmpty();
    }
  }
}
