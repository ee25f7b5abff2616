package io.steadfast;

import io.steadfast.spi.Spool;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link EmailClient#submit} spools messages and how the dispatcher delivers them.
 *
 * <pre>{@code
 * SpoolConfig spool = SpoolConfig.builder(SqliteSpool.open(Path.of("/var/spool/steadfast")))
 *     .deliverWithin(Duration.ofHours(24))
 *     .build();
 * SteadfastConfig config = SteadfastConfig.builder().apiKey(key).spool(spool).build();
 * }</pre>
 *
 * <p>The client closes the spool when it is closed.
 */
public final class SpoolConfig {

  /** Default {@link Builder#workers}: 4 concurrent deliveries. */
  public static final int DEFAULT_WORKERS = 4;
  /** Default {@link Builder#maxEntries}: 100,000 undelivered messages. */
  public static final long DEFAULT_MAX_ENTRIES = 100_000;
  /** Default {@link Builder#maxBytes}: 1 GiB of undelivered messages. */
  public static final long DEFAULT_MAX_BYTES = 1L << 30;
  /** Default {@link Builder#submitTimeout}: 10 seconds. */
  public static final Duration DEFAULT_SUBMIT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link Builder#deliverWithin}: 72 hours. */
  public static final Duration DEFAULT_DELIVER_WITHIN = Duration.ofHours(72);
  /** Default {@link Builder#retention}: 7 days. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
  /** Default {@link Builder#minRetryDelay}: 5 seconds. */
  public static final Duration DEFAULT_MIN_RETRY_DELAY = Duration.ofSeconds(5);
  /** Default {@link Builder#maxRetryDelay}: 1 hour. */
  public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofHours(1);
  /** Default {@link Builder#lease}: 5 minutes. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
  /** Default {@link Builder#attemptTimeout}: 60 seconds. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(60);
  /** Default {@link Builder#pollInterval}: 1 second. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** Default {@link Builder#closeTimeout}: 30 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Spool spool;
  private final int workers;
  private final long maxEntries;
  private final long maxBytes;
  private final Duration submitTimeout;
  private final Duration deliverWithin;
  private final Duration retention;
  private final Duration minRetryDelay;
  private final Duration maxRetryDelay;
  private final Duration lease;
  private final Duration attemptTimeout;
  private final Duration pollInterval;
  private final Duration closeTimeout;
  private final boolean submitOnly;

  private SpoolConfig(Builder builder) {
    this.spool = builder.spool;
    this.workers = builder.workers;
    this.maxEntries = builder.maxEntries;
    this.maxBytes = builder.maxBytes;
    this.submitTimeout = builder.submitTimeout;
    this.deliverWithin = builder.deliverWithin;
    this.retention = builder.retention;
    this.minRetryDelay = builder.minRetryDelay;
    this.maxRetryDelay = builder.maxRetryDelay;
    this.lease = builder.lease;
    this.attemptTimeout = builder.attemptTimeout;
    this.pollInterval = builder.pollInterval;
    this.closeTimeout = builder.closeTimeout;
    this.submitOnly = builder.submitOnly;
  }

  /** Returns a builder for a configuration that spools to {@code spool}, with every default set. */
  public static Builder builder(Spool spool) {
    return new Builder(Objects.requireNonNull(spool, "spool"));
  }

  /** Returns a builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the spool messages are stored in. */
  public Spool spool() {
    return spool;
  }

  /** Returns how many messages the dispatcher delivers at once. */
  public int workers() {
    return workers;
  }

  /** Returns the most undelivered messages the spool holds before submits wait. */
  public long maxEntries() {
    return maxEntries;
  }

  /** Returns the most bytes of undelivered messages the spool holds before submits wait. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Returns how long a submit waits for room in a full spool. */
  public Duration submitTimeout() {
    return submitTimeout;
  }

  /** Returns how long after submission a message is given up as expired. */
  public Duration deliverWithin() {
    return deliverWithin;
  }

  /** Returns how long delivered keys are remembered, so resubmits return the first receipt. */
  public Duration retention() {
    return retention;
  }

  /** Returns the shortest wait before a message is retried. */
  public Duration minRetryDelay() {
    return minRetryDelay;
  }

  /** Returns the longest wait before a message is retried. */
  public Duration maxRetryDelay() {
    return maxRetryDelay;
  }

  /** Returns how long a claimed message stays reserved for one dispatcher. */
  public Duration lease() {
    return lease;
  }

  /**
   * Returns the limit on one delivery run of a spooled message: one pass over the routes, with any wait
   * for a rate-limited route's pace. Retries are not made within a run; the spool schedules them.
   */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** Returns how often the dispatcher looks for due messages when nothing wakes it. */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** Returns how long {@code close()} waits for in-flight deliveries. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /**
   * Returns whether the client only stores messages: no dispatcher thread, no connection to SparkPost,
   * nothing recovered or claimed; another client or a {@code steadfast dispatch} service on the same
   * spool delivers them.
   */
  public boolean submitOnly() {
    return submitOnly;
  }

  @Override
  public String toString() {
    return "SpoolConfig[spool=" + spool.getClass().getSimpleName() + ", workers=" + workers
        + ", maxEntries=" + maxEntries + ", maxBytes=" + maxBytes + ", submitTimeout=" + submitTimeout
        + ", deliverWithin=" + deliverWithin + ", retention=" + retention + ", minRetryDelay=" + minRetryDelay
        + ", maxRetryDelay=" + maxRetryDelay + ", lease=" + lease + ", attemptTimeout=" + attemptTimeout
        + ", pollInterval=" + pollInterval + ", closeTimeout=" + closeTimeout + ", submitOnly=" + submitOnly + "]";
  }

  /** Builds a {@link SpoolConfig}. Not thread-safe. */
  public static final class Builder {
    private final Spool spool;
    private int workers = DEFAULT_WORKERS;
    private long maxEntries = DEFAULT_MAX_ENTRIES;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private Duration submitTimeout = DEFAULT_SUBMIT_TIMEOUT;
    private Duration deliverWithin = DEFAULT_DELIVER_WITHIN;
    private Duration retention = DEFAULT_RETENTION;
    private Duration minRetryDelay = DEFAULT_MIN_RETRY_DELAY;
    private Duration maxRetryDelay = DEFAULT_MAX_RETRY_DELAY;
    private Duration lease = DEFAULT_LEASE;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private boolean submitOnly;

    Builder(Spool spool) {
      this.spool = spool;
    }

    Builder(SpoolConfig config) {
      spool = config.spool;
      workers = config.workers;
      maxEntries = config.maxEntries;
      maxBytes = config.maxBytes;
      submitTimeout = config.submitTimeout;
      deliverWithin = config.deliverWithin;
      retention = config.retention;
      minRetryDelay = config.minRetryDelay;
      maxRetryDelay = config.maxRetryDelay;
      lease = config.lease;
      attemptTimeout = config.attemptTimeout;
      pollInterval = config.pollInterval;
      closeTimeout = config.closeTimeout;
      submitOnly = config.submitOnly;
    }

    /**
     * Sets how many messages the dispatcher delivers at once. If not set, defaults to 4.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be >= 1 but was " + workers);
      }
      this.workers = workers;
      return this;
    }

    /**
     * Sets the most undelivered messages held. If not set, defaults to 100,000.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxEntries(long maxEntries) {
      if (maxEntries < 1) {
        throw new IllegalArgumentException("maxEntries must be >= 1 but was " + maxEntries);
      }
      this.maxEntries = maxEntries;
      return this;
    }

    /**
     * Sets the most bytes of undelivered messages held. If not set, defaults to 1 GiB.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be >= 1 but was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * Sets how long a submit waits for room in a full spool. If not set, defaults to 10 seconds.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder submitTimeout(Duration submitTimeout) {
      Objects.requireNonNull(submitTimeout, "submitTimeout");
      if (submitTimeout.isNegative()) {
        throw new IllegalArgumentException("submitTimeout must not be negative but was " + submitTimeout);
      }
      this.submitTimeout = submitTimeout;
      return this;
    }

    /**
     * Sets how long after submission a message expires. If not set, defaults to 72 hours.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder deliverWithin(Duration deliverWithin) {
      this.deliverWithin = positive("deliverWithin", deliverWithin);
      return this;
    }

    /**
     * Sets how long delivered keys are remembered. If not set, defaults to 7 days.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder retention(Duration retention) {
      this.retention = positive("retention", retention);
      return this;
    }

    /**
     * Sets the shortest wait before a retry. If not set, defaults to 5 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder minRetryDelay(Duration minRetryDelay) {
      this.minRetryDelay = positive("minRetryDelay", minRetryDelay);
      return this;
    }

    /**
     * Sets the longest wait before a retry (the cap of the backoff). If not set, defaults to 1 hour.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxRetryDelay(Duration maxRetryDelay) {
      this.maxRetryDelay = positive("maxRetryDelay", maxRetryDelay);
      return this;
    }

    /**
     * Sets how long a claimed message stays reserved. If not set, defaults to 5 minutes.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder lease(Duration lease) {
      this.lease = positive("lease", lease);
      return this;
    }

    /**
     * Sets the limit on one delivery run of a spooled message (one pass over the routes, with any wait
     * for a rate-limited route's pace; retries are scheduled by the spool). If not set, defaults to 60
     * seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = positive("attemptTimeout", attemptTimeout);
      return this;
    }

    /**
     * Sets how often the dispatcher looks for due messages when nothing wakes it. If not set, defaults
     * to 1 second.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = positive("pollInterval", pollInterval);
      return this;
    }

    /**
     * Sets how long {@code close()} waits for in-flight deliveries. If not set, defaults to 30 seconds.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder closeTimeout(Duration closeTimeout) {
      Objects.requireNonNull(closeTimeout, "closeTimeout");
      if (closeTimeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative but was " + closeTimeout);
      }
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * Makes the client store messages and never deliver them: {@code submit()} returns once a message
     * is durable, and no dispatcher thread starts, so closing the client can never cut an attempt
     * short. Use it in short-lived processes (scripts, cron jobs, request handlers) that hand mail to
     * a long-running dispatcher on the same spool. If not set, the client dispatches.
     */
    public Builder submitOnly(boolean submitOnly) {
      this.submitOnly = submitOnly;
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws IllegalStateException if minRetryDelay is longer than maxRetryDelay, or the lease is
     *     not longer than the attempt timeout
     */
    public SpoolConfig build() {
      if (minRetryDelay.compareTo(maxRetryDelay) > 0) {
        throw new IllegalStateException("minRetryDelay (" + minRetryDelay + ") must not be longer than maxRetryDelay ("
            + maxRetryDelay + ")");
      }
      if (lease.compareTo(attemptTimeout) <= 0) {
        throw new IllegalStateException("lease (" + lease + ") must be longer than attemptTimeout (" + attemptTimeout
            + "), or a slow delivery could be claimed twice");
      }
      return new SpoolConfig(this);
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
