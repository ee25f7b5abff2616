package io.steadfast.smtp.internal;

import io.steadfast.ApiKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Everything the SMTP transport needs, validated by {@code SmtpTransport.Builder}.
 *
 * @param route the route name, e.g. {@code smtp-us}
 * @param host the SMTP host
 * @param port the SMTP port
 * @param apiKey the password; {@link ApiKey} never prints it
 * @param subaccountId the subaccount to send as, or {@code null}
 * @param tls the TLS socket factory that verifies the server (JVM trust or the configured store)
 * @param connectTimeout how long to wait for the TCP connection
 * @param readTimeout how long to wait for each reply, including the TLS handshake
 * @param writeTimeout how long one write may block
 * @param callTimeout the deadline of one whole attempt: waiting for a pooled connection, connecting,
 *     the dialogue, the content and the reply to the final dot
 * @param maxConnections the most connections open at once
 * @param maxMessagesPerConnection how many transactions a connection carries before it is closed
 * @param maxConnectionAge how long a connection is used before it is closed
 * @param maxIdle how long a connection may sit idle in the pool before it is closed
 * @param clock the clock that ages connections
 */
public record SmtpSettings(
    String route,
    String host,
    int port,
    ApiKey apiKey,
    @Nullable Long subaccountId,
    SSLSocketFactory tls,
    Duration connectTimeout,
    Duration readTimeout,
    Duration writeTimeout,
    Duration callTimeout,
    int maxConnections,
    int maxMessagesPerConnection,
    Duration maxConnectionAge,
    Duration maxIdle,
    Clock clock) {

  /** The user name SparkPost's SMTP injection requires. */
  public static final String USERNAME = "SMTP_Injection";

  /** Checks the parts are present. */
  public SmtpSettings {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(writeTimeout, "writeTimeout");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(maxConnectionAge, "maxConnectionAge");
    Objects.requireNonNull(maxIdle, "maxIdle");
    Objects.requireNonNull(clock, "clock");
  }

  /** Returns the SMTP user: {@code SMTP_Injection}, or {@code SMTP_Injection:X-MSYS-SUBACCOUNT=123}. */
  public String username() {
    return subaccountId == null ? USERNAME : USERNAME + ":X-MSYS-SUBACCOUNT=" + subaccountId;
  }

  /** Returns {@code host:port}, as failures name the server. */
  public String server() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** Returns the settings without the key (which {@link ApiKey} redacts anyway). */
  @Override
  public String toString() {
    return "SmtpSettings[route=" + route + ", server=" + server() + ", user=" + username()
        + ", apiKey=" + apiKey + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
        + ", writeTimeout=" + writeTimeout + ", callTimeout=" + callTimeout + ", maxConnections=" + maxConnections
        + ", maxMessagesPerConnection=" + maxMessagesPerConnection + ", maxConnectionAge=" + maxConnectionAge
        + ", maxIdle=" + maxIdle + "]";
  }
}
