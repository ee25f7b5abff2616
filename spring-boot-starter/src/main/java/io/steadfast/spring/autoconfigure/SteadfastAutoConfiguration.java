package io.steadfast.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.SteadfastConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Creates a Steadfast {@link EmailClient} from {@code steadfast.*} properties, with a {@code steadfast}
 * health contributor and Micrometer metrics when those libraries are present.
 *
 * <p>Active only when {@code steadfast.api-key} is set, and backs off entirely when the application
 * defines its own {@code EmailClient}. Every {@link DeliveryListener} bean is told about the client's
 * events, after the starter's own state tracking and metrics.
 *
 * <p>With {@code steadfast.spool.enabled}, {@code submit()} stores messages in the spool that
 * {@code steadfast.spool.store} names (SQLite by default, or PostgreSQL in the application's
 * {@code DataSource}; both need steadfast-spool) and a dispatcher delivers them. The client, and so the dispatcher, starts with the context and is closed
 * when the context stops, after the web server's graceful shutdown: in-flight deliveries finish (up
 * to {@code steadfast.spool.close-timeout}) and the rest stays spooled for the next start.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(EmailClient.class)
@ConditionalOnProperty(prefix = "steadfast", name = "api-key")
@ConditionalOnMissingBean(EmailClient.class)
@EnableConfigurationProperties(SteadfastProperties.class)
public final class SteadfastAutoConfiguration {

  /** Creates the auto-configuration; Spring calls this. */
  SteadfastAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  SteadfastState steadfastState() {
    return new SteadfastState(Clock.systemUTC());
  }

  @Bean
  ManagedEmailClient steadfastEmailClient(SteadfastProperties properties, SteadfastState state,
      ObjectProvider<DeliveryListener> listeners, ObjectProvider<SpoolOpener> spoolOpener) {
    List<DeliveryListener> all = new ArrayList<>();
    all.add(state);
    listeners.orderedStream().filter(listener -> listener != state).forEach(all::add);
    DeliveryListener composite = new CompositeDeliveryListener(all);
    SpoolOpener opener = spoolOpener.getIfAvailable();
    Supplier<SteadfastConfig> configs = () -> SteadfastConfigFactory.create(properties, composite,
        SteadfastAutoConfiguration.class.getClassLoader(), opener);
    CircuitState initial = properties.getCircuitBreaker().isEnabled() ? CircuitState.CLOSED : CircuitState.DISABLED;
    Runnable bindMetrics = () -> all.stream().filter(SteadfastMetrics.class::isInstance)
        .map(SteadfastMetrics.class::cast).forEach(SteadfastMetrics::bindRoutes);
    return new ManagedEmailClient(configs, state, initial, bindMetrics);
  }

  /**
   * Opens the spool {@code steadfast.spool.store} names when steadfast-spool is on the class path:
   * SQLite in a directory, or PostgreSQL in the application's {@code DataSource}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.steadfast.spool.SqliteSpool")
  static class SpoolConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SpoolOpener steadfastSpoolOpener(ObjectProvider<DataSource> dataSources) {
      SpoolOpener sqlite = new SqliteSpoolOpener();
      // PostgresSpoolOpener (and with it PostgresSpool and the driver) is loaded only when chosen.
      return properties -> properties.getStore() == SteadfastProperties.Store.POSTGRESQL
          ? new PostgresSpoolOpener(dataSources).open(properties)
          : sqlite.open(properties);
    }
  }

  /** Reports the client's state as the {@code steadfast} health contributor. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class HealthConfiguration {

    // Nested once more: the enabled-indicator condition's own class lives in spring-boot-health, so it
    // must only be read after the class condition above has passed.
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("steadfast")
    static class EnabledHealthConfiguration {

      @Bean
      @ConditionalOnMissingBean(name = "steadfastHealthIndicator")
      SteadfastHealthIndicator steadfastHealthIndicator(SteadfastState state, SteadfastProperties properties) {
        return new SteadfastHealthIndicator(state, properties.getHealth());
      }
    }
  }

  /** Records the client's events as Micrometer meters. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
  static class MetricsConfiguration {

    @Bean
    SteadfastMetrics steadfastMetrics(MeterRegistry registry, SteadfastState state) {
      return new SteadfastMetrics(registry, state);
    }
  }
}
