package io.steadfast;

import io.steadfast.spi.IdempotencyLedger;
import io.steadfast.spi.MessageEvents;
import io.steadfast.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link EmailClient} needs, in one immutable object with documented defaults.
 *
 * <pre>{@code
 * SteadfastConfig config = SteadfastConfig.builder()
 *     .apiKey(System.getenv("SPARKPOST_API_KEY"))
 *     .endpoint(Endpoint.EU)
 *     .build();
 * }</pre>
 *
 * <p>{@code toString()} never shows the API key.
 */
public final class SteadfastConfig {

  /** Default {@link Builder#connectTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link Builder#readTimeout}: 60 seconds. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
  /** Default {@link Builder#writeTimeout}: 60 seconds. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  /** Default {@link Builder#callTimeout}: 300 seconds, SparkPost's advice for the API timeout. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(300);
  /** Default {@link Builder#maxConnections}: 10, SparkPost's advice for concurrent connections. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10;
  /** Default {@link Builder#maxMessageBytes}: SparkPost's limit, {@link Message#MAX_MESSAGE_BYTES}. */
  public static final long DEFAULT_MAX_MESSAGE_BYTES = Message.MAX_MESSAGE_BYTES;
  /** How long the default in-memory ledger remembers accepted keys: 24 hours. */
  public static final Duration DEFAULT_LEDGER_RETENTION = Duration.ofHours(24);
  /** How many keys the default in-memory ledger remembers at most: 100,000. */
  public static final int DEFAULT_LEDGER_MAX_ENTRIES = 100_000;

  private final @Nullable ApiKey apiKey;
  private final Endpoint endpoint;
  private final @Nullable Long subaccountId;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  private final Duration callTimeout;
  private final int maxConnections;
  private final long maxMessageBytes;
  private final Clock clock;
  private final List<Transport> transports;
  private final RetryPolicy retryPolicy;
  private final CircuitBreakerPolicy circuitBreakerPolicy;
  private final DeliveryListener listener;
  private final @Nullable IdempotencyLedger ledger;
  private final @Nullable ScheduledExecutorService scheduler;
  private final @Nullable SpoolConfig spool;
  private final ReconcilePolicy reconcilePolicy;
  private final @Nullable MessageEvents messageEvents;

  private SteadfastConfig(Builder builder) {
    this.apiKey = builder.apiKey;
    this.endpoint = builder.endpoint;
    this.subaccountId = builder.subaccountId;
    this.connectTimeout = builder.connectTimeout;
    this.readTimeout = builder.readTimeout;
    this.writeTimeout = builder.writeTimeout;
    this.callTimeout = builder.callTimeout;
    this.maxConnections = builder.maxConnections;
    this.maxMessageBytes = builder.maxMessageBytes;
    this.clock = builder.clock;
    this.transports = List.copyOf(builder.transports);
    this.retryPolicy = builder.retryPolicy;
    this.circuitBreakerPolicy = builder.circuitBreakerPolicy;
    this.listener = builder.listener;
    this.ledger = builder.ledger;
    this.scheduler = builder.scheduler;
    this.spool = builder.spool;
    this.reconcilePolicy = builder.reconcilePolicy;
    this.messageEvents = builder.messageEvents;
  }

  /** Returns a builder with every default set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the API key, absent only when {@link #transports()} were given explicitly. */
  public Optional<ApiKey> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  /** Returns the SparkPost endpoint. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Returns the subaccount to send as ({@code X-MSYS-SUBACCOUNT}), if one is set. */
  public OptionalLong subaccountId() {
    return subaccountId == null ? OptionalLong.empty() : OptionalLong.of(subaccountId);
  }

  /** Returns how long to wait for a TCP (and TLS) connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Returns how long to wait between bytes of a response. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** Returns how long to wait between bytes of a request. */
  public Duration writeTimeout() {
    return writeTimeout;
  }

  /** Returns the limit on one whole attempt, connect to last byte. */
  public Duration callTimeout() {
    return callTimeout;
  }

  /** Returns the most connections kept to SparkPost at once. */
  public int maxConnections() {
    return maxConnections;
  }

  /** Returns the largest message accepted, as {@link Message#estimatedSizeBytes()} counts it. */
  public long maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Returns the clock Steadfast reads time from. */
  public Clock clock() {
    return clock;
  }

  /**
   * Returns the transports given explicitly, in route order; empty means "discover them": each
   * Steadfast transport module on the class path (e.g. steadfast-http) contributes its route.
   */
  public List<Transport> transports() {
    return transports;
  }

  /** Returns how sends retry within a call. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** Returns when each route's circuit opens and how it probes. */
  public CircuitBreakerPolicy circuitBreakerPolicy() {
    return circuitBreakerPolicy;
  }

  /** Returns the listener told about attempts, retries, circuits and results. */
  public DeliveryListener listener() {
    return listener;
  }

  /**
   * Returns the idempotency ledger given explicitly; empty means an in-memory ledger that remembers
   * keys for {@link #DEFAULT_LEDGER_RETENTION}.
   */
  public Optional<IdempotencyLedger> ledger() {
    return Optional.ofNullable(ledger);
  }

  /**
   * Returns the scheduler given explicitly for retry waits of {@code sendAsync}; empty means the
   * client creates (and closes) its own single daemon thread.
   */
  public Optional<ScheduledExecutorService> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /**
   * Returns the spool {@link EmailClient#submit} stores messages in; empty means submit is not
   * available, only send.
   */
  public Optional<SpoolConfig> spool() {
    return Optional.ofNullable(spool);
  }

  /** Returns what happens when an attempt's answer is lost: reconcile through SparkPost's events, re-send, or dead-letter. */
  public ReconcilePolicy reconcilePolicy() {
    return reconcilePolicy;
  }

  /**
   * Returns the message-events search given explicitly; empty means the one a module on the class path
   * provides ({@code steadfast-http}'s Events API client), created from this configuration's key and
   * endpoint.
   */
  public Optional<MessageEvents> messageEvents() {
    return Optional.ofNullable(messageEvents);
  }

  @Override
  public String toString() {
    return "SteadfastConfig[apiKey=" + (apiKey == null ? "unset" : apiKey)
        + ", endpoint=" + endpoint
        + ", subaccountId=" + subaccountId
        + ", connectTimeout=" + connectTimeout
        + ", readTimeout=" + readTimeout
        + ", writeTimeout=" + writeTimeout
        + ", callTimeout=" + callTimeout
        + ", maxConnections=" + maxConnections
        + ", maxMessageBytes=" + maxMessageBytes
        + ", transports=" + transports.stream().map(Transport::route).toList()
        + ", retryPolicy=" + retryPolicy
        + ", circuitBreakerPolicy=" + circuitBreakerPolicy
        + ", reconcilePolicy=" + reconcilePolicy + "]";
  }

  /** Builds a {@link SteadfastConfig}. Not thread-safe. */
  public static final class Builder {
    private @Nullable ApiKey apiKey;
    private Endpoint endpoint = Endpoint.US;
    private @Nullable Long subaccountId;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private Clock clock = Clock.systemUTC();
    private final List<Transport> transports = new ArrayList<>();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private CircuitBreakerPolicy circuitBreakerPolicy = CircuitBreakerPolicy.DEFAULT;
    private DeliveryListener listener = DeliveryListener.NONE;
    private @Nullable IdempotencyLedger ledger;
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable SpoolConfig spool;
    private ReconcilePolicy reconcilePolicy = ReconcilePolicy.DEFAULT;
    private @Nullable MessageEvents messageEvents;

    Builder() {}

    Builder(SteadfastConfig config) {
      apiKey = config.apiKey;
      endpoint = config.endpoint;
      subaccountId = config.subaccountId;
      connectTimeout = config.connectTimeout;
      readTimeout = config.readTimeout;
      writeTimeout = config.writeTimeout;
      callTimeout = config.callTimeout;
      maxConnections = config.maxConnections;
      maxMessageBytes = config.maxMessageBytes;
      clock = config.clock;
      transports.addAll(config.transports);
      retryPolicy = config.retryPolicy;
      circuitBreakerPolicy = config.circuitBreakerPolicy;
      listener = config.listener;
      ledger = config.ledger;
      scheduler = config.scheduler;
      spool = config.spool;
      reconcilePolicy = config.reconcilePolicy;
      messageEvents = config.messageEvents;
    }

    /**
     * Sets what happens when an attempt's answer is lost. If not set, defaults to
     * {@link ReconcilePolicy#DEFAULT}: search SparkPost's message events for the key 90 seconds later,
     * and re-send with the same key only if two searches find nothing.
     */
    public Builder reconcilePolicy(ReconcilePolicy reconcilePolicy) {
      this.reconcilePolicy = Objects.requireNonNull(reconcilePolicy, "reconcilePolicy");
      return this;
    }

    /**
     * Sets the message-events search used to reconcile lost answers, instead of the one a module on the
     * class path provides; the caller keeps ownership and closes it. If not set, {@code steadfast-http}'s
     * Events API client is used when it is on the class path and an API key is set.
     */
    public Builder messageEvents(MessageEvents messageEvents) {
      this.messageEvents = Objects.requireNonNull(messageEvents, "messageEvents");
      return this;
    }

    /**
     * Sets the spool that {@link EmailClient#submit} stores messages in, and starts a dispatcher that
     * delivers them. If not set, there is no spool and submit throws {@link IllegalStateException}.
     */
    public Builder spool(SpoolConfig spool) {
      this.spool = Objects.requireNonNull(spool, "spool");
      return this;
    }

    /** Sets how sends retry within a call. If not set, defaults to {@link RetryPolicy#DEFAULT}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Sets when each route's circuit opens. If not set, defaults to {@link CircuitBreakerPolicy#DEFAULT}.
     */
    public Builder circuitBreakerPolicy(CircuitBreakerPolicy circuitBreakerPolicy) {
      this.circuitBreakerPolicy = Objects.requireNonNull(circuitBreakerPolicy, "circuitBreakerPolicy");
      return this;
    }

    /** Sets the listener told about attempts and results. If not set, defaults to {@link DeliveryListener#NONE}. */
    public Builder listener(DeliveryListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Sets the idempotency ledger. If not set, an in-memory ledger remembers up to 100,000 keys for 24
     * hours.
     */
    public Builder ledger(IdempotencyLedger ledger) {
      this.ledger = Objects.requireNonNull(ledger, "ledger");
      return this;
    }

    /**
     * Sets the scheduler that runs {@code sendAsync}'s retry waits. If not set, the client starts its
     * own daemon thread, {@code steadfast-scheduler}, and stops it on close. A given scheduler is the
     * caller's to shut down.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sets the SparkPost API key. Required unless {@link #transports} are given.
     *
     * @throws IllegalArgumentException if the key is blank or contains whitespace
     */
    public Builder apiKey(String apiKey) {
      this.apiKey = ApiKey.of(Objects.requireNonNull(apiKey, "apiKey"));
      return this;
    }

    /** Sets the SparkPost API key. Required unless {@link #transports} are given. */
    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    /** Sets the SparkPost endpoint. If not set, defaults to {@link Endpoint#US}. */
    public Builder endpoint(Endpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /**
     * Sends as the subaccount {@code subaccountId}. If not set, sends as the main account.
     *
     * @throws IllegalArgumentException if {@code subaccountId} is not positive
     */
    public Builder subaccountId(long subaccountId) {
      if (subaccountId <= 0) {
        throw new IllegalArgumentException("subaccountId must be > 0 but was " + subaccountId);
      }
      this.subaccountId = subaccountId;
      return this;
    }

    /**
     * Sets how long to wait for a connection. If not set, defaults to 10 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive("connectTimeout", connectTimeout);
      return this;
    }

    /**
     * Sets how long to wait between bytes of a response. If not set, defaults to 60 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = positive("readTimeout", readTimeout);
      return this;
    }

    /**
     * Sets how long to wait between bytes of a request. If not set, defaults to 60 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = positive("writeTimeout", writeTimeout);
      return this;
    }

    /**
     * Sets the limit on one whole attempt. If not set, defaults to 300 seconds (SparkPost's advice).
     * The REST transport ends an attempt that runs over it within a twentieth of it, and at most a
     * second, after it passes (it checks its calls on a schedule rather than timing each one).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = positive("callTimeout", callTimeout);
      return this;
    }

    /**
     * Sets the most connections kept to SparkPost at once. If not set, defaults to 10 (SparkPost's
     * advice). The REST transport sends at most this many requests at once: a synchronous send
     * beyond it waits for a connection to come free, for at most the call timeout.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be >= 1 but was " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * Sets the largest message accepted. If not set, defaults to SparkPost's limit of 20 MB.
     *
     * @throws IllegalArgumentException if less than 1 or above SparkPost's limit
     */
    public Builder maxMessageBytes(long maxMessageBytes) {
      if (maxMessageBytes < 1 || maxMessageBytes > Message.MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException("maxMessageBytes must be between 1 and "
            + Message.MAX_MESSAGE_BYTES + " but was " + maxMessageBytes);
      }
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    /** Sets the clock Steadfast reads time from. If not set, defaults to {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the transports to use, in route order, instead of discovering them from the class path.
     * If not set, each Steadfast transport module on the class path contributes its route.
     *
     * @throws IllegalArgumentException if two transports have the same route name
     */
    public Builder transports(List<? extends Transport> transports) {
      List<Transport> copy = List.copyOf(transports);
      if (copy.stream().map(Transport::route).distinct().count() != copy.size()) {
        throw new IllegalArgumentException("transports must have distinct route names but were "
            + copy.stream().map(Transport::route).toList());
      }
      this.transports.clear();
      this.transports.addAll(copy);
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws IllegalStateException if neither an API key nor transports are set, or the call
     *     timeout is shorter than the connect timeout
     */
    public SteadfastConfig build() {
      if (apiKey == null && transports.isEmpty()) {
        throw new IllegalStateException("apiKey is required: set it with apiKey(...) (the Spring property "
            + "steadfast.api-key, or the environment variable STEADFAST_API_KEY for the CLI)");
      }
      if (callTimeout.compareTo(connectTimeout) < 0) {
        throw new IllegalStateException("callTimeout (" + callTimeout + ") must not be shorter than connectTimeout ("
            + connectTimeout + ")");
      }
      return new SteadfastConfig(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
