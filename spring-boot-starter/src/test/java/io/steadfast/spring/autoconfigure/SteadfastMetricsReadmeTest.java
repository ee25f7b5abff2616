package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The README's meter tables are what a fresh application context registers, every counter and timer
 * at zero, before anything is sent: dashboards and alerts can be built before the first outage.
 */
class SteadfastMetricsReadmeTest {

  /** A row of the README's meter tables: {@code | `steadfast.x` | counter | ...}. */
  private static final Pattern METER_ROW = Pattern.compile("^\\| `(steadfast\\.[a-z.]+)` \\| ([a-z ]+) \\|");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class))
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

  @TempDir
  Path temp;

  /** Returns each meter of the README's Spring Boot section with its type as written there. */
  static Map<String, String> documentedMeters() throws IOException {
    String readme = Files.readString(Path.of("../README.md"));
    int start = readme.indexOf("\n## Spring Boot\n");
    int end = readme.indexOf("\n## ", start + 1);
    Map<String, String> meters = new LinkedHashMap<>();
    for (String line : readme.substring(start, end).split("\n")) {
      Matcher row = METER_ROW.matcher(line);
      if (row.find()) {
        meters.put(row.group(1), row.group(2).strip());
      }
    }
    return meters;
  }

  @Test
  void freshContextRegistersEveryDocumentedMeterAtZeroBeforeAnySend() throws IOException {
    Map<String, String> documented = documentedMeters();

    try (FakeSparkPost sparkPost = FakeSparkPost.start()) {
      runner.withPropertyValues("steadfast.api-key=test-key", "steadfast.base-url=" + sparkPost.baseUrl(),
              "steadfast.spool.enabled=true", "steadfast.spool.directory=" + temp.resolve("spool"))
          .run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            Set<String> registered = registry.getMeters().stream().map(meter -> meter.getId().getName())
                .filter(name -> name.startsWith("steadfast.")).collect(Collectors.toCollection(TreeSet::new));

            assertThat(documented).containsKey("steadfast.retries").hasSizeGreaterThan(15);
            assertThat(registered).as("meters registered at start-up, against the README's tables")
                .containsExactlyInAnyOrderElementsOf(documented.keySet());
            for (Meter meter : registry.getMeters()) {
              String name = meter.getId().getName();
              if (name.startsWith("steadfast.")) {
                assertThat(typeOf(meter)).as("type of %s", name).isEqualTo(documented.get(name));
                assertThat(valueOf(meter)).as("%s %s", name, meter.getId().getTags()).isZero();
              }
            }
            // Route-tagged meters exist for every route, failovers for each route and the next.
            assertThat(registry.find("steadfast.retries").counters()).extracting(c -> c.getId().getTag("route"))
                .containsExactlyInAnyOrder("rest-custom", "smtp-custom");
            assertThat(registry.find("steadfast.failovers").counters())
                .extracting(c -> c.getId().getTag("from") + ">" + c.getId().getTag("to"))
                .containsExactlyInAnyOrder("rest-custom>smtp-custom", "smtp-custom>rest-custom");
            assertThat(sparkPost.requests()).isEmpty();
          });
    }
  }

  private static String typeOf(Meter meter) {
    if (meter instanceof Counter || meter instanceof FunctionCounter) {
      return "counter";
    } else if (meter instanceof Timer) {
      return "timer";
    } else if (meter instanceof TimeGauge) {
      return "time gauge";
    } else if (meter instanceof Gauge) {
      return "gauge";
    }
    return meter.getClass().getSimpleName();
  }

  /** A counter's count, a timer's count, a gauge's value; the circuit gauge's 0 or 1 as 0 for "closed". */
  private static double valueOf(Meter meter) {
    if (meter instanceof Counter counter) {
      return counter.count();
    } else if (meter instanceof Timer timer) {
      return timer.count() + timer.totalTime(TimeUnit.NANOSECONDS);
    } else if (meter instanceof TimeGauge gauge) {
      return gauge.value(TimeUnit.MILLISECONDS);
    } else if (meter instanceof Gauge gauge) {
      double value = gauge.value();
      // A fresh circuit is closed: 1 for that state, 0 for the others.
      boolean closedCircuit = "steadfast.circuit.state".equals(meter.getId().getName())
          && "closed".equals(meter.getId().getTag("state"));
      return closedCircuit ? value - 1 : value;
    }
    return Double.NaN;
  }
}
