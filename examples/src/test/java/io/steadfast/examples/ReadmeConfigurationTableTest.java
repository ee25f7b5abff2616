package io.steadfast.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.Message;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SteadfastConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keeps the README's configuration table equal to the defaults in the code. */
class ReadmeConfigurationTableTest {

  @Test
  void readmeDefaultsMatchTheConstants() throws IOException {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("connectTimeout(...)", seconds(SteadfastConfig.DEFAULT_CONNECT_TIMEOUT));
    expected.put("readTimeout(...)", seconds(SteadfastConfig.DEFAULT_READ_TIMEOUT));
    expected.put("writeTimeout(...)", seconds(SteadfastConfig.DEFAULT_WRITE_TIMEOUT));
    expected.put("callTimeout(...)", seconds(SteadfastConfig.DEFAULT_CALL_TIMEOUT));
    expected.put("maxConnections(...)", String.valueOf(SteadfastConfig.DEFAULT_MAX_CONNECTIONS));
    expected.put("maxMessageBytes(...)", Message.MAX_MESSAGE_BYTES / (1024 * 1024) + " MB");
    expected.put("retryPolicy(RetryPolicy.builder().maxAttempts(...))", String.valueOf(RetryPolicy.DEFAULT_MAX_ATTEMPTS));
    expected.put("RetryPolicy.Builder.minBackoff(...)", seconds(RetryPolicy.DEFAULT_MIN_BACKOFF));
    expected.put("RetryPolicy.Builder.initialBackoff(...)", seconds(RetryPolicy.DEFAULT_INITIAL_BACKOFF));
    expected.put("RetryPolicy.Builder.maxBackoff(...)", seconds(RetryPolicy.DEFAULT_MAX_BACKOFF));
    expected.put("RetryPolicy.Builder.multiplier(...)", String.valueOf((int) RetryPolicy.DEFAULT_MULTIPLIER));
    expected.put("RetryPolicy.Builder.deadline(...)", seconds(RetryPolicy.DEFAULT_DEADLINE));
    expected.put("RetryPolicy.Builder.budgetCapacity(...)", RetryPolicy.DEFAULT_BUDGET_CAPACITY + " tokens");
    expected.put("RetryPolicy.Builder.retryCost(...)", RetryPolicy.DEFAULT_RETRY_COST + " tokens");
    expected.put("RetryPolicy.Builder.timeoutRetryCost(...)", RetryPolicy.DEFAULT_TIMEOUT_RETRY_COST + " tokens");
    expected.put("RetryPolicy.Builder.successRefund(...)", RetryPolicy.DEFAULT_SUCCESS_REFUND + " token");
    expected.put("CircuitBreakerPolicy.Builder.failureRateThreshold(...)",
        (int) CircuitBreakerPolicy.DEFAULT_FAILURE_RATE_THRESHOLD + " %");
    expected.put("CircuitBreakerPolicy.Builder.slowCallRateThreshold(...)",
        (int) CircuitBreakerPolicy.DEFAULT_SLOW_CALL_RATE_THRESHOLD + " %");
    expected.put("CircuitBreakerPolicy.Builder.slowCallDuration(...)", seconds(CircuitBreakerPolicy.DEFAULT_SLOW_CALL_DURATION));
    expected.put("CircuitBreakerPolicy.Builder.slidingWindowSize(...)",
        CircuitBreakerPolicy.DEFAULT_SLIDING_WINDOW_SIZE + " attempts");
    expected.put("CircuitBreakerPolicy.Builder.minimumNumberOfCalls(...)",
        String.valueOf(CircuitBreakerPolicy.DEFAULT_MINIMUM_NUMBER_OF_CALLS));
    expected.put("CircuitBreakerPolicy.Builder.firstWaitInOpenState(...)",
        CircuitBreakerPolicy.DEFAULT_FIRST_WAIT_IN_OPEN_STATE.toMillis() + " ms");
    expected.put("CircuitBreakerPolicy.Builder.waitInOpenState(...)", seconds(CircuitBreakerPolicy.DEFAULT_WAIT_IN_OPEN_STATE));
    expected.put("CircuitBreakerPolicy.Builder.permittedCallsInHalfOpenState(...)",
        String.valueOf(CircuitBreakerPolicy.DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN_STATE));

    expected.put("SteadfastConfig.Builder.reconcilePolicy(ReconcilePolicy.DEFAULT.withMode(...))",
        ReconcilePolicy.DEFAULT.mode().name());
    expected.put("ReconcilePolicy.withSettleDelay(...)", seconds(ReconcilePolicy.DEFAULT_SETTLE_DELAY));
    expected.put("ReconcilePolicy.withRecheckDelay(...)", seconds(ReconcilePolicy.DEFAULT_RECHECK_DELAY));
    expected.put("ReconcilePolicy.withTimeout(...)", seconds(ReconcilePolicy.DEFAULT_TIMEOUT));

    Map<String, String> readme = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("../README.md"))) {
      String[] cells = line.split("\\|");
      if (cells.length == 4 && cells[2].contains("`")) {
        readme.put(cells[2].strip().replace("`", ""), cells[3].strip());
      }
    }

    expected.forEach((setting, value) ->
        assertThat(readme.get(setting)).as(setting).isNotNull().startsWith(value));
  }

  private static String seconds(Duration duration) {
    return duration.toSeconds() + " s";
  }
}
