package io.steadfast.cli;

import static io.steadfast.cli.DispatchCommandTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.Chromium;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast dispatch --ui-port 0} as a real process over a real SQLite spool, with SparkPost
 * (FakeSparkPost) in an outage after it rejected one message for good: the dashboard's JSON API shows
 * the open circuit, the pending messages and the dead letter; a form post is refused with 415 and
 * changes nothing; a JSON requeue through the API gets the dead letter delivered once SparkPost is
 * back; and the page, in a real headless Chromium, draws the circuit row from the service.
 *
 * <p>Every wait is on a log line, an API answer, the fake's records or the page's DOM, with generous
 * bounds that are never the pass criterion.
 */
class DispatchDashboardTest {
  private static final String KEY = "sk-canary-dispatch-ui-51d0";
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Duration BOUND = Duration.ofMinutes(2);
  private static final int QUEUED = 5;
  private static final String REJECTION =
      "{\"errors\":[{\"message\":\"Invalid domain\",\"code\":\"7001\",\"description\":\"Unconfigured sending domain\"}]}";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Process> children = new ArrayList<>();
  private String base;

  @AfterEach
  void stop() {
    children.forEach(Process::destroyForcibly);
    sparkPost.close();
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + dir.resolve("spool")
        + "\n");
    return file.toString();
  }

  private void submit(String key) throws IOException {
    StringWriter err = new StringWriter();
    int code = Steadfast.run(new String[] {"submit", "--config", config(), "--from", "shop@example.com", "--to",
        "buyer@example.com", "--subject", "Order " + key, "--text", "Thanks for your order", "--idempotency-key", key},
        new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
  }

  /** Starts {@code steadfast dispatch --ui-port 0} and remembers the dashboard's address from its log. */
  private DispatchCommandTest.Service dispatchWithDashboard() throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), Steadfast.class.getName(), "dispatch", "--config", config(),
        "--ui-port", "0");
    Path log = dir.resolve("dispatch.log");
    Process child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(log.toFile()).start();
    children.add(child);
    DispatchCommandTest.Service service = new DispatchCommandTest.Service(child, log);
    base = service.await("INFO  Serving the dashboard at (http://127\\.0\\.0\\.1:\\d+/)").group(1);
    return service;
  }

  /** Rejects the first message for good, then answers 503: one dead letter, {@link #QUEUED} waiting. */
  private DispatchCommandTest.Service outageWithOneDeadLetter() throws Exception {
    sparkPost.enqueue(FakeResponse.status(422, REJECTION, "application/json"));
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    submit("refund-1");
    DispatchCommandTest.Service service = dispatchWithDashboard();
    service.await("ERROR Dead letter: spool id \\d+, key refund-1");
    for (int i = 1; i <= QUEUED; i++) {
      submit("order-" + i);
    }
    service.await("WARN  Route 'rest-custom' circuit OPEN");
    return service;
  }

  private HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private HttpResponse<String> post(String path, String contentType, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns the status line of {@code GET /api/overview} sent with {@code Host: host:PORT}, over a
   * plain socket: the JDK's client does not let a caller set the Host header, and a DNS-rebinding page
   * sends its own site's name there.
   */
  private String statusLineFor(String host) throws IOException {
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.getOutputStream().write(("GET /api/overview HTTP/1.1\r\nHost: " + host + ":" + uri.getPort()
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  private JsonNode overview() {
    HttpResponse<String> response = get("api/overview");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  private static long count(JsonNode overview, String state) {
    return overview.path("spool").path("countByState").path(state).asLong(-1);
  }

  @Test
  void apiShowsTheOutageRefusesFormPostsAndRequeuesADeadLetterThatIsThenDelivered() throws Exception {
    DispatchCommandTest.Service service = outageWithOneDeadLetter();

    await("the overview shows the queued messages", () -> count(overview(), "pending") == QUEUED);
    JsonNode outage = overview();
    assertThat(outage.path("running").asBoolean()).isTrue();
    assertThat(outage.path("spool").path("store").asString()).isEqualTo("sqlite");
    assertThat(outage.path("circuits")).hasSize(1);
    assertThat(outage.path("circuits").get(0).path("route").asString()).isEqualTo("rest-custom");
    assertThat(outage.path("circuits").get(0).path("state").asString()).isEqualTo("OPEN");
    assertThat(outage.path("circuits").get(0).path("since").asString()).isNotEmpty();
    assertThat(count(outage, "dead")).isEqualTo(1);
    JsonNode dead = outage.path("deadLetters").get(0);
    assertThat(dead.path("key").asString()).isEqualTo("refund-1");
    assertThat(dead.path("reason").asString()).isEqualTo("REJECTED");
    assertThat(outage.path("pending")).hasSize(QUEUED);
    assertThat(outage.toString()).doesNotContain(KEY, "Thanks for your order", "buyer@example.com");
    long id = dead.path("id").asLong();

    // What another site's page can send without a CORS preflight: refused, nothing changed.
    HttpResponse<String> form = post("api/requeue", "application/x-www-form-urlencoded", "id=" + id);
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(JSON.readTree(form.body()).path("error").asString()).contains("application/json");
    HttpResponse<String> plain = post("api/flush", "text/plain", "{}");
    assertThat(plain.statusCode()).isEqualTo(415);
    HttpResponse<String> wrongType = post("api/requeue", "application/json", "{\"id\": \"" + id + "\"}");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(wrongType.body()).path("error").asString()).contains("\"id\"", "\"reason\"");
    HttpResponse<String> garbage = post("api/requeue", "application/json", "id=" + id);
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(garbage.body()).path("error").asString()).contains("not a JSON object");
    HttpResponse<String> badState = get("api/entries/lost");
    assertThat(badState.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badState.body()).path("error").asString()).contains("Unknown spool state 'lost'");
    assertThat(get("api/entries/pending?page=x").statusCode()).isEqualTo(400);
    assertThat(get("api/requeue").statusCode()).isEqualTo(405);
    HttpResponse<String> foreign = send(HttpRequest.newBuilder(URI.create(base + "api/requeue"))
        .header("Content-Type", "application/json").header("Origin", "http://attacker.example")
        .POST(HttpRequest.BodyPublishers.ofString("{\"id\": " + id + "}")));
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(statusLineFor("rebound.example")).contains(" 421 ");
    assertThat(statusLineFor("localhost")).contains(" 200 ");
    assertThat(count(overview(), "dead")).isEqualTo(1);
    HttpResponse<String> page = get("api/entries/dead?page=0&size=10");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(page.body()).path("entries").get(0).path("key").asString()).isEqualTo("refund-1");
    assertThat(sparkPost.acceptedKeys()).isEmpty();

    sparkPost.resume();
    await("the queued messages delivered after the outage", () -> sparkPost.acceptedKeys().size() == QUEUED);
    HttpResponse<String> requeued = post("api/requeue", "application/json; charset=utf-8", "{\"id\": " + id + "}");

    assertThat(requeued.statusCode()).as(requeued.body()).isEqualTo(200);
    JsonNode result = JSON.readTree(requeued.body());
    assertThat(result.path("action").asString()).isEqualTo("requeue");
    assertThat(result.path("count").asInt()).isEqualTo(1);
    await("the requeued dead letter delivered", () -> sparkPost.acceptedKeys().contains("refund-1"));
    await("the overview shows it delivered", () -> {
      JsonNode after = overview();
      return count(after, "dead") == 0 && count(after, "delivered") == QUEUED + 1;
    });
    assertThat(overview().path("circuits").get(0).path("state").asString()).isEqualTo("CLOSED");
    assertThat(service.terminate()).as(service.log()).isZero();
    assertThat(service.log()).doesNotContain(KEY);
  }

  @Test
  void badUiOptionsAreOneUsageLineSayingWhatToGiveAndNothingStarts() throws Exception {
    String config = config();
    assertThat(usage("dispatch", "--config", config, "--ui-port", "70000")).contains("--ui-port must be between 0 and 65535");
    assertThat(usage("dispatch", "--config", config, "--ui-bind", "0.0.0.0")).contains("needs --ui-port PORT");
    assertThat(usage("dispatch", "--config", config, "--ui-port", "9464", "--metrics-port", "9464"))
        .contains("give the dashboard another port");
    assertThat(usage("dispatch", "--config", config, "--ui-port", "0", "--ui-bind", "no-such-host.invalid"))
        .contains("--ui-bind no-such-host.invalid is not an address");
    assertThat(dir.resolve("spool")).doesNotExist();
  }

  /** Runs {@code steadfast args...} in this JVM, expects exit 2 and returns its one line on stderr. */
  private static String usage(String... args) {
    StringWriter err = new StringWriter();
    int code = Steadfast.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).hasLineCount(1);
    return err.toString();
  }

  @Test
  void thePageInAHeadlessChromiumDrawsTheCircuitAndTheQueueFromTheDispatchService() throws Exception {
    DispatchCommandTest.Service service = outageWithOneDeadLetter();
    Chromium chromium = Chromium.installed();
    // The driver by its system property: naming ChromeDriverService here would make javac warn about
    // Selenium's @AutoService, whose annotation jar Selenium does not ship.
    System.setProperty("webdriver.chrome.driver", chromium.driver().toString());
    ChromeDriver browser = new ChromeDriver(new ChromeOptions().setBinary(chromium.browser().toFile())
        .addArguments(chromium.arguments(1280, 1200)));
    try {
      // The page redraws every two seconds; an element found just before a redraw is looked up again.
      WebDriverWait wait = new WebDriverWait(browser, BOUND);
      wait.ignoring(StaleElementReferenceException.class);

      browser.get(base);

      wait.until(ExpectedConditions.attributeToBe(By.id("circuit-rest-custom"), "data-state", "OPEN"));
      wait.until(page -> page.findElements(By.cssSelector("#pending tr[data-key^='order-']")).size() == QUEUED);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#dead tr[data-key='refund-1']"),
          "REJECTED"));
      assertThat(browser.getPageSource()).doesNotContain(KEY, "Thanks for your order");
    } finally {
      browser.quit();
    }
    assertThat(service.terminate()).as(service.log()).isZero();
  }
}
