package io.steadfast.spi;

import io.steadfast.SteadfastConfig;

/**
 * Creates a transport from a configuration; found with {@link java.util.ServiceLoader}, so adding a
 * transport module to the class path is enough to use it.
 */
public interface TransportFactory {

  /** Returns the transport kind, e.g. {@code rest} or {@code smtp}. */
  String kind();

  /**
   * Creates a transport for {@code config}.
   *
   * @throws IllegalStateException if {@code config} lacks a setting this transport needs
   */
  Transport create(SteadfastConfig config);
}
