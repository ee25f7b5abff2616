package io.steadfast.http.internal;

import io.steadfast.SteadfastConfig;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.MessageEventsFactory;
import java.util.Objects;
import java.util.Optional;

/**
 * Registers the Events API search with {@link java.util.ServiceLoader}, so that core can reconcile
 * unknown outcomes whichever route sent the message.
 */
public final class EventsClientFactory implements MessageEventsFactory {

  /** Called by {@link java.util.ServiceLoader}. */
  public EventsClientFactory() {}

  /**
   * Returns a search over {@code config}'s endpoint with its API key, subaccount and timeouts, with its
   * own retry budget; empty if {@code config} has no API key. The search must be closed.
   */
  @Override
  public Optional<MessageEvents> create(SteadfastConfig config) {
    Objects.requireNonNull(config, "config");
    if (config.apiKey().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new EventsClient(config));
  }
}
