package io.steadfast.benchmarks;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.IdempotencyLedger;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;

/**
 * For diagnosis ({@code benchmarks/run.sh ablation}, prints to standard output, writes no report): takes
 * the REST send apart, adding one piece per variant, and prints each variant's same-round median ratios
 * to raw OkHttp with the CPU time per send of the whole process and of the sending threads.
 *
 * <p>The pieces: raw OkHttp (its default 10 s read and write timeouts); with Steadfast's timeouts kept
 * by OkHttp (connect 10 s, read and write 60 s, call 300 s); with OkHttp's read and write timeouts off;
 * the same on Steadfast's channel sockets, which keep the read and write timeouts instead (the
 * transport's client); the REST transport's {@code deliver()} alone; {@code EmailClient.send} (tuned);
 * and {@code EmailClient.send} with a ledger that records nothing. The channel sockets are internal to
 * steadfast-http, so this reaches them by reflection: a diagnostic may, a user may not.
 *
 * <p>Arguments: {@code ROUNDS SECONDS THREADS...}, or {@code profile raw|channel|transport|tuned SECONDS
 * [THREADS]} to run one variant (at 1 thread unless told) for a profiler (JFR) attached from the command line.
 */
public final class RestAblation {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  private RestAblation() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("profile")) {
      try (StubServer stub = StubServer.start(8)) {
        Variant tuned = RestVariants.steadfast("tuned", stub.baseUrl(), true);
        tuned.operation().run();
        Variant variant = switch (args[1]) {
          case "raw" -> RestVariants.rawOkHttp("raw", stub.baseUrl(), stub.firstBody());
          case "channel" -> rawWithoutTimeouts("raw+socket-timeouts", stub.baseUrl(), stub.firstBody(), true);
          case "transport" -> transport("transport", stub.baseUrl());
          default -> tuned;
        };
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Sample sample = LoadRunner.run(variant, threads, Double.parseDouble(args[2]));
        BenchmarkMain.log("%s: %.0f/s p50 %.1f us", variant.name(), sample.throughput(), sample.p50Nanos() / 1e3);
      }
      return;
    }
    int rounds = Integer.parseInt(args[0]);
    double seconds = Double.parseDouble(args[1]);
    int[] threadCounts = Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray();
    try (StubServer stub = StubServer.start(8)) {
      String base = stub.baseUrl();
      List<Variant> variants = new ArrayList<>();
      Variant tuned = RestVariants.steadfast("tuned", base, true);
      tuned.operation().run();
      byte[] body = stub.firstBody();
      variants.add(RestVariants.rawOkHttp("raw", base, body));
      variants.add(rawWithTimeouts("raw+timeouts", base, body));
      variants.add(rawWithoutTimeouts("raw-notimeouts", base, body, false));
      variants.add(rawWithoutTimeouts("raw+socket-timeouts", base, body, true));
      variants.add(transport("transport", base));
      variants.add(tuned);
      variants.add(client("tuned-noledger", base, true));
      for (int threads : threadCounts) {
        for (Variant variant : variants) {
          LoadRunner.run(variant, threads, 2);
        }
        Map<String, List<Double>> p50 = new LinkedHashMap<>();
        Map<String, List<Double>> throughput = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        Map<String, List<Double>> senderCpu = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          Map<String, Sample> samples = new LinkedHashMap<>();
          for (int i = 0; i < variants.size(); i++) {
            Variant variant = variants.get((i + round) % variants.size());
            long cpuBefore = OS.getProcessCpuTime();
            Sample sample = LoadRunner.run(variant, threads, seconds);
            double cpuPerSend = (OS.getProcessCpuTime() - cpuBefore) / (double) sample.operations();
            cpu.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(cpuPerSend / 1e3);
            senderCpu.computeIfAbsent(variant.name(), k -> new ArrayList<>())
                .add(sample.sendingThreadCpuNanosPerOperation() / 1e3);
            samples.put(variant.name(), sample);
          }
          Sample raw = samples.get("raw");
          for (Variant variant : variants) {
            Sample s = samples.get(variant.name());
            p50.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(s.p50Nanos() / (double) raw.p50Nanos());
            throughput.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(s.throughput() / raw.throughput());
          }
          BenchmarkMain.log("round %d at %d threads: raw p50 %.1f us, %.0f/s", round + 1, threads,
              raw.p50Nanos() / 1e3, raw.throughput());
        }
        for (Variant variant : variants) {
          BenchmarkMain.log("%2d threads %-22s p50 x %.3f (%s)  throughput x %.3f (%s)  process CPU/send %.1f us (%s), sender %.1f us (%s)",
              threads, variant.name(), median(p50.get(variant.name())), range(p50.get(variant.name())),
              median(throughput.get(variant.name())), range(throughput.get(variant.name())),
              median(cpu.get(variant.name())), range(cpu.get(variant.name())),
              median(senderCpu.get(variant.name())), range(senderCpu.get(variant.name())));
        }
      }
      for (Variant variant : variants) {
        variant.close();
      }
    }
  }

  /** Raw OkHttp keeping Steadfast's default timeouts itself, with Okio's watchdog. */
  private static Variant rawWithTimeouts(String name, String baseUrl, byte[] body) {
    OkHttpClient.Builder builder = RestVariants.rawClient()
        .connectTimeout(SteadfastConfig.DEFAULT_CONNECT_TIMEOUT)
        .readTimeout(SteadfastConfig.DEFAULT_READ_TIMEOUT)
        .writeTimeout(SteadfastConfig.DEFAULT_WRITE_TIMEOUT)
        .callTimeout(SteadfastConfig.DEFAULT_CALL_TIMEOUT);
    return RestVariants.rawOkHttp(name, builder.build(), baseUrl, body);
  }

  /**
   * Raw OkHttp with its read and write timeouts off (its default is 10 s each); with {@code
   * socketTimeouts}, on Steadfast's channel sockets keeping Steadfast's default read and write timeouts
   * instead, as the transport's client does.
   */
  private static Variant rawWithoutTimeouts(String name, String baseUrl, byte[] body, boolean socketTimeouts)
      throws Exception {
    OkHttpClient.Builder builder = RestVariants.rawClient().readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO);
    if (socketTimeouts) {
      Method plain = Class.forName("io.steadfast.http.internal.ChannelSockets")
          .getDeclaredMethod("plain", Duration.class, Duration.class);
      plain.setAccessible(true);
      builder.socketFactory((SocketFactory) plain.invoke(null, SteadfastConfig.DEFAULT_READ_TIMEOUT,
          SteadfastConfig.DEFAULT_WRITE_TIMEOUT));
    }
    return RestVariants.rawOkHttp(name, builder.build(), baseUrl, body);
  }

  private static SteadfastConfig config(String baseUrl) {
    return SteadfastConfig.builder().apiKey(RestVariants.API_KEY).endpoint(Endpoint.custom(baseUrl))
        .retryPolicy(RetryPolicy.NO_RETRIES).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED)
        .maxConnections(RestVariants.CONNECTIONS).build();
  }

  private static Variant transport(String name, String baseUrl) {
    Transport rest = RestTransport.create(config(baseUrl));
    Message message = RestVariants.message();
    return new Variant(name, () -> {
      Outcome outcome = rest.deliver(new Delivery(message, IdempotencyKey.generate(), 1));
      if (!(outcome instanceof Outcome.Accepted)) {
        throw new IllegalStateException(outcome.toString());
      }
    }, rest::close);
  }

  private static Variant client(String name, String baseUrl, boolean noLedger) {
    SteadfastConfig base = config(baseUrl);
    Transport rest = RestTransport.create(base);
    SteadfastConfig.Builder builder = base.toBuilder().transports(List.of(rest));
    if (noLedger) {
      builder.ledger(new IdempotencyLedger() {
        @Override
        public Optional<Entry> find(IdempotencyKey key) {
          return Optional.empty();
        }

        @Override
        public void record(IdempotencyKey key, Entry entry) {}
      });
    }
    return RestVariants.emailClient(name, EmailClient.create(builder.build()), rest);
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  private static String range(List<Double> values) {
    return String.format(java.util.Locale.ROOT, "%.3f-%.3f", values.stream().mapToDouble(d -> d).min().orElse(0),
        values.stream().mapToDouble(d -> d).max().orElse(0));
  }
}
