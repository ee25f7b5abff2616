package io.steadfast.spi;

import io.steadfast.SteadfastConfig;
import java.util.Optional;

/**
 * Creates a {@link MessageEvents} search from a configuration; found with
 * {@link java.util.ServiceLoader}, so the REST module on the class path is enough to reconcile unknown
 * outcomes, whichever route sent the message.
 */
public interface MessageEventsFactory {

  /**
   * Returns a search over SparkPost's Events API for {@code config}'s key, endpoint, region and
   * subaccount, or empty if {@code config} has no API key.
   */
  Optional<MessageEvents> create(SteadfastConfig config);
}
