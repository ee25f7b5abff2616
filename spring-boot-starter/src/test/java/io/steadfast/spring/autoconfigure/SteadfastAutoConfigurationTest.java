package io.steadfast.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class SteadfastAutoConfigurationTest {

  private static final String CANARY_KEY = "sk-canary-0123456789";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SteadfastAutoConfiguration.class,
          SteadfastJavaMailSenderAutoConfiguration.class, SteadfastSanitizingAutoConfiguration.class));

  private FakeSparkPost sparkPost;

  @BeforeEach
  void startFake() {
    sparkPost = FakeSparkPost.start();
  }

  @AfterEach
  void stopFake() {
    sparkPost.close();
  }

  private ApplicationContextRunner configured(String... more) {
    return runner
        .withPropertyValues("steadfast.api-key=" + CANARY_KEY, "steadfast.base-url=" + sparkPost.baseUrl(),
            "steadfast.retry.max-attempts=1", "steadfast.routes.smtp.enabled=false")
        .withPropertyValues(more);
  }

  private static Message order() {
    return Message.builder().from("shop@example.com").to("buyer@example.com")
        .subject("Order 42").text("Thanks for your order").build();
  }

  @Test
  void createsNoBeansWithoutApiKey() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(EmailClient.class);
      assertThat(context).doesNotHaveBean(SteadfastProperties.class);
      assertThat(context).doesNotHaveBean(HealthIndicator.class);
    });
  }

  @Test
  void createsEmailClientWhenApiKeyIsSet() {
    configured().run(context -> {
      assertThat(context).hasSingleBean(EmailClient.class);
      assertThat(context).hasSingleBean(SteadfastHealthIndicator.class);
    });
  }

  @Test
  void sendsThroughConfiguredBaseUrlWithApiKey() {
    configured().run(context -> {
      SendReceipt receipt = context.getBean(EmailClient.class).send(order());

      assertThat(receipt.route()).startsWith("rest-");
      assertThat(sparkPost.transmissions()).singleElement()
          .satisfies(t -> assertThat(t.authorizedWith(CANARY_KEY)).isTrue())
          .satisfies(t -> assertThat(t.at("/content/subject")).isEqualTo("Order 42"));
    });
  }

  @Test
  void startsWithoutOptionalLibraries() {
    configured().withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
        "io.micrometer", "org.springframework.boot.health", "org.springframework.boot.actuate",
        "org.springframework.mail", "jakarta.mail")).run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(EmailClient.class);
          assertThat(context).doesNotHaveBean(SteadfastHealthIndicator.class);
          assertThat(context).doesNotHaveBean(SanitizingFunction.class);
        });
  }

  @Test
  void backsOffToApplicationEmailClient() {
    configured().withUserConfiguration(UserClientConfiguration.class).run(context -> {
      assertThat(context).hasSingleBean(EmailClient.class);
      assertThat(context).getBean(EmailClient.class).isSameAs(context.getBean("userClient"));
      assertThat(context).doesNotHaveBean(SteadfastState.class);
    });
  }

  @Test
  void closesClientWithContext() {
    EmailClient[] client = new EmailClient[1];
    configured().run(context -> client[0] = context.getBean(EmailClient.class));

    assertThatThrownBy(() -> client[0].send(order())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void bindsEveryPropertyGroup() {
    runner.withPropertyValues("steadfast.api-key=" + CANARY_KEY, "steadfast.region=eu", "steadfast.subaccount=7",
        "steadfast.connect-timeout=2s", "steadfast.read-timeout=3s", "steadfast.write-timeout=4s",
        "steadfast.call-timeout=20s", "steadfast.max-connections=3",
        "steadfast.routes.order=smtp,rest", "steadfast.routes.rest.enabled=true", "steadfast.routes.smtp.enabled=false",
        "steadfast.retry.max-attempts=5", "steadfast.retry.min-backoff=100ms", "steadfast.retry.initial-backoff=200ms",
        "steadfast.retry.max-backoff=1s", "steadfast.retry.deadline=15s", "steadfast.retry.budget=50",
        "steadfast.circuit-breaker.enabled=true", "steadfast.circuit-breaker.failure-rate=25",
        "steadfast.circuit-breaker.window=8", "steadfast.circuit-breaker.minimum-calls=4",
        "steadfast.circuit-breaker.wait-in-open=45s", "steadfast.health.all-routes-open-status=down",
        "steadfast.health.some-routes-open-status=UP", "steadfast.java-mail-sender.enabled=true").run(context -> {
          SteadfastProperties p = context.getBean(SteadfastProperties.class);

          assertThat(p.getRegion()).isEqualTo(SteadfastProperties.Region.EU);
          assertThat(p.getSubaccount()).isEqualTo(7L);
          assertThat(List.of(p.getConnectTimeout(), p.getReadTimeout(), p.getWriteTimeout(), p.getCallTimeout()))
              .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4),
                  Duration.ofSeconds(20));
          assertThat(p.getMaxConnections()).isEqualTo(3);
          assertThat(p.getRoutes().getOrder()).containsExactly("smtp", "rest");
          assertThat(p.getRoutes().getSmtp().isEnabled()).isFalse();
          assertThat(p.getRetry().getMaxAttempts()).isEqualTo(5);
          assertThat(p.getRetry().getMinBackoff()).isEqualTo(Duration.ofMillis(100));
          assertThat(p.getRetry().getInitialBackoff()).isEqualTo(Duration.ofMillis(200));
          assertThat(p.getRetry().getMaxBackoff()).isEqualTo(Duration.ofSeconds(1));
          assertThat(p.getRetry().getDeadline()).isEqualTo(Duration.ofSeconds(15));
          assertThat(p.getRetry().getBudget()).isEqualTo(50);
          assertThat(p.getCircuitBreaker().getFailureRate()).isEqualTo(25f);
          assertThat(p.getCircuitBreaker().getWindow()).isEqualTo(8);
          assertThat(p.getCircuitBreaker().getMinimumCalls()).isEqualTo(4);
          assertThat(p.getCircuitBreaker().getWaitInOpen()).isEqualTo(Duration.ofSeconds(45));
          assertThat(p.getHealth().getAllRoutesOpenStatus()).isEqualTo("down");
          assertThat(p.getJavaMailSender().isEnabled()).isTrue();
          assertThat(context).hasSingleBean(EmailClient.class);
        });
  }

  @Test
  void mapsPropertiesOntoSteadfastConfig() {
    SteadfastProperties properties = new SteadfastProperties();
    properties.setApiKey(CANARY_KEY);
    properties.setRegion(SteadfastProperties.Region.EU);
    properties.setSubaccount(7L);
    properties.setConnectTimeout(Duration.ofSeconds(2));
    properties.setCallTimeout(Duration.ofSeconds(20));
    properties.getRetry().setMaxAttempts(5);
    properties.getRetry().setMinBackoff(Duration.ofMillis(100));
    properties.getRetry().setInitialBackoff(Duration.ofMillis(200));
    properties.getRetry().setMaxBackoff(Duration.ofSeconds(1));
    properties.getRetry().setBudget(50);
    properties.getCircuitBreaker().setWindow(8);
    properties.getCircuitBreaker().setMinimumCalls(4);
    properties.getCircuitBreaker().setWaitInOpen(Duration.ofSeconds(45));
    properties.getRoutes().getSmtp().setEnabled(false);

    SteadfastConfig config = SteadfastConfigFactory.create(properties, io.steadfast.DeliveryListener.NONE,
        getClass().getClassLoader());

    assertThat(config.endpoint().name()).isEqualTo("eu");
    assertThat(config.subaccountId()).hasValue(7L);
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.retryPolicy().maxAttempts()).isEqualTo(5);
    assertThat(config.retryPolicy().initialBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.retryPolicy().budgetCapacity()).isEqualTo(50);
    assertThat(config.circuitBreakerPolicy().slidingWindowSize()).isEqualTo(8);
    assertThat(config.circuitBreakerPolicy().waitInOpenState()).isEqualTo(Duration.ofSeconds(45));
    assertThat(config.transports()).extracting(t -> t.route()).containsExactly("rest-eu");
  }

  @Test
  void ordersRoutesAsConfigured() {
    SteadfastProperties properties = new SteadfastProperties();
    properties.setApiKey(CANARY_KEY);
    properties.getRoutes().setOrder(List.of("smtp", "rest"));

    SteadfastConfig config = SteadfastConfigFactory.create(properties, io.steadfast.DeliveryListener.NONE,
        getClass().getClassLoader());

    assertThat(config.transports()).extracting(t -> t.route()).containsExactly("smtp-us", "rest-us");
  }

  @Test
  void explainsUnknownRouteKind() {
    configured("steadfast.routes.order=rest,pigeon").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.routes.order").contains("pigeon");
      assertThat(analysis.getAction()).contains("rest, smtp");
    });
  }

  @Test
  void neverPrintsApiKeyInToStringOrConfigprops() {
    configured().run(context -> {
      SteadfastProperties properties = context.getBean(SteadfastProperties.class);
      List<SanitizingFunction> functions = context.getBeanProvider(SanitizingFunction.class).orderedStream().toList();
      ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(functions, Show.ALWAYS);
      endpoint.setApplicationContext(context);

      Map<String, Object> shown = endpoint.configurationPropertiesWithPrefix("steadfast").getContexts().values()
          .iterator().next().getBeans().values().iterator().next().getProperties();

      assertThat(properties.toString()).doesNotContain(CANARY_KEY).contains("[redacted]");
      assertThat(shown.get("apiKey")).isEqualTo("******");
      assertThat(shown.toString()).doesNotContain(CANARY_KEY);
    });
  }

  @Test
  void bootAloneShowsApiKeyInConfigpropsWhenValuesAreShown() {
    // Why the starter registers a SanitizingFunction: since Boot 3 keys are not masked by name.
    configured().run(context -> {
      ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(List.of(), Show.ALWAYS);
      endpoint.setApplicationContext(context);

      Map<String, Object> shown = endpoint.configurationPropertiesWithPrefix("steadfast").getContexts().values()
          .iterator().next().getBeans().values().iterator().next().getProperties();

      assertThat(shown.get("apiKey")).isEqualTo(CANARY_KEY);
    });
  }

  @Test
  void explainsInvalidRegion() {
    runner.withPropertyValues("steadfast.api-key=" + CANARY_KEY, "steadfast.region=mars").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.region").contains("mars");
      assertThat(analysis.getAction()).contains("steadfast.region to us or eu");
    });
  }

  @Test
  void explainsPlainHttpBaseUrlOffLoopback() {
    runner.withPropertyValues("steadfast.api-key=" + CANARY_KEY, "steadfast.base-url=http://mail.example.com")
        .run(context -> {
          assertThat(context).hasFailed();

          FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("steadfast.base-url").contains("clear text");
          assertThat(analysis.getAction()).contains("https");
          assertThat(analysis.getDescription() + analysis.getAction()).doesNotContain(CANARY_KEY);
        });
  }

  @Test
  void explainsBlankApiKey() {
    runner.withPropertyValues("steadfast.api-key=").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.api-key").contains("blank");
      assertThat(analysis.getAction()).contains("Set steadfast.api-key");
    });
  }

  @Test
  void explainsUnparseableDuration() {
    configured("steadfast.retry.deadline=soon").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.retry.deadline");
      assertThat(analysis.getAction()).contains("duration such as 10s");
    });
  }

  @Test
  void explainsInconsistentBackoffs() {
    configured("steadfast.retry.min-backoff=10s", "steadfast.retry.initial-backoff=1s").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.retry").contains("minBackoff <= initialBackoff");
      assertThat(analysis.getAction()).contains("steadfast.retry.min-backoff <= steadfast.retry.initial-backoff");
    });
  }

  @Test
  void explainsMissingApiKeyWhenEmailClientIsRequired() {
    runner.withUserConfiguration(NeedsClientConfiguration.class).run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.api-key is set");
      assertThat(analysis.getAction()).contains("Set steadfast.api-key");
    });
  }

  @Test
  void registersFailureAnalyzerInSpringFactories() throws Exception {
    java.util.Properties factories = new java.util.Properties();
    try (InputStream in = SteadfastFailureAnalyzer.class.getResourceAsStream("/META-INF/spring.factories")) {
      factories.load(in);
    }

    assertThat(factories.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer"))
        .isEqualTo(SteadfastFailureAnalyzer.class.getName());
  }

  @Test
  void ignoresFailuresUnrelatedToSteadfast() {
    assertThat(new SteadfastFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
  }

  @Test
  void reportsUpWithClosedCircuitsAndLastSuccess() {
    configured().run(context -> {
      context.getBean(EmailClient.class).send(order());

      Health health = context.getBean(SteadfastHealthIndicator.class).health();

      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsKey("lastSuccess").containsEntry("retryBudgetExhaustions", 0L);
      assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-custom", "CLOSED"));
    });
  }

  @Test
  void reportsOutOfServiceWhenEveryCircuitIsOpen() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    configured("steadfast.circuit-breaker.window=2", "steadfast.circuit-breaker.minimum-calls=2").run(context -> {
      EmailClient client = context.getBean(EmailClient.class);
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> client.send(order())).isInstanceOf(ProviderUnavailableException.class);
      }

      Health health = context.getBean(SteadfastHealthIndicator.class).health();

      assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      assertThat(health.getDetails().get("routes")).isEqualTo(Map.of("rest-custom", "OPEN"));
      assertThat(health.getDetails()).doesNotContainKey("lastSuccess");
    });
  }

  @Test
  void reportsConfiguredStatusWhenEveryCircuitIsOpen() {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));
    configured("steadfast.circuit-breaker.window=1", "steadfast.circuit-breaker.minimum-calls=1",
        "steadfast.health.all-routes-open-status=down").run(context -> {
          assertThatThrownBy(() -> context.getBean(EmailClient.class).send(order()))
              .isInstanceOf(ProviderUnavailableException.class);

          Health health = context.getBean(SteadfastHealthIndicator.class).health();

          assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        });
  }

  @Test
  void doesNotCreateHealthIndicatorWhenDisabled() {
    configured("management.health.steadfast.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(SteadfastHealthIndicator.class));
  }

  @Test
  void recordsMetricsAfterSends() {
    configured("steadfast.retry.max-attempts=2", "steadfast.retry.min-backoff=1ms",
        "steadfast.retry.initial-backoff=1ms", "steadfast.retry.max-backoff=2ms")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
          EmailClient client = context.getBean(EmailClient.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          client.send(order());
          sparkPost.alwaysRespond(FakeResponse.serverError(503));
          assertThatThrownBy(() -> client.send(order())).isInstanceOf(ProviderUnavailableException.class);

          assertThat(registry.get("steadfast.sends").tag("outcome", "success").tag("route", "rest-custom")
              .counter().count()).isEqualTo(1.0);
          assertThat(registry.get("steadfast.sends").tag("outcome", "failure").counter().count()).isEqualTo(1.0);
          assertThat(registry.get("steadfast.attempts").tag("outcome", "accepted").counter().count()).isEqualTo(1.0);
          assertThat(registry.get("steadfast.attempts").tag("outcome", "not_sent").counter().count()).isEqualTo(2.0);
          assertThat(registry.get("steadfast.retries").tag("route", "rest-custom").counter().count()).isEqualTo(1.0);
          assertThat(registry.get("steadfast.send.latency").tag("outcome", "success").timer().count()).isEqualTo(1);
          assertThat(registry.get("steadfast.circuit.state").tag("route", "rest-custom").tag("state", "closed")
              .gauge().value()).isEqualTo(1.0);
        });
  }

  @Test
  void createsNoMetricsWithoutMeterRegistry() {
    configured().run(context -> assertThat(context).doesNotHaveBean(SteadfastMetrics.class));
  }

  @Test
  void tellsApplicationDeliveryListenersAboutSends() {
    configured().withBean(RecordingListener.class, RecordingListener::new).run(context -> {
      SendReceipt receipt = context.getBean(EmailClient.class).send(order());

      assertThat(context.getBean(RecordingListener.class).succeeded).containsExactly(receipt);
    });
  }

  @Test
  void generatesConfigurationMetadataWithDescriptions() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);

      assertThat(json).contains("\"steadfast.api-key\"", "\"steadfast.retry.max-attempts\"",
          "\"steadfast.circuit-breaker.wait-in-open\"", "\"steadfast.routes.rest.enabled\"",
          "\"steadfast.java-mail-sender.enabled\"", "Maximum attempts per send");
    }
  }

  /** Maps the context's bound properties as the client bean does, and returns the reconcile policy. */
  private static ReconcilePolicy reconcilePolicyOf(AssertableApplicationContext context) {
    assertThat(context).hasNotFailed();
    SteadfastConfig config = SteadfastConfigFactory.create(context.getBean(SteadfastProperties.class),
        io.steadfast.DeliveryListener.NONE, SteadfastAutoConfigurationTest.class.getClassLoader());
    SteadfastConfigFactory.closeTransports(config);
    return config.reconcilePolicy();
  }

  @Test
  void defaultsReconcilePolicyToCoreDefault() {
    configured().run(context -> assertThat(reconcilePolicyOf(context)).isEqualTo(ReconcilePolicy.DEFAULT));
  }

  @Test
  void mapsReconcilePolicyPropertyOntoReconcilePolicy() {
    configured("steadfast.reconcile.policy=dead-letter").run(context ->
        assertThat(reconcilePolicyOf(context).mode()).isEqualTo(ReconcilePolicy.Mode.DEAD_LETTER));
  }

  @Test
  void mapsResendPolicyOntoReconcilePolicy() {
    configured("steadfast.reconcile.policy=resend").run(context ->
        assertThat(reconcilePolicyOf(context)).isEqualTo(ReconcilePolicy.DEFAULT.withMode(ReconcilePolicy.Mode.RESEND)));
  }

  @Test
  void mapsSettleDelayPropertyOntoReconcilePolicy() {
    configured("steadfast.reconcile.settle-delay=2m").run(context ->
        assertThat(reconcilePolicyOf(context).settleDelay()).isEqualTo(Duration.ofMinutes(2)));
  }

  @Test
  void mapsRecheckDelayPropertyOntoReconcilePolicy() {
    configured("steadfast.reconcile.recheck-delay=3m").run(context ->
        assertThat(reconcilePolicyOf(context).recheckDelay()).isEqualTo(Duration.ofMinutes(3)));
  }

  @Test
  void mapsTimeoutPropertyOntoReconcilePolicy() {
    configured("steadfast.reconcile.timeout=10d").run(context ->
        assertThat(reconcilePolicyOf(context).timeout()).isEqualTo(ReconcilePolicy.EVENT_RETENTION));
  }

  @Test
  void explainsReconcileTimeoutBeyondEventRetention() {
    configured("steadfast.reconcile.timeout=11d").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("'steadfast.reconcile.timeout'").contains("PT264H")
          .contains("at most");
      assertThat(analysis.getAction()).contains("at most 10d");
    });
  }

  @Test
  void explainsZeroReconcileTimeout() {
    configured("steadfast.reconcile.timeout=0s").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("'steadfast.reconcile.timeout'").contains("positive");
    });
  }

  @Test
  void explainsNegativeSettleDelay() {
    configured("steadfast.reconcile.settle-delay=-1s").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("'steadfast.reconcile.settle-delay'").contains("negative");
      assertThat(analysis.getAction()).contains("0s or more");
    });
  }

  @Test
  void explainsUnknownReconcilePolicy() {
    configured("steadfast.reconcile.policy=sometimes").run(context -> {
      assertThat(context).hasFailed();

      FailureAnalysis analysis = new SteadfastFailureAnalyzer().analyze(context.getStartupFailure());

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription()).contains("steadfast.reconcile.policy").contains("sometimes");
      assertThat(analysis.getAction()).contains("reconcile, resend or dead-letter");
    });
  }

  @Test
  void bindsReconcileProperties() {
    configured("steadfast.reconcile.policy=DEAD_LETTER", "steadfast.reconcile.settle-delay=45s",
        "steadfast.reconcile.recheck-delay=2m", "steadfast.reconcile.timeout=1h").run(context -> {
          SteadfastProperties.Reconcile reconcile = context.getBean(SteadfastProperties.class).getReconcile();

          assertThat(reconcile.getPolicy()).isEqualTo(ReconcilePolicy.Mode.DEAD_LETTER);
          assertThat(reconcile.getSettleDelay()).isEqualTo(Duration.ofSeconds(45));
          assertThat(reconcile.getRecheckDelay()).isEqualTo(Duration.ofMinutes(2));
          assertThat(reconcile.getTimeout()).isEqualTo(Duration.ofHours(1));
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class NeedsClientConfiguration {

    @Bean
    String needsClient(EmailClient client) {
      return client.toString();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserClientConfiguration {

    @Bean(destroyMethod = "close")
    EmailClient userClient() {
      return EmailClient.create(SteadfastConfig.builder().apiKey("user-key").build());
    }
  }
}
