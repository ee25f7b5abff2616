package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.DeliveryListener;
import io.steadfast.Endpoint;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@link SteadfastProperties} into a {@link SteadfastConfig}, reporting a rejected value as an
 * {@link InvalidSteadfastPropertyException} that names the property.
 */
final class SteadfastConfigFactory {

  private static final Logger log = LoggerFactory.getLogger(SteadfastConfigFactory.class);

  private SteadfastConfigFactory() {}

  /**
   * Builds the configuration without a spool, with transports discovered through {@link
   * TransportFactory} and filtered and ordered by {@code steadfast.routes}.
   */
  static SteadfastConfig create(SteadfastProperties properties, DeliveryListener listener, ClassLoader classLoader) {
    return create(properties, listener, classLoader, null);
  }

  /**
   * Builds the configuration; when {@code steadfast.spool.enabled} is set, opens the spool the
   * properties name ({@code opener} is present only when steadfast-spool is on the class path).
   *
   * <p>The caller owns the transports and the spool of the result: the client closes the spool, but
   * not transports it was given. If building fails, whatever was opened is closed again.
   */
  static SteadfastConfig create(SteadfastProperties properties, DeliveryListener listener, ClassLoader classLoader,
      @Nullable SpoolOpener opener) {
    SteadfastConfig base = base(properties, listener);
    SteadfastProperties.Spool spool = properties.getSpool();
    if (spool.isEnabled()) {
      // Checked against a stand-in first, so a bad limit fails before a directory is created or locked.
      try (Spool standIn = Spool.inMemory()) {
        spoolConfig(spool, standIn);
      }
    }
    List<Transport> transports = transports(properties.getRoutes(), base, classLoader);
    try {
      SteadfastConfig.Builder builder = base.toBuilder().transports(transports);
      if (spool.isEnabled()) {
        builder.spool(spoolConfig(spool, open(spool, opener)));
      }
      return builder.build();
    } catch (RuntimeException e) {
      closeAll(transports, e);
      throw e;
    }
  }

  /** Closes the transports of {@code config}, which a client does not close when it was given them. */
  static void closeTransports(SteadfastConfig config) {
    closeAll(config.transports(), null);
  }

  private static void closeAll(List<Transport> transports, @Nullable RuntimeException failure) {
    for (Transport transport : transports) {
      try {
        transport.close();
      } catch (RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          log.warn("Route '{}' failed to close cleanly", transport.route(), e);
        }
      }
    }
  }

  private static Spool open(SteadfastProperties.Spool spool, @Nullable SpoolOpener opener) {
    if (spool.getStore() == SteadfastProperties.Store.MEMORY) {
      log.warn("Steadfast spool is in memory (steadfast.spool.store=memory): submitted messages not yet delivered "
          + "are lost when the application stops. Use sqlite or postgresql outside tests.");
      return Spool.inMemory();
    }
    if (opener == null) {
      throw new InvalidSteadfastPropertyException("steadfast.spool.enabled", true,
          "the " + spool.getStore().name().toLowerCase(Locale.ROOT) + " spool needs io.steadfast:steadfast-spool, "
              + "which is not on the class path",
          "Add the dependency io.steadfast:steadfast-spool (same version as the starter), or set "
              + "steadfast.spool.enabled=false to send without a spool.", null);
    }
    return opener.open(spool);
  }

  private static SpoolConfig spoolConfig(SteadfastProperties.Spool spool, Spool store) {
    // An instance that does not dispatch only stores: another instance, or 'steadfast dispatch', delivers.
    SpoolConfig.Builder builder = SpoolConfig.builder(store).submitOnly(!spool.isDispatch());
    try {
      apply("steadfast.spool.workers", spool.getWorkers(), () -> builder.workers(spool.getWorkers()),
          "Set a number of concurrent deliveries of 1 or more.");
      apply("steadfast.spool.max-entries", spool.getMaxEntries(), () -> builder.maxEntries(spool.getMaxEntries()),
          "Set a number of messages of 1 or more.");
      apply("steadfast.spool.max-size", spool.getMaxSize(), () -> builder.maxBytes(spool.getMaxSize().toBytes()),
          "Set a positive size such as 512MB or 1GB.");
      apply("steadfast.spool.submit-timeout", spool.getSubmitTimeout(),
          () -> builder.submitTimeout(spool.getSubmitTimeout()), "Set a duration of 0s or more, such as 10s.");
      apply("steadfast.spool.deliver-within", spool.getDeliverWithin(),
          () -> builder.deliverWithin(spool.getDeliverWithin()), "Set a positive duration such as 72h.");
      apply("steadfast.spool.retention", spool.getRetention(), () -> builder.retention(spool.getRetention()),
          "Set a positive duration such as 7d.");
      apply("steadfast.spool.min-retry-delay", spool.getMinRetryDelay(),
          () -> builder.minRetryDelay(spool.getMinRetryDelay()), "Set a positive duration such as 5s.");
      apply("steadfast.spool.max-retry-delay", spool.getMaxRetryDelay(),
          () -> builder.maxRetryDelay(spool.getMaxRetryDelay()), "Set a positive duration such as 1h.");
      apply("steadfast.spool.lease", spool.getLease(), () -> builder.lease(spool.getLease()),
          "Set a positive duration such as 5m.");
      apply("steadfast.spool.attempt-timeout", spool.getAttemptTimeout(),
          () -> builder.attemptTimeout(spool.getAttemptTimeout()), "Set a positive duration such as 60s.");
      apply("steadfast.spool.poll-interval", spool.getPollInterval(),
          () -> builder.pollInterval(spool.getPollInterval()), "Set a positive duration such as 1s.");
      apply("steadfast.spool.close-timeout", spool.getCloseTimeout(),
          () -> builder.closeTimeout(spool.getCloseTimeout()), "Set a duration of 0s or more, such as 30s.");
      return build("steadfast.spool", spool.getLease() + " / " + spool.getAttemptTimeout(), builder::build,
          "Make steadfast.spool.lease longer than steadfast.spool.attempt-timeout, and "
              + "steadfast.spool.min-retry-delay no longer than steadfast.spool.max-retry-delay.");
    } catch (RuntimeException e) {
      try {
        store.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static SteadfastConfig base(SteadfastProperties properties, DeliveryListener listener) {
    String apiKey = properties.getApiKey();
    if (apiKey == null || apiKey.isBlank()) {
      throw new InvalidSteadfastPropertyException("steadfast.api-key", null, "the API key is blank",
          "Set steadfast.api-key to a SparkPost API key with the 'Transmissions: Read/Write' permission.", null);
    }
    SteadfastConfig.Builder builder = SteadfastConfig.builder().apiKey(apiKey).listener(listener);
    builder.endpoint(endpoint(properties));
    Long subaccount = properties.getSubaccount();
    if (subaccount != null) {
      apply("steadfast.subaccount", subaccount, () -> builder.subaccountId(subaccount),
          "Set steadfast.subaccount to the numeric id of a SparkPost subaccount, or remove it.");
    }
    apply("steadfast.connect-timeout", properties.getConnectTimeout(),
        () -> builder.connectTimeout(properties.getConnectTimeout()), "Set a positive duration such as 10s.");
    apply("steadfast.read-timeout", properties.getReadTimeout(),
        () -> builder.readTimeout(properties.getReadTimeout()), "Set a positive duration such as 60s.");
    apply("steadfast.write-timeout", properties.getWriteTimeout(),
        () -> builder.writeTimeout(properties.getWriteTimeout()), "Set a positive duration such as 60s.");
    apply("steadfast.call-timeout", properties.getCallTimeout(),
        () -> builder.callTimeout(properties.getCallTimeout()), "Set a positive duration such as 300s.");
    apply("steadfast.max-connections", properties.getMaxConnections(),
        () -> builder.maxConnections(properties.getMaxConnections()), "Set a number of 1 or more.");
    builder.retryPolicy(retryPolicy(properties.getRetry()));
    builder.circuitBreakerPolicy(circuitBreakerPolicy(properties.getCircuitBreaker()));
    builder.reconcilePolicy(reconcilePolicy(properties.getReconcile()));
    return build("steadfast.call-timeout", properties.getCallTimeout(), builder::build,
        "Set steadfast.call-timeout to at least steadfast.connect-timeout.");
  }

  private static Endpoint endpoint(SteadfastProperties properties) {
    URI baseUrl = properties.getBaseUrl();
    if (baseUrl == null) {
      return properties.getRegion() == SteadfastProperties.Region.EU ? Endpoint.EU : Endpoint.US;
    }
    return build("steadfast.base-url", baseUrl, () -> Endpoint.custom(baseUrl),
        "Set steadfast.base-url to an https URL such as https://api.sparkpost.com (plain http only for "
            + "localhost), or remove it and set steadfast.region to us or eu.");
  }

  private static RetryPolicy retryPolicy(SteadfastProperties.Retry retry) {
    RetryPolicy.Builder builder = RetryPolicy.builder();
    apply("steadfast.retry.max-attempts", retry.getMaxAttempts(), () -> builder.maxAttempts(retry.getMaxAttempts()),
        "Set a number of 1 or more (1 disables retries).");
    apply("steadfast.retry.min-backoff", retry.getMinBackoff(), () -> builder.minBackoff(retry.getMinBackoff()),
        "Set a positive duration such as 5s.");
    apply("steadfast.retry.initial-backoff", retry.getInitialBackoff(),
        () -> builder.initialBackoff(retry.getInitialBackoff()), "Set a positive duration such as 10s.");
    apply("steadfast.retry.max-backoff", retry.getMaxBackoff(), () -> builder.maxBackoff(retry.getMaxBackoff()),
        "Set a positive duration such as 30s.");
    apply("steadfast.retry.deadline", retry.getDeadline(), () -> builder.deadline(retry.getDeadline()),
        "Set a positive duration such as 60s.");
    apply("steadfast.retry.budget", retry.getBudget(), () -> builder.budgetCapacity(retry.getBudget()),
        "Set a number of tokens of 0 or more.");
    return build("steadfast.retry", retry.getMinBackoff() + ".." + retry.getMaxBackoff(), builder::build,
        "Make steadfast.retry.min-backoff <= steadfast.retry.initial-backoff <= steadfast.retry.max-backoff.");
  }

  /** Maps {@code steadfast.reconcile.*} onto a policy, one property at a time so a rejection names its own. */
  static ReconcilePolicy reconcilePolicy(SteadfastProperties.Reconcile reconcile) {
    ReconcilePolicy.Mode mode = reconcile.getPolicy();
    ReconcilePolicy policy = build("steadfast.reconcile.policy", mode,
        () -> ReconcilePolicy.DEFAULT.withMode(present(mode)),
        "Set steadfast.reconcile.policy to reconcile, resend or dead-letter.");
    Duration settle = reconcile.getSettleDelay();
    policy = with(policy, "steadfast.reconcile.settle-delay", settle, p -> p.withSettleDelay(present(settle)),
        "Set a duration of 0s or more, such as 90s.");
    Duration recheck = reconcile.getRecheckDelay();
    policy = with(policy, "steadfast.reconcile.recheck-delay", recheck, p -> p.withRecheckDelay(present(recheck)),
        "Set a duration of 0s or more, such as 90s.");
    Duration timeout = reconcile.getTimeout();
    return with(policy, "steadfast.reconcile.timeout", timeout, p -> p.withTimeout(present(timeout)),
        "Set a positive duration of at most 10d (SparkPost keeps events for 10 days), such as 30m.");
  }

  private static ReconcilePolicy with(ReconcilePolicy policy, String property, @Nullable Object value,
      UnaryOperator<ReconcilePolicy> change, String action) {
    return build(property, String.valueOf(value), () -> change.apply(policy), action);
  }

  /** Returns {@code value}, refusing a missing one (an empty property) as the core refuses a bad one. */
  private static <T> T present(@Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException("a value is required but none was set");
    }
    return value;
  }

  private static CircuitBreakerPolicy circuitBreakerPolicy(SteadfastProperties.CircuitBreaker breaker) {
    if (!breaker.isEnabled()) {
      return CircuitBreakerPolicy.DISABLED;
    }
    CircuitBreakerPolicy.Builder builder = CircuitBreakerPolicy.builder();
    apply("steadfast.circuit-breaker.failure-rate", breaker.getFailureRate(),
        () -> builder.failureRateThreshold(breaker.getFailureRate()), "Set a percentage above 0 and at most 100.");
    apply("steadfast.circuit-breaker.window", breaker.getWindow(),
        () -> builder.slidingWindowSize(breaker.getWindow()), "Set a number of attempts of 1 or more.");
    apply("steadfast.circuit-breaker.minimum-calls", breaker.getMinimumCalls(),
        () -> builder.minimumNumberOfCalls(breaker.getMinimumCalls()), "Set a number of attempts of 1 or more.");
    apply("steadfast.circuit-breaker.wait-in-open", breaker.getWaitInOpen(),
        () -> builder.waitInOpenState(breaker.getWaitInOpen()), "Set a positive duration such as 30s.");
    return build("steadfast.circuit-breaker", breaker.getWindow(), builder::build,
        "Check steadfast.circuit-breaker.* against each other (minimum-calls, window).");
  }

  private static List<Transport> transports(SteadfastProperties.Routes routes, SteadfastConfig base,
      ClassLoader classLoader) {
    Map<String, TransportFactory> available = new LinkedHashMap<>();
    for (TransportFactory factory : ServiceLoader.load(TransportFactory.class, classLoader)) {
      available.putIfAbsent(factory.kind(), factory);
    }
    List<Transport> transports = new ArrayList<>();
    for (String kind : routes.getOrder()) {
      String normalised = kind.trim().toLowerCase(Locale.ROOT);
      if (!normalised.equals("rest") && !normalised.equals("smtp")) {
        throw new InvalidSteadfastPropertyException("steadfast.routes.order", routes.getOrder(),
            "unknown route kind '" + kind + "'", "List route kinds from: rest, smtp (for example rest,smtp).", null);
      }
      SteadfastProperties.Route route = normalised.equals("rest") ? routes.getRest() : routes.getSmtp();
      TransportFactory factory = available.get(normalised);
      if (route.isEnabled() && factory != null
          && transports.stream().noneMatch(t -> t.route().startsWith(normalised + "-"))) {
        transports.add(factory.create(base));
      }
    }
    if (transports.isEmpty()) {
      throw new InvalidSteadfastPropertyException("steadfast.routes", routes.getOrder(),
          "no enabled route has its transport on the classpath (found: " + available.keySet() + ")",
          "Add the dependency io.steadfast:steadfast-http (REST) or io.steadfast:steadfast-smtp, and set "
              + "steadfast.routes.rest.enabled or steadfast.routes.smtp.enabled to true.", null);
    }
    return transports;
  }

  private static void apply(String property, Object value, Runnable setter, String action) {
    build(property, value, () -> {
      setter.run();
      return value;
    }, action);
  }

  private static <T> T build(String property, Object value, Supplier<T> builder, String action) {
    try {
      return builder.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidSteadfastPropertyException(property, value, String.valueOf(e.getMessage()), action, e);
    }
  }
}
