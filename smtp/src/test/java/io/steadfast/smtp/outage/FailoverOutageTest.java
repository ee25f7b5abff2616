package io.steadfast.smtp.outage;

import io.steadfast.testing.FakeClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.ApiKey;
import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.RetryableException;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.smtp.SmtpTransport;
import io.steadfast.spi.Transport;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.FaultPlan;
import io.steadfast.testing.OutageScenario;
import io.steadfast.testing.RecordedTransmission;
import io.steadfast.testing.smtp.RecordedSmtpMessage;
import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import io.steadfast.testing.smtp.TestCertificates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Both routes through a regional outage: SparkPost's REST API answers the first requests, then fails
 * every one with {@code 503}, and the client fails over to SMTP injection, which itself refuses the
 * first messages with {@code 451} before it recovers. Every message must arrive exactly once, by
 * idempotency key, across the two routes.
 */
class FailoverOutageTest {

  private static final String API_KEY = "sk-canary-failover-outage";
  private static final int MESSAGES = 60;
  private static final int THREADS = 4;
  private static final int REST_HEALTHY_REQUESTS = 10;
  private static final int SMTP_REFUSALS = 4;
  private static final int MAX_SENDS_PER_MESSAGE = 20;
  private static final int MAX_CIRCUIT_REJECTIONS_PER_MESSAGE = 1_000;
  private static final Pattern MESSAGE_ID = Pattern.compile("<([^@>]+)@[^>]+>");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void deliversEveryMessageExactlyOnceAcrossRestAndSmtpWhenRestRegionFails() throws Exception {
    FakeClock clock = new FakeClock(Instant.parse("2019-06-04T12:00:00Z"));
    RecordingListener listener = new RecordingListener();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      keys.add(String.format("failover-%03d", i));
    }

    List<RecordedTransmission> transmissions;
    List<RecordedSmtpMessage> smtpMessages;
    try (FakeSparkPost sparkPost = FakeSparkPost.start(API_KEY);
        ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
      sparkPost.play(
          OutageScenario.builder()
              .phase("healthy", REST_HEALTHY_REQUESTS, FaultPlan.healthy())
              .last("outage", FaultPlan.always(FakeResponse.serverError(503))));
      for (int i = 0; i < SMTP_REFUSALS; i++) {
        smtp.enqueue(SmtpPhase.END_OF_DATA, SmtpAction.reply("451 4.3.0 Try again later"));
      }
      SteadfastConfig base =
          SteadfastConfig.builder()
              .apiKey(API_KEY)
              .endpoint(Endpoint.custom(sparkPost.baseUrl().toString()))
              .connectTimeout(Duration.ofSeconds(2))
              .readTimeout(Duration.ofSeconds(5))
              .clock(clock)
              .build();
      Transport rest = RestTransport.create(base);
      Transport smtpRoute =
          SmtpTransport.builder()
              .host(smtp.host())
              .port(smtp.port())
              .apiKey(ApiKey.of(API_KEY))
              .trustStore(TestCertificates.trustStore())
              .connectTimeout(Duration.ofSeconds(2))
              .readTimeout(Duration.ofSeconds(5))
              .writeTimeout(Duration.ofSeconds(5))
              .build();
      SteadfastConfig config =
          base.toBuilder()
              .transports(List.of(rest, smtpRoute))
              .retryPolicy(
                  RetryPolicy.builder()
                      .maxAttempts(3)
                      .minBackoff(Duration.ofMillis(1))
                      .initialBackoff(Duration.ofMillis(5))
                      .maxBackoff(Duration.ofMillis(20))
                      .budgetCapacity(100)
                      .retryCost(5)
                      .build())
              .circuitBreakerPolicy(
                  CircuitBreakerPolicy.builder()
                      .slidingWindowSize(20)
                      .minimumNumberOfCalls(10)
                      .failureRateThreshold(50f)
                      .waitInOpenState(Duration.ofSeconds(30))
                      .build())
              .listener(listener)
              .build();
      try (EmailClient client = EmailClient.create(config)) {
        List<String> failed = sendAll(client, clock, keys);

        assertThat(failed).isEmpty();
      } finally {
        rest.close();
        smtpRoute.close();
      }
      transmissions = sparkPost.transmissions();
      smtpMessages = smtp.messages();
      assertThat(sparkPost.duplicateCount()).isZero();
    }

    List<String> restKeys =
        transmissions.stream().map(RecordedTransmission::idempotencyKey).toList();
    List<String> smtpKeys = smtpMessages.stream().map(FailoverOutageTest::keyOf).toList();
    Map<String, Long> deliveries =
        Stream.concat(restKeys.stream(), smtpKeys.stream())
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertThat(restKeys).hasSize(REST_HEALTHY_REQUESTS);
    assertThat(smtpKeys).hasSize(MESSAGES - REST_HEALTHY_REQUESTS);
    assertThat(deliveries).containsOnlyKeys(keys).allSatisfy((key, count) -> assertThat(count).isOne());
    assertThat(listener.failovers)
        .contains("rest-custom>smtp-custom: route was unavailable")
        .anySatisfy(f -> assertThat(f).startsWith("rest-custom>smtp-custom: circuit is OPEN"));
    assertThat(listener.transitions).contains("rest-custom CLOSED>OPEN");
  }

  /** Reads the key from all three places SMTP carries it, and checks they agree. */
  private static String keyOf(RecordedSmtpMessage message) {
    String header = message.header("Idempotency-Key");
    JsonNode xMsysApi = JSON.readTree(message.header("X-MSYS-API"));
    String metadata = xMsysApi.path("metadata").path(IdempotencyKey.METADATA_FIELD).asString();
    Matcher messageId = MESSAGE_ID.matcher(message.header("Message-ID"));
    assertThat(messageId.matches()).as("Message-ID %s", message.header("Message-ID")).isTrue();
    assertThat(metadata).isEqualTo(header);
    assertThat(messageId.group(1)).isEqualTo(header);
    return header;
  }

  private static List<String> sendAll(EmailClient client, FakeClock clock, List<String> keys)
      throws Exception {
    List<String> failed = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = thread; i < keys.size(); i += THREADS) {
                    if (!deliver(client, clock, IdempotencyKey.of(keys.get(i)), i)) {
                      failed.add(keys.get(i));
                    }
                  }
                }));
      }
      for (Future<?> future : futures) {
        future.get(5, TimeUnit.MINUTES); // a safety net for a hang, never the pass criterion
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    }
    return failed;
  }

  /** Sends one message until it is accepted, re-sending with the same key as a spool would. */
  private static boolean deliver(EmailClient client, FakeClock clock, IdempotencyKey key, int index) {
    Message message =
        Message.builder()
            .from("orders@shop.example")
            .to("customer" + index + "@example.com")
            .subject("Order " + index)
            .text("Your order " + index + " has shipped.")
            .build();
    int sends = 0;
    int rejections = 0;
    while (sends < MAX_SENDS_PER_MESSAGE && rejections < MAX_CIRCUIT_REJECTIONS_PER_MESSAGE) {
      try {
        SendReceipt receipt = client.send(message, SendOptions.idempotencyKey(key));
        return receipt.idempotencyKey().equals(key);
      } catch (RetryableException e) {
        if (e.attempts() > 0) {
          sends++;
        } else {
          // Every route's circuit is open: move the test clock past the next probe instead of
          // sleeping (Resilience4j lets it through once the wait has strictly passed).
          rejections++;
          Instant failedAt = clock.instant();
          clock.advanceTo(failedAt.plus(e.retryAfter().orElse(Duration.ZERO)).plusMillis(1));
        }
      }
    }
    return false;
  }

  /** Records failovers and circuit changes. */
  private static final class RecordingListener extends DeliveryListener {
    final List<String> failovers = Collections.synchronizedList(new ArrayList<>());
    final List<String> transitions = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void failover(IdempotencyKey key, String fromRoute, String toRoute, String reason) {
      failovers.add(fromRoute + ">" + toRoute + ": " + reason);
    }

    @Override
    public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
      transitions.add(route + " " + from + ">" + to);
    }
  }

}
