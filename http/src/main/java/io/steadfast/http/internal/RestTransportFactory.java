package io.steadfast.http.internal;

import io.steadfast.SteadfastConfig;
import io.steadfast.http.RestTransport;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;

/** Registers the REST transport with {@link java.util.ServiceLoader} (kind {@code rest}). */
public final class RestTransportFactory implements TransportFactory {

  /** Called by {@link java.util.ServiceLoader}. */
  public RestTransportFactory() {}

  @Override
  public String kind() {
    return RestTransport.KIND;
  }

  @Override
  public Transport create(SteadfastConfig config) {
    return RestTransport.create(config);
  }
}
