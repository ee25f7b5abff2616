package io.steadfast.smtp;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import io.steadfast.smtp.internal.AttemptControl;
import io.steadfast.smtp.internal.SmtpDeliverer;
import io.steadfast.smtp.internal.SmtpSettings;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Delivers messages through SparkPost's SMTP injection endpoint, with STARTTLS required, over a
 * bounded pool of reused connections.
 *
 * <pre>{@code
 * Transport smtp = SmtpTransport.builder()
 *     .endpoint(Endpoint.EU)
 *     .apiKey(ApiKey.of(System.getenv("SPARKPOST_API_KEY")))
 *     .build();
 * }</pre>
 *
 * <p><b>Security.</b> The transport connects, requires {@code STARTTLS} and verifies the server's
 * certificate and host name against the JVM trust store (or {@link Builder#trustStore}) before it
 * logs in with {@code AUTH LOGIN}, user {@code SMTP_Injection} and the API key as password. A server
 * that offers no STARTTLS never sees the key: the attempt ends as {@link Outcome.Rejected} with
 * reason {@link Outcome.Rejected.Reason#AUTHENTICATION AUTHENTICATION}, because the route, not the
 * message, is unusable. Jakarta Mail's debug output stays off, and the key never appears in logs,
 * failures or {@code toString()}.
 *
 * <p><b>Outcomes.</b> Each call makes exactly one attempt and never retries. A 4xx reply at any step
 * is {@link Outcome.NotSent}; a 5xx reply is {@link Outcome.Rejected} (a 5xx to AUTH, such as 535,
 * with reason AUTHENTICATION), carrying the reply code as {@link Failure#statusCode()} and the
 * enhanced status code (e.g. {@code 5.7.1}) as {@link Failure#providerCode()}; a connection failure
 * or timeout before the end of DATA is NotSent; a timeout or dropped connection while waiting for the
 * reply to the final {@code .} is {@link Outcome.Unknown}, since SparkPost may have accepted the
 * message.
 *
 * <p><b>Deadline and reply limits.</b> The read timeout is per read, so each attempt also has a
 * deadline, {@link Builder#callTimeout}, from asking for a pooled connection to the reply to the final
 * {@code .}; when it passes the connection is closed and the attempt ends as above (NotSent before the
 * final {@code .}, Unknown after it). One reply may have at most 64 KiB and 100 lines (SparkPost's
 * longest, to EHLO, has about ten); a server that sends more, such as one that never ends its
 * {@code 220-} greeting, is disconnected and the attempt is NotSent (Unknown if it was the reply to
 * the final {@code .}). An accepted message's transmission id is the queue id in the server's {@code 250} reply,
 * or else its {@code Message-ID}. Features SMTP cannot carry (stored templates, recipient lists,
 * substitution data, scheduled sending, description, per-recipient tags or metadata) are rejected
 * without connecting.
 *
 * <p><b>What is sent.</b> The {@code Message-ID} is {@code <key@sender-domain>}, derived from the
 * idempotency key, and an {@code Idempotency-Key} header carries the key; the {@code X-MSYS-API}
 * header carries the campaign id, the metadata (with the key as {@code steadfast_idempotency_key}),
 * the tags and the options. Cc and Bcc recipients are SMTP envelope recipients; Bcc recipients
 * appear in no header.
 *
 * <p>Thread-safe. {@link #close()} releases the connections and threads.
 */
public final class SmtpTransport implements Transport {

  /** The default port, 587 (SMTP submission with STARTTLS). */
  public static final int DEFAULT_PORT = 587;
  /** SparkPost's alternative port, 2525, for networks that block 587. */
  public static final int ALTERNATE_PORT = 2525;
  /** The default {@link Builder#connectTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** The default {@link Builder#readTimeout}: 60 seconds, SparkPost's minimum per-command timeout. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
  /** The default {@link Builder#writeTimeout}: 60 seconds. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  /** The default {@link Builder#callTimeout}: 300 seconds, as for {@code SteadfastConfig.callTimeout}. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(300);
  /** The default {@link Builder#maxConnections}: 10. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10;
  /** The default {@link Builder#maxMessagesPerConnection}: 100, as SparkPost recommends. */
  public static final int DEFAULT_MAX_MESSAGES_PER_CONNECTION = 100;
  /** The default {@link Builder#maxConnectionAge}: 15 minutes. */
  public static final Duration DEFAULT_MAX_CONNECTION_AGE = Duration.ofMinutes(15);
  /** The default {@link Builder#maxIdle}: 50 seconds, inside SparkPost's one-minute idle limit. */
  public static final Duration DEFAULT_MAX_IDLE = Duration.ofSeconds(50);

  private final SmtpSettings settings;
  private final SmtpDeliverer deliverer;
  private final ThreadPoolExecutor executor;
  /** Angus's write timeouts and the attempts' deadlines. */
  private final ScheduledThreadPoolExecutor timers;
  private final Set<AttemptControl> inFlight = ConcurrentHashMap.newKeySet();
  private final Set<CompletableFuture<Outcome>> pending = ConcurrentHashMap.newKeySet();

  private SmtpTransport(SmtpSettings settings) {
    this.settings = settings;
    String name = threadName(settings.route());
    this.timers = new ScheduledThreadPoolExecutor(1, threads(name + "-timer"));
    timers.setRemoveOnCancelPolicy(true);
    this.executor = new ThreadPoolExecutor(settings.maxConnections(), settings.maxConnections(), 60,
        TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads(name));
    executor.allowCoreThreadTimeOut(true);
    this.deliverer = new SmtpDeliverer(settings, timers);
  }

  /**
   * Returns a builder with every default set; {@link Builder#apiKey} and a host are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the route name, {@code smtp-us}, {@code smtp-eu} or {@code smtp-custom} unless set. */
  @Override
  public String route() {
    return settings.route();
  }

  /**
   * Makes one attempt to deliver {@code delivery} and blocks until it ends: at most the {@linkplain
   * Builder#callTimeout call timeout}, waiting for a busy pool included (and a DNS lookup, which only
   * the resolver's own timeouts bound).
   *
   * @return the outcome; failures are outcomes, never exceptions
   */
  @Override
  public Outcome deliver(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    AttemptControl control = new AttemptControl();
    inFlight.add(control);
    try {
      return deliverer.deliver(delivery, control);
    } finally {
      inFlight.remove(control);
    }
  }

  /**
   * Makes one attempt to deliver {@code delivery} on the transport's own threads (named {@code
   * steadfast-smtp-...}).
   *
   * <p>The future completes with the outcome, never exceptionally. Cancelling it interrupts an attempt
   * that waits for a connection and closes the connection of one in progress; the caller then cannot
   * know whether the message was sent (it may have been, if the cancel came after the final {@code
   * .}), so a cancelled attempt must be treated as UNKNOWN.
   */
  @Override
  public CompletableFuture<Outcome> deliverAsync(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    AttemptControl control = new AttemptControl();
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    Runnable attempt = () -> {
      if (result.isDone()) {
        return; // cancelled before it started
      }
      inFlight.add(control);
      try {
        result.complete(deliverer.deliver(delivery, control));
      } catch (Throwable t) {
        result.complete(new Outcome.Unknown(Failure.of("unexpected failure in the SMTP transport: " + t, t)));
        if (t instanceof Error error) {
          throw error;
        }
      } finally {
        inFlight.remove(control);
      }
    };
    pending.add(result);
    Future<?> task;
    try {
      task = executor.submit(attempt);
    } catch (RejectedExecutionException e) {
      pending.remove(result);
      result.complete(closedOutcome());
      return result;
    }
    result.whenComplete((outcome, error) -> {
      pending.remove(result);
      if (result.isCancelled()) {
        control.abort();
        task.cancel(true);
      }
    });
    return result;
  }

  /**
   * Stops the transport: new attempts end as NotSent, attempts in progress are aborted (those past
   * the final {@code .} end as UNKNOWN), and connections and threads are released. Waits up to five
   * seconds for the transport's threads.
   */
  @Override
  public void close() {
    executor.shutdown();
    deliverer.close();
    for (AttemptControl control : List.copyOf(inFlight)) {
      control.abort();
    }
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      timers.shutdownNow();
      for (CompletableFuture<Outcome> never : List.copyOf(pending)) {
        never.complete(closedOutcome()); // queued attempts that shutdownNow() dropped
      }
    }
  }

  /** Returns the route, server and user; never the API key. */
  @Override
  public String toString() {
    return "SmtpTransport[route=" + settings.route() + ", server=" + settings.server() + ", user="
        + settings.username() + ", apiKey=" + settings.apiKey() + "]";
  }

  private Outcome closedOutcome() {
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE,
        Failure.of("the SMTP transport for route '" + settings.route() + "' is closed", null), null);
  }

  private static String threadName(String route) {
    String suffix = route.startsWith("smtp-") ? route.substring("smtp-".length()) : route;
    return "steadfast-smtp-" + suffix;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Builds an {@link SmtpTransport}. Not thread-safe.
   *
   * <p>Every setting is checked when it is set, with an {@link IllegalArgumentException} that names
   * the setting and the value; {@link #build()} checks that the required ones are present.
   */
  public static final class Builder {
    private @Nullable String host;
    private @Nullable String endpointName;
    private int port = DEFAULT_PORT;
    private @Nullable ApiKey apiKey;
    private @Nullable Long subaccountId;
    private @Nullable KeyStore trustStore;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxMessagesPerConnection = DEFAULT_MAX_MESSAGES_PER_CONNECTION;
    private Duration maxConnectionAge = DEFAULT_MAX_CONNECTION_AGE;
    private Duration maxIdle = DEFAULT_MAX_IDLE;
    private @Nullable String route;
    private Clock clock = Clock.systemUTC();

    Builder() {}

    /**
     * Sends to the SMTP host of {@code endpoint} ({@code smtp.sparkpostmail.com} for {@link
     * Endpoint#US}, {@code smtp.eu.sparkpostmail.com} for {@link Endpoint#EU}, the REST URL's host for
     * a custom endpoint) and names the route after it ({@code smtp-us}, {@code smtp-eu}, {@code
     * smtp-custom}) unless {@link #route} is set. Replaces an earlier {@link #host}.
     *
     * @param endpoint the SparkPost region or custom endpoint
     * @return this builder
     */
    public Builder endpoint(Endpoint endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      this.host = endpoint.smtpHost();
      this.endpointName = endpoint.name();
      return this;
    }

    /**
     * Sends to {@code host}, e.g. an Enterprise account's own SMTP host; the route is {@code
     * smtp-custom} unless {@link #route} is set. Replaces an earlier {@link #endpoint}.
     *
     * @param host the SMTP host name or address
     * @return this builder
     * @throws IllegalArgumentException if the host is blank or contains whitespace or control characters
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        throw new IllegalArgumentException("host must be a host name or address but was '" + printable(host) + "'");
      }
      this.host = host;
      this.endpointName = "custom";
      return this;
    }

    /**
     * Sets the port. If not set, defaults to 587; SparkPost also listens on 2525 where 587 is blocked.
     *
     * @param port the SMTP port, normally 587 or 2525
     * @return this builder
     * @throws IllegalArgumentException if the port is not 1 to 65535, or is 465, which is SMTPS with
     *     implicit TLS rather than STARTTLS and which SparkPost does not offer
     */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1 to 65535 but was " + port);
      }
      if (port == 465) {
        throw new IllegalArgumentException(
            "port must not be 465 (implicit TLS); SparkPost offers STARTTLS on 587 and 2525, but was 465");
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the API key used as the SMTP password; it needs SparkPost's "Send via SMTP" permission.
     * Required.
     *
     * @param apiKey a key with the "Send via SMTP" permission
     * @return this builder
     */
    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    /**
     * Sends as the subaccount {@code subaccountId}: the user becomes {@code
     * SMTP_Injection:X-MSYS-SUBACCOUNT=<id>}, with the primary account's key as password.
     *
     * @param subaccountId the numeric subaccount id
     * @return this builder
     * @throws IllegalArgumentException if the id is not positive
     */
    public Builder subaccountId(long subaccountId) {
      if (subaccountId < 1) {
        throw new IllegalArgumentException("subaccountId must be >= 1 but was " + subaccountId);
      }
      this.subaccountId = subaccountId;
      return this;
    }

    /**
     * Trusts the certificates in {@code trustStore} instead of the JVM's default trust store, for a
     * private certificate authority or a test server. Host names are still checked; there is no way
     * to trust every certificate. If not set, the JVM's default trust store is used.
     *
     * @param trustStore a loaded key store holding the certificates to trust
     * @return this builder
     * @throws IllegalArgumentException if the store is not loaded, holds no certificate or cannot
     *     initialise a trust manager
     */
    public Builder trustStore(KeyStore trustStore) {
      Objects.requireNonNull(trustStore, "trustStore");
      tlsFactory(trustStore); // fail now, not at the first send
      this.trustStore = trustStore;
      return this;
    }

    /**
     * Sets how long to wait for the TCP connection. If not set, defaults to 10 seconds.
     *
     * @param connectTimeout the connect timeout
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive or longer than {@code Integer.MAX_VALUE} ms
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = timeout("connectTimeout", connectTimeout);
      return this;
    }

    /**
     * Sets how long to wait for each reply from the server (and the TLS handshake). If not set,
     * defaults to 60 seconds, SparkPost's recommended minimum per command.
     *
     * @param readTimeout the read timeout
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive or longer than {@code Integer.MAX_VALUE} ms
     */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = timeout("readTimeout", readTimeout);
      return this;
    }

    /**
     * Sets how long one write to the server may block before the connection is closed. If not set,
     * defaults to 60 seconds.
     *
     * @param writeTimeout the write timeout
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive or longer than {@code Integer.MAX_VALUE} ms
     */
    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = timeout("writeTimeout", writeTimeout);
      return this;
    }

    /**
     * Sets the deadline of one whole attempt: waiting for a pooled connection, connecting, the
     * dialogue, the content and the reply to the final {@code .}. When it passes, the connection is
     * closed and the attempt ends as NotSent, or as Unknown if the final {@code .} was already sent.
     * If not set, defaults to 300 seconds.
     *
     * <p>The read and write timeouts apply to each read and write; this one bounds them all together,
     * so a server that answers slowly but never finishes cannot hold a caller longer.
     *
     * @param callTimeout the longest one attempt may take
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive or is shorter than 1 ms
     */
    public Builder callTimeout(Duration callTimeout) {
      positive("callTimeout", callTimeout);
      if (callTimeout.toMillis() < 1) {
        throw new IllegalArgumentException("callTimeout must be at least 1 ms but was " + callTimeout);
      }
      this.callTimeout = callTimeout;
      return this;
    }

    /**
     * Sets the most connections open at once, and so the most messages in flight. If not set,
     * defaults to 10.
     *
     * @param maxConnections the most connections at once
     * @return this builder
     * @throws IllegalArgumentException if the value is less than 1
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be >= 1 but was " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * Sets how many messages a connection carries before it is closed and a new one opened. If not
     * set, defaults to 100, as SparkPost recommends.
     *
     * @param maxMessagesPerConnection the most messages per connection
     * @return this builder
     * @throws IllegalArgumentException if the value is less than 1
     */
    public Builder maxMessagesPerConnection(int maxMessagesPerConnection) {
      if (maxMessagesPerConnection < 1) {
        throw new IllegalArgumentException(
            "maxMessagesPerConnection must be >= 1 but was " + maxMessagesPerConnection);
      }
      this.maxMessagesPerConnection = maxMessagesPerConnection;
      return this;
    }

    /**
     * Sets how long a connection is used before it is closed (so DNS is resolved again now and then).
     * If not set, defaults to 15 minutes.
     *
     * @param maxConnectionAge the longest a connection is used
     * @return this builder
     * @throws IllegalArgumentException if the duration is not positive
     */
    public Builder maxConnectionAge(Duration maxConnectionAge) {
      this.maxConnectionAge = positive("maxConnectionAge", maxConnectionAge);
      return this;
    }

    /**
     * Sets how long a connection may wait idle in the pool; older idle connections are closed instead
     * of used. If not set, defaults to 50 seconds, because SparkPost closes connections idle for one
     * minute.
     *
     * @param maxIdle the longest a connection waits idle
     * @return this builder
     * @throws IllegalArgumentException if the duration is not positive
     */
    public Builder maxIdle(Duration maxIdle) {
      this.maxIdle = positive("maxIdle", maxIdle);
      return this;
    }

    /**
     * Sets the route name used in logs, metrics and exceptions. If not set, defaults to {@code smtp-}
     * followed by the endpoint's name ({@code smtp-us}, {@code smtp-eu}, {@code smtp-custom}).
     *
     * @param route the route name
     * @return this builder
     * @throws IllegalArgumentException if the name is blank or contains whitespace or control characters
     */
    public Builder route(String route) {
      Objects.requireNonNull(route, "route");
      if (route.isBlank() || route.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        throw new IllegalArgumentException("route must be a name such as smtp-us but was '" + printable(route) + "'");
      }
      this.route = route;
      return this;
    }

    /**
     * Sets the clock that ages pooled connections, so tests can move time instead of waiting. If not
     * set, defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Returns the transport.
     *
     * @return a new transport, which owns threads and connections until {@link SmtpTransport#close()}
     * @throws IllegalStateException if the API key or the host (or endpoint) is missing
     */
    public SmtpTransport build() {
      if (apiKey == null) {
        throw new IllegalStateException("apiKey is required; use a SparkPost API key with the 'Send via SMTP' permission");
      }
      if (host == null) {
        throw new IllegalStateException("host is required; set endpoint(Endpoint.US), endpoint(Endpoint.EU) or host(...)");
      }
      String routeName = route != null ? route : "smtp-" + (endpointName == null ? "custom" : endpointName);
      SSLSocketFactory tls = tlsFactory(trustStore);
      return new SmtpTransport(new SmtpSettings(routeName, host, port, apiKey, subaccountId, tls, connectTimeout,
          readTimeout, writeTimeout, callTimeout, maxConnections, maxMessagesPerConnection, maxConnectionAge, maxIdle, clock));
    }

    private static SSLSocketFactory tlsFactory(@Nullable KeyStore trustStore) {
      if (trustStore == null) {
        return (SSLSocketFactory) SSLSocketFactory.getDefault();
      }
      try {
        boolean hasCertificate = false;
        for (java.util.Enumeration<String> aliases = trustStore.aliases(); aliases.hasMoreElements(); ) {
          hasCertificate |= trustStore.getCertificate(aliases.nextElement()) != null;
        }
        if (!hasCertificate) {
          throw new IllegalArgumentException("trustStore holds no certificates, so no server could be verified");
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context.getSocketFactory();
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("trustStore cannot be used to verify servers: " + e.getMessage(), e);
      }
    }

    private static Duration timeout(String name, Duration value) {
      positive(name, value);
      if (value.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
        throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + " ms but was " + value);
      }
      if (value.toMillis() < 1) {
        throw new IllegalArgumentException(name + " must be at least 1 ms but was " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }

    private static String printable(String text) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < text.length() && i < 80; i++) {
        char c = text.charAt(i);
        out.append(c < ' ' || c == 0x7f ? '?' : c);
      }
      return out.toString();
    }
  }
}
