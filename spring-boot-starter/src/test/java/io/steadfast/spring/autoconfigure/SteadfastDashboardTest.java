package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeSparkPost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's page and JSON API in a real Boot web application with a SQLite spool. */
class SteadfastDashboardTest {

  private static final String KEY = "sk-canary-dashboard-api-0123456789";

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

  private WebApp startApp(String... more) {
    List<String> properties = new ArrayList<>(List.of("steadfast.api-key=" + KEY,
        "steadfast.base-url=" + sparkPost.baseUrl(), "steadfast.routes.smtp.enabled=false",
        "steadfast.spool.enabled=true", "steadfast.spool.directory=" + temp.resolve("spool")));
    properties.addAll(List.of(more));
    app = WebApp.start(properties.toArray(String[]::new));
    return app;
  }

  @Test
  void isNotServedUnlessEnabled() throws Exception {
    startApp();

    assertThat(app.get("/steadfast/").status()).isEqualTo(404);
    assertThat(app.get("/steadfast/api/overview").status()).isEqualTo(404);
    assertThat(app.get("/actuator/steadfast").status()).isEqualTo(404);
  }

  @Test
  void servesPageAssetsAndOverviewUnderConfiguredPath() throws Exception {
    startApp("steadfast.dashboard.enabled=true", "steadfast.dashboard.path=/ops/mail");
    HttpClient noRedirects = HttpClient.newHttpClient();

    HttpResponse<String> redirect = noRedirects.send(HttpRequest.newBuilder(app.uri("/ops/mail")).build(),
        HttpResponse.BodyHandlers.ofString());
    WebApp.Answer page = app.get("/ops/mail/");
    WebApp.Answer script = app.get("/ops/mail/dashboard.js");
    WebApp.Answer overview = app.get("/ops/mail/api/overview");

    assertThat(redirect.statusCode()).isEqualTo(302);
    assertThat(URI.create("http://localhost/ops/mail").resolve(redirect.headers().firstValue("Location").orElseThrow()))
        .hasPath("/ops/mail/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<script src=\"dashboard.js\"></script>").doesNotContain("http://", "https://");
    // The only absolute URL is the SVG namespace, a name and never fetched.
    assertThat(script.body().replace("http://www.w3.org/2000/svg", "")).contains("api/overview")
        .doesNotContain("http://", "https://");
    assertThat(overview.json().get("spool").get("store").asString()).isEqualTo("sqlite");
    assertThat(overview.json().get("history").get("intervalSeconds").asDouble()).isEqualTo(10.0);
    assertThat(app.get("/steadfast/").status()).isEqualTo(404);
  }

  @Test
  void answersBadActionsWithTheReason() throws Exception {
    startApp("steadfast.dashboard.enabled=true");

    WebApp.Answer noId = app.post("/steadfast/api/requeue", "{\"id\":\"twelve\"}");
    WebApp.Answer state = app.get("/steadfast/api/entries/parked");
    WebApp.Answer missing = app.post("/steadfast/api/requeue", "{\"id\":987654}");

    assertThat(noId.status()).isEqualTo(400);
    assertThat(noId.json().get("error").asString()).contains("\"id\"", "a number");
    assertThat(state.status()).isEqualTo(400);
    assertThat(state.json().get("error").asString()).contains("use one of pending");
    assertThat(missing.json().get("count").asInt()).isZero();
    assertThat(missing.json().get("detail").asString()).contains("987654", "not a dead letter");
  }

  @Test
  void refusesFormPostsThatAnotherSiteCouldSend() throws Exception {
    startApp("steadfast.dashboard.enabled=true");
    HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> form = http.send(HttpRequest.newBuilder(app.uri("/steadfast/api/flush"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("x=1"))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(form.statusCode()).isEqualTo(415);
  }
}
