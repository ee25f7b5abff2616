package io.steadfast.benchmarks;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.RetryPolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: the CPU cost of {@code EmailClient.send} itself (key, ledger, retry and circuit breaker
 * bookkeeping) over a transport that accepts at once, i.e. everything Steadfast adds except the HTTP
 * request and the JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClientOverheadBenchmark {

  /** {@code tuned}: no retries, circuit breaker disabled; {@code defaults}: both on. */
  @Param({"tuned", "defaults"})
  public String config = "tuned";

  private EmailClient client = EmailClient.create(configuration(true));
  private final Message message = RestVariants.message();

  @Setup(Level.Trial)
  public void setUp() {
    client.close();
    client = EmailClient.create(configuration(config.equals("tuned")));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    client.close();
  }

  @Benchmark
  public SendReceipt send() {
    return client.send(message);
  }

  private static SteadfastConfig configuration(boolean tuned) {
    SteadfastConfig.Builder builder = SteadfastConfig.builder()
        .apiKey(RestVariants.API_KEY)
        .endpoint(Endpoint.custom("http://127.0.0.1:9"))
        .transports(List.of(new AcceptingTransport()));
    if (tuned) {
      builder.retryPolicy(RetryPolicy.NO_RETRIES).circuitBreakerPolicy(CircuitBreakerPolicy.DISABLED);
    }
    return builder.build();
  }

  /** Accepts every delivery at once, without I/O. */
  static final class AcceptingTransport implements Transport {
    private static final Outcome ACCEPTED = new Outcome.Accepted("7033454291873620553", 1, 0, null);

    @Override
    public String route() {
      return "noop";
    }

    @Override
    public Outcome deliver(Delivery delivery) {
      return ACCEPTED;
    }

    @Override
    public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
      return CompletableFuture.completedFuture(ACCEPTED);
    }

    @Override
    public void close() {}
  }
}
