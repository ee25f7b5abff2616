package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spool.SqliteSpool;
import io.steadfast.testing.FakeSparkPost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code steadfast dispatch --metrics-port} serves every meter docs/dispatch.md lists from the start,
 * the counters at zero, for the route the client really sends on.
 */
class DispatchMetricsTest {
  private static final String KEY = "dispatch-metrics-key";
  private static final Pattern SAMPLE = Pattern.compile("^(steadfast_[a-z_]+)(\\{[^}]*})? (\\S+)$");
  private static final Pattern ROUTE = Pattern.compile("route=\"([^\"]+)\"");

  @TempDir
  Path temp;

  /** Returns the Prometheus names docs/dispatch.md lists for {@code --metrics-port}. */
  private static List<String> documented() throws Exception {
    String doc = Files.readString(Path.of("../docs/dispatch.md"));
    int start = doc.indexOf("`--metrics-port PORT` serves");
    String list = doc.substring(start, doc.indexOf("- `GET /health`", start));
    List<String> names = new ArrayList<>();
    Matcher name = Pattern.compile("`(steadfast_[a-z_]+)").matcher(list);
    while (name.find()) {
      names.add(name.group(1));
    }
    return names;
  }

  /** Returns each sample of the scrape, {@code name{labels}} to its value. */
  private static Map<String, Double> scrape(int port) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> samples = new TreeMap<>();
    body.lines().map(SAMPLE::matcher).filter(Matcher::matches).forEach(sample -> samples.put(
        sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), Double.parseDouble(sample.group(3))));
    return samples;
  }

  private static Map<String, Double> named(Map<String, Double> samples, String name) {
    return samples.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  @Test
  void servesEveryDocumentedMeterAtZeroBeforeTheFirstDeliveryForTheRouteTheClientSendsOn() throws Exception {
    List<String> documented = documented();
    try (FakeSparkPost sparkPost = FakeSparkPost.start(KEY)) {
      Endpoint endpoint = Endpoint.custom(sparkPost.baseUrl());
      try (DispatchMetrics metrics = new DispatchMetrics(DispatchMetrics.routes(endpoint));
           EmailClient client = EmailClient.create(SteadfastConfig.builder().apiKey(KEY).endpoint(endpoint)
               .listener(metrics).spool(SpoolConfig.builder(SqliteSpool.open(temp.resolve("spool"))).build()).build())) {
        int port = metrics.start(0, client.spoolOperations());

        Map<String, Double> before = scrape(port);
        DeliveryResult result = client.result(client.submit(Message.builder().from("shop@example.com")
            .to("buyer@example.com").subject("Order 7").text("Thanks").build())).get(30, TimeUnit.SECONDS);
        Map<String, Double> after = scrape(port);

        assertThat(documented).contains("steadfast_attempts_total", "steadfast_spool_dead_letters_total")
            .hasSizeGreaterThanOrEqualTo(8);
        for (String name : documented) {
          Map<String, Double> samples = named(before, name);
          assertThat(samples).as("%s before any delivery", name).isNotEmpty();
          if (!name.equals("steadfast_circuit_state")) {
            assertThat(samples.values()).as("%s before any delivery", name).containsOnly(0.0);
          }
        }
        assertThat(named(before, "steadfast_circuit_state").values()).as("closed 1, the other states 0")
            .containsOnly(0.0, 1.0).contains(1.0);
        assertThat(result).isInstanceOf(DeliveryResult.Delivered.class);
        assertThat(after).containsEntry("steadfast_attempts_total{outcome=\"accepted\",route=\"rest-custom\"}", 1.0);
        // The route registered up front is the one the client sent on: no second route appeared.
        assertThat(after.keySet().stream().map(ROUTE::matcher).filter(Matcher::find).map(m -> m.group(1)))
            .containsOnly("rest-custom");
        assertThat(before.keySet()).isEqualTo(after.keySet());
      }
    }
  }
}
