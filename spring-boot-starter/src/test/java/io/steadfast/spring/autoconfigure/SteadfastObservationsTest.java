package io.steadfast.spring.autoconfigure;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SubmitReceipt;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Observations around submit, each delivery attempt and reconciliation, in a real context and spool. */
class SteadfastObservationsTest {

  private static final String KEY = "sk-canary-observations-0123456789";

  @TempDir
  Path temp;

  private FakeSparkPost sparkPost;
  private final TestObservationRegistry registry = TestObservationRegistry.create();

  @BeforeEach
  void start() {
    sparkPost = FakeSparkPost.start(KEY);
  }

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class,
            SteadfastOperationsAutoConfiguration.class))
        .withBean(ObservationRegistry.class, () -> registry)
        .withBean(AwaitingListener.class, AwaitingListener::new)
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "steadfast.retry.max-attempts=2", "steadfast.retry.min-backoff=10ms", "steadfast.retry.initial-backoff=20ms",
            "steadfast.routes.smtp.enabled=false",
            "steadfast.spool.enabled=true", "steadfast.spool.directory=" + temp.resolve("spool"),
            "steadfast.spool.poll-interval=50ms");
  }

  private static Message order(String id) {
    return Message.builder().from("shop@example.com").to("buyer@example.com").subject("Order " + id)
        .text("Thanks for order " + id).idempotencyKey(IdempotencyKey.of("order-" + id)).build();
  }

  @Test
  void observesEachAttemptWithRouteOutcomeAttemptAndKey() {
    sparkPost.enqueue(FakeResponse.serverError(503));
    runner().run(context -> {
      context.getBean(EmailClient.class).send(order("1"));

      assertThat(registry).hasNumberOfObservationsWithNameEqualTo("steadfast.delivery.attempt", 2)
          .hasAnObservation(o -> o.hasNameEqualTo("steadfast.delivery.attempt").hasContextualNameEqualTo("send rest-custom")
              .hasLowCardinalityKeyValue("steadfast.route", "rest-custom")
              .hasLowCardinalityKeyValue("steadfast.attempt", "1")
              .hasLowCardinalityKeyValue("steadfast.outcome", "not_sent")
              .hasLowCardinalityKeyValue("error.type", "not_sent")
              .hasLowCardinalityKeyValue("messaging.system", "sparkpost")
              .hasHighCardinalityKeyValue("messaging.message.id", "order-1"))
          .hasAnObservation(o -> o.hasNameEqualTo("steadfast.delivery.attempt")
              .hasLowCardinalityKeyValue("steadfast.attempt", "2")
              .hasLowCardinalityKeyValue("steadfast.outcome", "accepted")
              .hasLowCardinalityKeyValue("error.type", "none"));
      assertThat(context.getBean(SteadfastObservations.class).open()).isZero();
    });
  }

  @Test
  void observesSubmitAndTheSpooledDelivery() {
    runner().run(context -> {
      SubmitReceipt receipt = context.getBean(EmailClient.class).submit(order("2"));
      assertThat(context.getBean(AwaitingListener.class).delivered("order-2")).succeedsWithin(30, TimeUnit.SECONDS);

      assertThat(registry)
          .hasAnObservation(o -> o.hasNameEqualTo("steadfast.submit").hasContextualNameEqualTo("steadfast submit")
              .hasLowCardinalityKeyValue("steadfast.outcome", "spooled")
              .hasHighCardinalityKeyValue("messaging.message.id", receipt.idempotencyKey().value()))
          .hasAnObservation(o -> o.hasNameEqualTo("steadfast.delivery.attempt")
              .hasLowCardinalityKeyValue("steadfast.outcome", "accepted")
              .hasHighCardinalityKeyValue("messaging.message.id", "order-2"));
    });
  }

  @Test
  void observesReconciliationFromLostAnswerToSettlement() {
    SteadfastObservations observations = new SteadfastObservations(registry);
    IdempotencyKey settled = IdempotencyKey.of("order-3");
    IdempotencyKey abandoned = IdempotencyKey.of("order-4");

    observations.reconciling(settled, "rest-us");
    observations.reconciling(abandoned, null);
    observations.reconciled(settled, new ReconcileResult.Accepted("t-1", Instant.EPOCH, "rest"));
    observations.reconcileGaveUp(abandoned, ReconcilePolicy.Mode.DEAD_LETTER, "reconcile timeout passed");

    assertThat(registry).hasNumberOfObservationsWithNameEqualTo("steadfast.reconcile", 2)
        .hasAnObservation(o -> o.hasNameEqualTo("steadfast.reconcile").hasLowCardinalityKeyValue("steadfast.route", "rest-us")
            .hasLowCardinalityKeyValue("steadfast.outcome", "accepted").hasLowCardinalityKeyValue("error.type", "none")
            .hasHighCardinalityKeyValue("messaging.message.id", "order-3"))
        .hasAnObservation(o -> o.hasNameEqualTo("steadfast.reconcile").hasLowCardinalityKeyValue("steadfast.route", "none")
            .hasLowCardinalityKeyValue("steadfast.outcome", "gave_up")
            .hasLowCardinalityKeyValue("error.type", "gave_up"));
    assertThat(observations.open()).isZero();
  }
}
