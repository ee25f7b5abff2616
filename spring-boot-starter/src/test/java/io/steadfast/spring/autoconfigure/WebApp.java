package io.steadfast.spring.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Boot web application on a random port, with the starter, actuator and Spring MVC, as a user's
 * application would run: for tests that speak HTTP to the endpoint and the dashboard.
 */
final class WebApp implements AutoCloseable {

  /** The application: everything auto-configured, plus a listener tests wait on. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Application {
    @Bean
    AwaitingListener awaitingListener() {
      return new AwaitingListener();
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  final ConfigurableApplicationContext context;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private WebApp(ConfigurableApplicationContext context) {
    this.context = context;
  }

  static WebApp start(String... properties) {
    return new WebApp(new SpringApplicationBuilder(Application.class)
        .properties("server.port=0", "spring.main.banner-mode=off")
        .properties(properties)
        .run());
  }

  URI uri(String path) {
    return URI.create("http://localhost:" + context.getEnvironment().getProperty("local.server.port") + path);
  }

  AwaitingListener listener() {
    return context.getBean(AwaitingListener.class);
  }

  /** An HTTP answer: its status and body. */
  record Answer(int status, String body) {
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  Answer get(String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  Answer post(String path, String json) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  @Override
  public void close() {
    context.close();
  }
}
