package io.steadfast.http;

import io.steadfast.SteadfastConfig;
import io.steadfast.http.internal.OkHttpRestTransport;
import io.steadfast.spi.Transport;
import java.util.Objects;

/**
 * Creates transports that deliver messages through SparkPost's Transmissions REST API
 * ({@code POST /api/v1/transmissions}).
 *
 * <p>Most applications never call this class: with steadfast-http on the class path,
 * {@link io.steadfast.EmailClient#create} discovers the transport by itself. Call
 * {@link #create(SteadfastConfig)} to pass the transport explicitly, for example to
 * {@link SteadfastConfig.Builder#transports}.
 *
 * <pre>{@code
 * Transport rest = RestTransport.create(config);
 * }</pre>
 */
public final class RestTransport {

  /** The transport kind this module registers with {@link io.steadfast.spi.TransportFactory}. */
  public static final String KIND = "rest";

  private RestTransport() {}

  /**
   * Returns a transport that sends to {@code config}'s endpoint with its API key, timeouts and
   * connection limit. Its route is named {@code rest-} plus the endpoint's name, e.g.
   * {@code rest-eu}.
   *
   * <p>The transport makes exactly one attempt per call: OkHttp's silent retries and redirects are
   * off, so every retry is Steadfast's and carries the idempotency key. It holds a connection pool and
   * threads; {@link Transport#close() close} it when done.
   *
   * @param config the API key, endpoint, subaccount, timeouts, connection limit and clock to use
   * @return a new transport, thread-safe, that must be closed
   * @throws IllegalStateException if {@code config} has no API key
   */
  public static Transport create(SteadfastConfig config) {
    Objects.requireNonNull(config, "config");
    return new OkHttpRestTransport(config);
  }
}
