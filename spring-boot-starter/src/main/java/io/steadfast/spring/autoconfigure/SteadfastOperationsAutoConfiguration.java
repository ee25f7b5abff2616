package io.steadfast.spring.autoconfigure;

import io.steadfast.internal.console.OperatorConsole;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lets operators see and act on the starter's spool: the {@code steadfast} actuator endpoint (when
 * actuator is present and the endpoint is available, which on the web means exposed) and, with
 * {@code steadfast.dashboard.enabled=true} in a Spring MVC application, the dashboard under
 * {@code steadfast.dashboard.path}. Both read and act through the same code, so they show the same data.
 * With an {@code ObservationRegistry} (Boot's actuator), submits, delivery attempts and reconciliations
 * are observed too ({@link SteadfastObservations}).
 */
@AutoConfiguration(after = SteadfastAutoConfiguration.class,
    afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBean(SteadfastState.class)
@EnableConfigurationProperties(SteadfastDashboardProperties.class)
public final class SteadfastOperationsAutoConfiguration {

  /** Creates the auto-configuration; Spring calls this. */
  SteadfastOperationsAutoConfiguration() {}

  @Bean
  @ConditionalOnMissingBean
  OperatorConsole steadfastConsole(SteadfastState state, ObjectProvider<SteadfastHistory> history) {
    return new OperatorConsole(state, history.getIfAvailable());
  }

  /** The {@code steadfast} actuator endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
  static class EndpointConfiguration {

    // Nested once more: the condition's own class is optional, so it is read only after the check above.
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(SteadfastEndpoint.class)
    static class AvailableEndpointConfiguration {

      @Bean
      @ConditionalOnMissingBean
      SteadfastEndpoint steadfastEndpoint(OperatorConsole console) {
        return new SteadfastEndpoint(console);
      }
    }
  }

  /** Observations (spans, with tracing) around submit, each delivery attempt and reconciliation. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
  @ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
  static class ObservationConfiguration {

    @Bean
    SteadfastObservations steadfastObservations(ObjectProvider<io.micrometer.observation.ObservationRegistry> registry) {
      return new SteadfastObservations(registry.getObject());
    }

    // The client takes the observer after the context is built: the observer is one of its listeners,
    // so the client cannot be given it at construction without a cycle.
    @Bean
    SmartInitializingSingleton steadfastSubmitObservation(ManagedEmailClient client, SteadfastObservations observations) {
      return () -> client.submitObserver(observations);
    }
  }

  /** The dashboard: its page, its JSON API and the last hour's samples for its chart. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "steadfast.dashboard", name = "enabled", havingValue = "true")
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
  static class DashboardConfiguration {

    @Bean
    SteadfastHistory steadfastHistory(SteadfastState state, SteadfastDashboardProperties properties) {
      return new SteadfastHistory(state, properties.getSampleInterval());
    }

    @Bean
    SteadfastDashboardController steadfastDashboardController(OperatorConsole console,
        SteadfastDashboardProperties properties) {
      return new SteadfastDashboardController(console, properties.getPath());
    }
  }
}
