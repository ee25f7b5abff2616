package io.steadfast.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.steadfast.http.Fixtures.TRANSMISSIONS;
import static io.steadfast.http.Fixtures.delivery;
import static io.steadfast.http.Fixtures.minimal;
import static io.steadfast.http.Fixtures.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.RetryPolicy;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API key never leaves the Authorization header: sent as {@code sk-canary-<random>} across a
 * success and every failure path, it must appear in no log line (DEBUG included), no exception
 * message, {@code toString()} or stack trace anywhere in the cause chain, no {@code Failure}, and no
 * {@code toString()} of the config, transport, client or receipt.
 */
@WireMockTest
class ApiKeyCanaryTest {
  private final String canary = "sk-canary-" + UUID.randomUUID();
  private final List<String> observed = new ArrayList<>();
  @RegisterExtension final CapturedLogs logs = new CapturedLogs();

  @Test
  void apiKeyAppearsNowhereAcrossSuccessAndEveryFailure(WireMockRuntimeInfo wireMock) throws IOException {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(canary)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl()))
        .readTimeout(Duration.ofMillis(300))
        .retryPolicy(RetryPolicy.NO_RETRIES)
        .build();
    List<ResponseDefinitionBuilder> answers = List.of(
        json(200, "200-accepted.json"),
        json(400, "400-invalid-params.json"),
        json(401, "401-unauthorized.json"),
        json(403, "403-permission-denied.json"),
        json(404, "404-invalid-uri.json"),
        json(409, "409-conflict.json"),
        json(413, "413-too-large.json"),
        json(420, "420-sending-limit.json"),
        json(422, "422-two-errors.json"),
        json(429, "429-rate-limited.json").withHeader("Retry-After", "5"),
        json(500, "500-internal.json"),
        json(503, "503-unavailable.json"),
        // A server that echoes the key back must not get it into a Failure.
        aResponse().withStatus(401).withHeader("Content-Type", "application/json")
            .withBody("{\"errors\":[{\"message\":\"Unknown API key " + canary + "\",\"code\":\"" + canary + "\"}]}"),
        aResponse().withStatus(502).withHeader("Content-Type", "text/html").withBody(sparkpost("responses/502-load-balancer.html")),
        aResponse().withStatus(200).withHeader("Content-Type", "text/html").withBody("<html>" + canary + "</html>"),
        aResponse().withStatus(200).withBody("{\"results\":"),
        aResponse().withStatus(200).withBody(new byte[2 << 20]),
        json(200, "200-accepted.json").withFixedDelay(2_000),
        aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
        aResponse().withFault(Fault.EMPTY_RESPONSE),
        aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK),
        aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE));

    observed.add(config.toString());
    try (Transport transport = RestTransport.create(config)) {
      observed.add(transport.toString());
      for (ResponseDefinitionBuilder answer : answers) {
        stubFor(post(urlEqualTo(TRANSMISSIONS)).willReturn(answer));
        observe(transport.deliver(delivery(minimal().build())));
        observe(transport.deliverAsync(delivery(minimal().build())));
        // A client per answer: its circuit breaker must not open and turn later sends into waits.
        try (EmailClient client = EmailClient.create(config)) {
          observed.add(client.toString());
          sendAndObserve(client);
        }
      }
    }
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (EmailClient unreachable = EmailClient.create(
        config.toBuilder().endpoint(Endpoint.custom("http://127.0.0.1:" + closedPort)).build())) {
      sendAndObserve(unreachable);
    }
    try (EmailClient tls = EmailClient.create(
        config.toBuilder().endpoint(Endpoint.custom("https://localhost:" + wireMock.getHttpPort())).build())) {
      sendAndObserve(tls);
    }
    for (ILoggingEvent event : logs.events()) {
      observed.add(event.getLoggerName() + " " + event.getFormattedMessage());
      observeThrowable(event.getThrowableProxy());
    }

    assertThat(logs.events()).as("DEBUG lines were captured").isNotEmpty();
    assertThat(observed).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(canary));
  }

  private void sendAndObserve(EmailClient client) {
    try {
      observed.add(client.send(minimal().build()).toString());
    } catch (RuntimeException e) {
      observeChain(e);
    }
    CompletableFuture<?> future = client.sendAsync(minimal().build());
    try {
      observed.add(String.valueOf(future.get(2, TimeUnit.MINUTES)));
    } catch (ExecutionException e) {
      observeChain(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("sendAsync did not complete", e);
    }
  }

  private void observe(Outcome outcome) {
    observed.add(outcome.toString());
    if (outcome instanceof Outcome.NotSent notSent) {
      observeChain(notSent.failure().cause());
    } else if (outcome instanceof Outcome.Unknown unknown) {
      observeChain(unknown.failure().cause());
    } else if (outcome instanceof Outcome.Rejected rejected) {
      observeChain(rejected.failure().cause());
    }
  }

  private void observe(CompletableFuture<Outcome> future) {
    try {
      observe(future.get(2, TimeUnit.MINUTES));
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("deliverAsync did not complete normally", e);
    }
  }

  private void observeChain(Throwable throwable) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> pending = new ArrayList<>();
    if (throwable != null) {
      pending.add(throwable);
    }
    while (!pending.isEmpty()) {
      Throwable next = pending.remove(pending.size() - 1);
      if (!seen.add(next)) {
        continue;
      }
      observed.add(String.valueOf(next.getMessage()));
      observed.add(next.toString());
      StringWriter trace = new StringWriter();
      next.printStackTrace(new PrintWriter(trace));
      observed.add(trace.toString());
      if (next.getCause() != null) {
        pending.add(next.getCause());
      }
      pending.addAll(List.of(next.getSuppressed()));
    }
  }

  private void observeThrowable(IThrowableProxy proxy) {
    for (IThrowableProxy next = proxy; next != null; next = next.getCause()) {
      observed.add(next.getClassName() + ": " + next.getMessage());
      for (StackTraceElementProxy frame : next.getStackTraceElementProxyArray()) {
        observed.add(frame.getSTEAsString());
      }
    }
  }

  private static ResponseDefinitionBuilder json(int status, String sample) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody(sparkpost("responses/" + sample));
  }
}
