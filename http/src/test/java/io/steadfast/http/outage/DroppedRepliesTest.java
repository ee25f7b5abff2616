package io.steadfast.http.outage;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileResult;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.spi.Spool;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.FaultPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A quarter of the transmissions SparkPost accepts lose their reply. Through the whole client (spool,
 * dispatcher, REST transport, reconciler and the Events API client) against FakeSparkPost's
 * transmissions and events: every message is accepted exactly once when the events show up within the
 * settle delay, and none is lost when they show up later than both searches.
 */
class DroppedRepliesTest {
  private static final String API_KEY = "sk-canary-dropped-replies";
  private static final int MESSAGES = 120;

  private final FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
  private final AtomicInteger confirmed = new AtomicInteger();
  private final AtomicInteger resent = new AtomicInteger();

  @AfterEach
  void close() {
    sparkPost.close();
  }

  private EmailClient client(Duration settle) {
    return EmailClient.create(SteadfastConfig.builder()
        .apiKey(API_KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
        .readTimeout(Duration.ofSeconds(5))
        .circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .reconcilePolicy(ReconcilePolicy.DEFAULT.withSettleDelay(settle).withRecheckDelay(settle))
        .listener(new DeliveryListener() {
          @Override
          public void reconciled(IdempotencyKey key, ReconcileResult result) {
            (result instanceof ReconcileResult.Accepted ? confirmed : resent).incrementAndGet();
          }
        })
        .spool(SpoolConfig.builder(Spool.inMemory()).pollInterval(Duration.ofMillis(20))
            .minRetryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(50)).build())
        .build());
  }

  /** Submits every message and waits for each to be delivered; returns the results. */
  private List<DeliveryResult> deliverAll(EmailClient client) throws Exception {
    List<SubmitReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      receipts.add(client.submit(Message.builder().from("orders@shop.example").to("customer" + i + "@example.com")
          .subject("Order " + i).text("Thanks.").idempotencyKey(IdempotencyKey.of("dropped-" + i)).build()));
    }
    List<DeliveryResult> results = new ArrayList<>();
    for (SubmitReceipt receipt : receipts) {
      results.add(client.result(receipt).get(120, TimeUnit.SECONDS));
    }
    return results;
  }

  @Test
  void droppedRepliesAreConfirmedFromEventsAndNoMessageIsSentTwice() throws Exception {
    sparkPost.faults(FaultPlan.acceptedThenDropped(7, 25));

    List<DeliveryResult> results;
    try (EmailClient client = client(Duration.ofMillis(200))) {
      results = deliverAll(client);
    }

    assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(DeliveryResult.Delivered.class));
    assertThat(confirmed.get()).as("replies dropped after acceptance, settled from events").isGreaterThan(10);
    assertThat(results).filteredOn(r -> ((DeliveryResult.Delivered) r).receipt().confirmedFromEvents())
        .hasSize(confirmed.get());
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(sparkPost.transmissionCountFor("dropped-" + i)).as("dropped-" + i).isEqualTo(1);
    }
    assertThat(sparkPost.duplicateCount()).isZero();
    System.out.printf("dropped replies, events within the settle delay: %d confirmed from events, %d re-sent, "
        + "%d duplicates, %d events requests%n", confirmed.get(), resent.get(), sparkPost.duplicateCount(),
        sparkPost.eventsRequests().size());
  }

  @Test
  void eventsLaterThanBothSearchesLeadToResendsButNothingIsLost() throws Exception {
    sparkPost.faults(FaultPlan.acceptedThenDropped(7, 25));
    sparkPost.eventLag(Duration.ofMinutes(10)); // far past the settle and recheck delays of 50 ms

    List<DeliveryResult> results;
    try (EmailClient client = client(Duration.ofMillis(50))) {
      results = deliverAll(client);
    }

    assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(DeliveryResult.Delivered.class));
    assertThat(confirmed.get()).as("no event is visible yet, so none is confirmed").isZero();
    assertThat(resent.get()).as("each lost reply was re-sent after two empty searches").isGreaterThan(10);
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(sparkPost.transmissionCountFor("dropped-" + i)).as("dropped-" + i).isPositive();
    }
    // Every re-send of a reply that was dropped after acceptance is a second email (and a re-send can
    // lose its reply too, so a key can go out several times): the cost of events
    // that lag past both searches. Reported, not a target.
    assertThat(sparkPost.duplicateCount()).isPositive();
    System.out.printf("dropped replies, events lagging past both searches: %d re-sent, %d duplicates of %d "
        + "messages%n", resent.get(), sparkPost.duplicateCount(), MESSAGES);
  }
}
