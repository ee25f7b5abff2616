package io.steadfast.smtp;

import io.steadfast.ApiKey;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Transport;
import io.steadfast.spi.TransportFactory;
import java.util.Objects;

/**
 * Creates the {@code smtp} route from a {@link SteadfastConfig}; registered for {@link
 * java.util.ServiceLoader}, so putting steadfast-smtp on the class path is enough to use it.
 *
 * <p>The transport sends to the configured endpoint's SMTP host ({@code smtp.sparkpostmail.com} or
 * {@code smtp.eu.sparkpostmail.com}; a custom endpoint's host) on port 587, as the configured
 * subaccount if one is set, with the configuration's API key, connect, read, write and call
 * timeouts and connection limit. The route is named {@code smtp-us}, {@code smtp-eu} or {@code smtp-custom}. For
 * other settings (port 2525, a trust store) build an {@link SmtpTransport} and pass it to the
 * configuration's transports.
 */
public final class SmtpTransportFactory implements TransportFactory {

  /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
  public SmtpTransportFactory() {}

  /** Returns {@code smtp}. */
  @Override
  public String kind() {
    return "smtp";
  }

  /**
   * Creates an SMTP transport for {@code config}.
   *
   * @throws IllegalStateException if {@code config} has no API key
   */
  @Override
  public Transport create(SteadfastConfig config) {
    Objects.requireNonNull(config, "config");
    ApiKey apiKey = config.apiKey().orElseThrow(() -> new IllegalStateException(
        "the smtp transport needs an API key with the 'Send via SMTP' permission; set SteadfastConfig.apiKey"));
    SmtpTransport.Builder builder = SmtpTransport.builder()
        .endpoint(config.endpoint())
        .apiKey(apiKey)
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.readTimeout())
        .writeTimeout(config.writeTimeout())
        .callTimeout(config.callTimeout())
        .maxConnections(config.maxConnections())
        .clock(config.clock());
    config.subaccountId().ifPresent(builder::subaccountId);
    return builder.build();
  }

  @Override
  public String toString() {
    return "SmtpTransportFactory[smtp]";
  }
}
