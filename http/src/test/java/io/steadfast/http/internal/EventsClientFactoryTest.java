package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.MessageEventsFactory;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** How core obtains the Events search: through {@link ServiceLoader}, and only with an API key. */
class EventsClientFactoryTest {

  @Test
  void serviceLoaderFindsTheEventsSearchFactory() {
    assertThat(ServiceLoader.load(MessageEventsFactory.class).stream().map(ServiceLoader.Provider::type))
        .contains(EventsClientFactory.class);
  }

  @Test
  void createsNothingWithoutApiKey() {
    SteadfastConfig smtpOnly = SteadfastConfig.builder().transports(List.of(new SmtpOnlyTransport())).build();

    Optional<MessageEvents> events = new EventsClientFactory().create(smtpOnly);

    assertThat(events).isEmpty();
  }

  @Test
  void createsSearchOnTheConfiguredEndpointWithApiKey() {
    SteadfastConfig config = SteadfastConfig.builder().apiKey("test-api-key-0123456789").endpoint(Endpoint.EU).build();

    try (MessageEvents events = new EventsClientFactory().create(config).orElseThrow()) {
      assertThat(events).isInstanceOf(EventsClient.class);
      assertThat(events.toString())
          .contains("events-eu", "https://api.eu.sparkpost.com/api/v1/events/message")
          .doesNotContain("test-api-key");
    }
  }

  /** A configuration's own transport, so that it may be built without an API key. */
  private static final class SmtpOnlyTransport implements Transport {
    @Override
    public String route() {
      return "smtp-test";
    }

    @Override
    public Outcome deliver(Delivery delivery) {
      return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, Failure.of("not used", null), null);
    }

    @Override
    public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
      return CompletableFuture.completedFuture(deliver(delivery));
    }

    @Override
    public void close() {}
  }
}
