package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.testing.Chromium;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium, against a Boot application whose SparkPost is down:
 * the page shows the circuit open and the queue grow, and a click on a dead letter's requeue button
 * delivers it once SparkPost is back.
 *
 * <p>Every wait is on the page's DOM (or a delivery event), with generous bounds that are never the
 * pass criterion. The screenshot taken during the outage is written to
 * {@code target/dashboard-outage.png}; {@code docs/dashboard.png} is a copy of it
 * ({@code cp spring-boot-starter/target/dashboard-outage.png docs/dashboard.png} to refresh it).
 */
class DashboardBrowserTest {

  private static final String KEY = "sk-canary-dashboard-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int QUEUED = 6;
  private static final String REJECTION =
      "{\"errors\":[{\"message\":\"Invalid domain\",\"code\":\"7001\",\"description\":\"Unconfigured sending domain\"}]}";

  @TempDir
  Path temp;

  private FakeSparkPost sparkPost;
  private WebApp app;
  private ChromeDriver browser;

  @BeforeEach
  void start() {
    sparkPost = FakeSparkPost.start(KEY);
    Chromium chromium = Chromium.installed();
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromium.driver().toFile())
        .usingAnyFreePort().build(), new ChromeOptions().setBinary(chromium.browser().toFile())
        .addArguments(chromium.arguments(1280, 1500)));
  }

  @AfterEach
  void stop() {
    browser.quit();
    if (app != null) {
      app.close();
    }
    sparkPost.close();
  }

  private static Message message(String key) {
    return Message.builder().from("shop@example.com").to("buyer@example.com").subject("Your order")
        .text("Thanks for your order").idempotencyKey(IdempotencyKey.of(key)).build();
  }

  private static int number(WebDriver page, String id) {
    String text = page.findElement(By.id(id)).getText().trim();
    return text.matches("\\d+") ? Integer.parseInt(text) : -1;
  }

  @Test
  void showsOutageAndDeliversRequeuedDeadLetter() throws Exception {
    // The first message meets a permanent rejection (a dead letter), every later request a 503.
    sparkPost.enqueue(FakeResponse.status(422, REJECTION, "application/json"));
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    app = WebApp.start("steadfast.api-key=" + KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
        "steadfast.retry.max-attempts=1", "steadfast.routes.smtp.enabled=false", "steadfast.spool.enabled=true",
        "steadfast.spool.directory=" + temp.resolve("spool"), "steadfast.spool.poll-interval=50ms",
        "steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1",
        "steadfast.circuit-breaker.wait-in-open=3s", "steadfast.dashboard.enabled=true",
        "steadfast.dashboard.sample-interval=1s");
    EmailClient client = app.context.getBean(EmailClient.class);
    // The page redraws every two seconds; an element found just before a redraw is looked up again.
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    wait.ignoring(StaleElementReferenceException.class);

    browser.get(app.uri("/steadfast").toString());
    client.submit(message("refund-1"));
    assertThat(app.listener().deadLettered("refund-1")).succeedsWithin(WAIT);
    for (int i = 1; i <= QUEUED; i++) {
      client.submit(message("order-" + i));
    }

    wait.until(ExpectedConditions.attributeToBe(By.id("circuit-rest-custom"), "data-state", "OPEN"));
    wait.until(page -> page.findElements(By.cssSelector("#pending tr[data-key^='order-']")).size() == QUEUED);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dead tr[data-key='refund-1']")));
    wait.until(page -> number(page, "count-dead") == 1 && number(page, "count-pending") == QUEUED);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart polyline.queued-line")));
    // A few seconds of samples (one a second here), so the chart in the screenshot shows a line.
    wait.until(page -> Integer.parseInt(page.findElement(By.id("chart")).getDomAttribute("data-samples")) >= 8);
    Path shot = Path.of("target", "dashboard-outage.png");
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#dead tr[data-key='refund-1']"),
        "REJECTED"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#dead tr[data-key='refund-1']"),
        "code 7001"));
    assertThat(sparkPost.acceptedKeys()).isEmpty();

    sparkPost.resume();
    wait.until(ExpectedConditions.attributeToBe(By.id("circuit-rest-custom"), "data-state", "CLOSED"));
    for (int i = 1; i <= QUEUED; i++) {
      assertThat(app.listener().delivered("order-" + i)).succeedsWithin(WAIT);
    }
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#dead tr[data-key='refund-1'] button.requeue")))
        .click();

    assertThat(app.listener().delivered("refund-1")).succeedsWithin(WAIT);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dead td.empty")));
    wait.until(page -> number(page, "count-dead") == 0 && number(page, "count-delivered") == QUEUED + 1);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "queued again"));
    assertThat(sparkPost.transmissionCountFor("refund-1")).isEqualTo(1);
    assertThat(browser.getPageSource()).doesNotContain(KEY, "Thanks for your order");
  }
}
