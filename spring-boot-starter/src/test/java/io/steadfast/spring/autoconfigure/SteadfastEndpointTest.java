package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;

/**
 * The {@code steadfast} actuator endpoint over HTTP, in a real Boot web application with a real SQLite
 * spool delivering to FakeSparkPost.
 */
class SteadfastEndpointTest {

  private static final String KEY = "sk-canary-endpoint-0123456789";
  /** A safety net only: each wait ends on its event (or its condition) long before this on a loaded machine. */
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final String REJECTION =
      "{\"errors\":[{\"message\":\"invalid recipient\",\"code\":\"1902\",\"description\":\"bad domain\"}]}";

  @TempDir
  Path temp;

  private FakeSparkPost sparkPost;
  private WebApp app;

  @BeforeEach
  void start() {
    sparkPost = FakeSparkPost.start(KEY);
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    sparkPost.close();
  }

  private WebApp startApp() {
    app = WebApp.start(List.of(
        "steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(), "steadfast.retry.max-attempts=1",
        "steadfast.routes.smtp.enabled=false", "steadfast.spool.enabled=true",
        "steadfast.spool.directory=" + temp.resolve("spool"), "steadfast.spool.poll-interval=50ms",
        "management.endpoints.web.exposure.include=steadfast").toArray(String[]::new));
    return app;
  }

  private static Message order(String id) {
    return Message.builder().from("shop@example.com").to("buyer@example.com").subject("Secret subject " + id)
        .text("Secret body of order " + id).idempotencyKey(IdempotencyKey.of("order-" + id)).build();
  }

  private DeliveryResult.DeadLettered rejected(String id) {
    sparkPost.enqueue(FakeResponse.status(422, REJECTION, "application/json"));
    app.context.getBean(EmailClient.class).submit(order(id));
    return app.listener().deadLettered("order-" + id).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .join();
  }

  private static List<String> keys(JsonNode entries) {
    return StreamSupport.stream(entries.spliterator(), false).map(e -> e.get("key").asString()).toList();
  }

  @Test
  void overviewShowsSpoolCircuitsAndDeadLettersWithoutContentOrKey() throws Exception {
    startApp();
    rejected("1");

    WebApp.Answer answer = app.get("/actuator/steadfast");

    assertThat(answer.status()).isEqualTo(200);
    JsonNode overview = answer.json();
    assertThat(overview.get("running").asBoolean()).isTrue();
    assertThat(overview.get("spool").get("store").asString()).isEqualTo("sqlite");
    assertThat(overview.get("spool").get("countByState").get("dead").asLong()).isEqualTo(1);
    assertThat(overview.get("circuits").get(0).get("route").asString()).isEqualTo("rest-custom");
    assertThat(overview.get("circuits").get(0).get("state").asString()).isEqualTo("CLOSED");
    assertThat(overview.get("circuits").get(0).get("since").asString()).isNotBlank();
    JsonNode dead = overview.get("deadLetters").get(0);
    assertThat(dead.get("key").asString()).isEqualTo("order-1");
    assertThat(dead.get("reason").asString()).isEqualTo("REJECTED");
    assertThat(dead.get("attempts").asInt()).isEqualTo(1);
    assertThat(dead.get("lastError").asString()).contains("1902");
    assertThat(answer.body()).doesNotContain("Secret", KEY);
  }

  @Test
  void listsOnePageOfOneStateOldestFirst() throws Exception {
    startApp();
    rejected("1");
    rejected("2");
    rejected("3");

    JsonNode second = app.get("/actuator/steadfast/dead?page=1&size=2").json();

    assertThat(second.get("total").asLong()).isEqualTo(3);
    assertThat(keys(second.get("entries"))).containsExactly("order-3");
    assertThat(keys(app.get("/actuator/steadfast/dead?size=2").json().get("entries")))
        .containsExactly("order-1", "order-2");
  }

  @Test
  void requeuesOneDeadLetterWhichIsThenDelivered() throws Exception {
    startApp();
    DeliveryResult.DeadLettered dead = rejected("1");
    app.listener().forget("order-1");

    WebApp.Answer answer = app.post("/actuator/steadfast/requeue", "{\"id\":" + dead.spoolId() + "}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("count").asInt()).isEqualTo(1);
    assertThat(app.listener().delivered("order-1")).succeedsWithin(WAIT);
    assertThat(sparkPost.transmissionCountFor("order-1")).isEqualTo(1);
    assertThat(app.get("/actuator/steadfast").json().get("spool").get("countByState").get("dead").asLong()).isZero();
  }

  @Test
  void requeuesEveryDeadLetterOfOneReason() throws Exception {
    startApp();
    rejected("1");
    rejected("2");
    app.listener().forget("order-1");
    app.listener().forget("order-2");

    WebApp.Answer answer = app.post("/actuator/steadfast/requeue", "{\"reason\":\"rejected\"}");

    assertThat(answer.json().get("count").asInt()).isEqualTo(2);
    assertThat(app.listener().delivered("order-1")).succeedsWithin(WAIT);
    assertThat(app.listener().delivered("order-2")).succeedsWithin(WAIT);
    assertThat(app.post("/actuator/steadfast/requeue", "{\"reason\":\"EXPIRED\"}").json().get("count").asInt())
        .isZero();
  }

  @Test
  void flushMakesWaitingMessagesDueNow() throws Exception {
    startApp();
    sparkPost.enqueue(FakeResponse.serverError(503));
    app.context.getBean(EmailClient.class).submit(order("1"));
    assertThat(app.listener().delivered("order-1")).isNotDone();
    awaitPendingWithFailure("order-1");

    WebApp.Answer answer = app.post("/actuator/steadfast/flush", "{}");

    assertThat(answer.json().get("count").asInt()).isEqualTo(1);
    assertThat(app.listener().delivered("order-1")).succeedsWithin(WAIT);
  }

  /** Waits (bounded) until the 503 has been answered and the entry rescheduled with its error. */
  private void awaitPendingWithFailure(String key) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode pending = app.get("/actuator/steadfast/pending").json().get("entries");
      if (pending.size() == 1 && pending.get(0).get("key").asString().equals(key)
          && pending.get(0).hasNonNull("lastError")) {
        return;
      }
      // The spool writes the error just after the attempt's event, so the condition is polled, gently:
      // a busy loop of HTTP requests would take the CPU the dispatcher needs on a 2-core machine.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    throw new AssertionError(key + " was not rescheduled after the 503 within " + WAIT);
  }

  @Test
  void answersBadRequestsWithWhatToDo() throws Exception {
    startApp();

    WebApp.Answer neither = app.post("/actuator/steadfast/requeue", "{}");
    WebApp.Answer state = app.get("/actuator/steadfast/parked");
    WebApp.Answer reason = app.post("/actuator/steadfast/requeue", "{\"reason\":\"bored\"}");

    assertThat(neither.status()).isEqualTo(400);
    assertThat(neither.json().get("error").asString()).contains("\"id\"", "\"reason\"");
    assertThat(state.status()).isEqualTo(400);
    assertThat(state.body()).contains("pending, in_flight, reconciling, delivered, dead");
    assertThat(reason.body()).contains("REJECTED, EXPIRED, UNREADABLE, OUTCOME_UNKNOWN");
  }

  @Test
  void isNotOnTheWebUntilExposed() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class,
            SteadfastOperationsAutoConfiguration.class))
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl())
        .run(context -> assertThat(context).hasSingleBean(io.steadfast.internal.console.OperatorConsole.class)
            .doesNotHaveBean(SteadfastEndpoint.class).doesNotHaveBean(SteadfastDashboardController.class));
  }

  @Test
  void isAvailableOnceExposed() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class,
            SteadfastOperationsAutoConfiguration.class))
        .withPropertyValues("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "management.endpoints.web.exposure.include=steadfast")
        .run(context -> assertThat(context).hasSingleBean(SteadfastEndpoint.class));
  }
}
