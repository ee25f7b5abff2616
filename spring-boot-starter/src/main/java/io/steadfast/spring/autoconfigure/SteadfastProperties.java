package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitBreakerPolicy;
import io.steadfast.ReconcilePolicy;
import io.steadfast.RetryPolicy;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for Steadfast, bound from {@code steadfast.*}.
 *
 * <p>Defaults match the core constants ({@link SteadfastConfig}, {@link RetryPolicy}, {@link
 * CircuitBreakerPolicy}, {@link ReconcilePolicy}). The API key is never printed: {@link #toString()} omits it, and the
 * actuator {@code configprops} endpoint masks it because its name ends in {@code key}.
 */
@ConfigurationProperties("steadfast")
public class SteadfastProperties {

  /** SparkPost API key; the auto-configuration is active only when this is set. */
  private @Nullable String apiKey;

  /** SparkPost region whose API to use; ignored when base-url is set. */
  private Region region = Region.US;

  /** Base URL of a SparkPost-compatible API (Enterprise host, proxy or test stub); https unless loopback. */
  private @Nullable URI baseUrl;

  /** SparkPost subaccount id to send on behalf of. */
  private @Nullable Long subaccount;

  /** Maximum time to establish a connection. */
  private Duration connectTimeout = SteadfastConfig.DEFAULT_CONNECT_TIMEOUT;

  /** Maximum time to wait for data from SparkPost. */
  private Duration readTimeout = SteadfastConfig.DEFAULT_READ_TIMEOUT;

  /** Maximum time to wait while sending data to SparkPost. */
  private Duration writeTimeout = SteadfastConfig.DEFAULT_WRITE_TIMEOUT;

  /** Maximum time for one complete attempt, from connect to the last byte of the response. */
  private Duration callTimeout = SteadfastConfig.DEFAULT_CALL_TIMEOUT;

  /** Maximum number of pooled connections per route. */
  private int maxConnections = SteadfastConfig.DEFAULT_MAX_CONNECTIONS;

  /** Which transports (routes) to use and in which order. */
  private final Routes routes = new Routes();

  /** How a send is retried within one call. */
  private final Retry retry = new Retry();

  /** When a route's circuit opens and how long it stays open. */
  private final CircuitBreaker circuitBreaker = new CircuitBreaker();

  /** What happens when an attempt's answer is lost: look it up in SparkPost's events, re-send, or dead-letter. */
  private final Reconcile reconcile = new Reconcile();

  /** The durable spool that submit() stores messages in, and the dispatcher that delivers them. */
  private final Spool spool = new Spool();

  /** How the steadfast health contributor maps route and spool states to a status. */
  private final Health health = new Health();

  /** The JavaMailSender adapter. */
  private final JavaMailSender javaMailSender = new JavaMailSender();

  /** Returns the SparkPost API key, or {@code null} if not set. */
  public @Nullable String getApiKey() {
    return apiKey;
  }

  /** Sets the SparkPost API key. */
  public void setApiKey(@Nullable String apiKey) {
    this.apiKey = apiKey;
  }

  /** Returns the region used when no base URL is set. */
  public Region getRegion() {
    return region;
  }

  /** Sets the region used when no base URL is set. */
  public void setRegion(Region region) {
    this.region = region;
  }

  /** Returns the custom base URL, or {@code null} to use the region. */
  public @Nullable URI getBaseUrl() {
    return baseUrl;
  }

  /** Sets a custom base URL that overrides the region. */
  public void setBaseUrl(@Nullable URI baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** Returns the subaccount id, or {@code null} for the primary account. */
  public @Nullable Long getSubaccount() {
    return subaccount;
  }

  /** Sets the subaccount id. */
  public void setSubaccount(@Nullable Long subaccount) {
    this.subaccount = subaccount;
  }

  /** Returns the connect timeout. */
  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /** Sets the connect timeout. */
  public void setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** Returns the read timeout. */
  public Duration getReadTimeout() {
    return readTimeout;
  }

  /** Sets the read timeout. */
  public void setReadTimeout(Duration readTimeout) {
    this.readTimeout = readTimeout;
  }

  /** Returns the write timeout. */
  public Duration getWriteTimeout() {
    return writeTimeout;
  }

  /** Sets the write timeout. */
  public void setWriteTimeout(Duration writeTimeout) {
    this.writeTimeout = writeTimeout;
  }

  /** Returns the call timeout. */
  public Duration getCallTimeout() {
    return callTimeout;
  }

  /** Sets the call timeout. */
  public void setCallTimeout(Duration callTimeout) {
    this.callTimeout = callTimeout;
  }

  /** Returns the maximum number of pooled connections per route. */
  public int getMaxConnections() {
    return maxConnections;
  }

  /** Sets the maximum number of pooled connections per route. */
  public void setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /** Returns the route settings. */
  public Routes getRoutes() {
    return routes;
  }

  /** Returns the retry settings. */
  public Retry getRetry() {
    return retry;
  }

  /** Returns the circuit-breaker settings. */
  public CircuitBreaker getCircuitBreaker() {
    return circuitBreaker;
  }

  /** Returns the settings for lost answers. */
  public Reconcile getReconcile() {
    return reconcile;
  }

  /** Returns the spool and dispatcher settings. */
  public Spool getSpool() {
    return spool;
  }

  /** Returns the health settings. */
  public Health getHealth() {
    return health;
  }

  /** Returns the JavaMailSender adapter settings. */
  public JavaMailSender getJavaMailSender() {
    return javaMailSender;
  }

  /** Describes these properties without the API key. */
  @Override
  public String toString() {
    return "SteadfastProperties[apiKey=" + (apiKey == null ? "null" : "[redacted]")
        + ", region=" + region + ", baseUrl=" + baseUrl + ", subaccount=" + subaccount
        + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
        + ", writeTimeout=" + writeTimeout + ", callTimeout=" + callTimeout
        + ", maxConnections=" + maxConnections + ", reconcile.policy=" + reconcile.getPolicy()
        + ", spool.enabled=" + spool.isEnabled()
        + ", spool.store=" + spool.getStore() + ", spool.directory=" + spool.getDirectory() + "]";
  }

  /** A SparkPost region. */
  public enum Region {
    /** The US region, {@code api.sparkpost.com}. */
    US,
    /** The EU region, {@code api.eu.sparkpost.com}. */
    EU
  }

  /** Which transports Steadfast uses, and in which order it fails over between them. */
  public static class Routes {

    /** Route kinds in failover order; the first enabled, available kind is the primary route. */
    private List<String> order = new ArrayList<>(List.of("rest", "smtp"));

    /** The SparkPost REST (Transmissions API) route. */
    private final Route rest = new Route();

    /** The SparkPost SMTP relay route; used only when steadfast-smtp is on the classpath. */
    private final Route smtp = new Route();

    /** Returns the route kinds in failover order. */
    public List<String> getOrder() {
      return order;
    }

    /** Sets the route kinds in failover order. */
    public void setOrder(List<String> order) {
      this.order = order;
    }

    /** Returns the REST route settings. */
    public Route getRest() {
      return rest;
    }

    /** Returns the SMTP route settings. */
    public Route getSmtp() {
      return smtp;
    }
  }

  /** One route. */
  public static class Route {

    /** Whether to use this route when its transport is on the classpath. */
    private boolean enabled = true;

    /** Returns whether this route is used. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether this route is used. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** Retry policy within one send. */
  public static class Retry {

    /** Maximum attempts per send, including the first; 1 disables retries. */
    private int maxAttempts = RetryPolicy.DEFAULT_MAX_ATTEMPTS;

    /** Shortest wait before a retry, even when the provider asks for less. */
    private Duration minBackoff = RetryPolicy.DEFAULT_MIN_BACKOFF;

    /** Wait before the first retry; later waits grow exponentially with jitter. */
    private Duration initialBackoff = RetryPolicy.DEFAULT_INITIAL_BACKOFF;

    /** Longest wait between attempts. */
    private Duration maxBackoff = RetryPolicy.DEFAULT_MAX_BACKOFF;

    /** Time after which a send stops retrying and fails. */
    private Duration deadline = RetryPolicy.DEFAULT_DEADLINE;

    /** Capacity of the shared retry budget (tokens); retries stop when it is spent. */
    private int budget = RetryPolicy.DEFAULT_BUDGET_CAPACITY;

    /** Returns the maximum attempts per send. */
    public int getMaxAttempts() {
      return maxAttempts;
    }

    /** Sets the maximum attempts per send. */
    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    /** Returns the minimum backoff. */
    public Duration getMinBackoff() {
      return minBackoff;
    }

    /** Sets the minimum backoff. */
    public void setMinBackoff(Duration minBackoff) {
      this.minBackoff = minBackoff;
    }

    /** Returns the initial backoff. */
    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    /** Sets the initial backoff. */
    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    /** Returns the maximum backoff. */
    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    /** Sets the maximum backoff. */
    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    /** Returns the retry deadline. */
    public Duration getDeadline() {
      return deadline;
    }

    /** Sets the retry deadline. */
    public void setDeadline(Duration deadline) {
      this.deadline = deadline;
    }

    /** Returns the retry budget capacity. */
    public int getBudget() {
      return budget;
    }

    /** Sets the retry budget capacity. */
    public void setBudget(int budget) {
      this.budget = budget;
    }
  }

  /** Circuit breaker per route. */
  public static class CircuitBreaker {

    /** Whether routes have a circuit breaker. */
    private boolean enabled = true;

    /** Failure rate, in percent, at or above which a route's circuit opens. */
    private float failureRate = CircuitBreakerPolicy.DEFAULT_FAILURE_RATE_THRESHOLD;

    /** Number of recent attempts the failure rate is computed over. */
    private int window = CircuitBreakerPolicy.DEFAULT_SLIDING_WINDOW_SIZE;

    /** Attempts needed in the window before the failure rate is evaluated. */
    private int minimumCalls = CircuitBreakerPolicy.DEFAULT_MINIMUM_NUMBER_OF_CALLS;

    /** Time an open circuit waits before letting probe attempts through. */
    private Duration waitInOpen = CircuitBreakerPolicy.DEFAULT_WAIT_IN_OPEN_STATE;

    /** Returns whether circuit breakers are enabled. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether circuit breakers are enabled. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Returns the failure-rate threshold in percent. */
    public float getFailureRate() {
      return failureRate;
    }

    /** Sets the failure-rate threshold in percent. */
    public void setFailureRate(float failureRate) {
      this.failureRate = failureRate;
    }

    /** Returns the sliding window size. */
    public int getWindow() {
      return window;
    }

    /** Sets the sliding window size. */
    public void setWindow(int window) {
      this.window = window;
    }

    /** Returns the minimum number of calls. */
    public int getMinimumCalls() {
      return minimumCalls;
    }

    /** Sets the minimum number of calls. */
    public void setMinimumCalls(int minimumCalls) {
      this.minimumCalls = minimumCalls;
    }

    /** Returns the wait in the open state. */
    public Duration getWaitInOpen() {
      return waitInOpen;
    }

    /** Sets the wait in the open state. */
    public void setWaitInOpen(Duration waitInOpen) {
      this.waitInOpen = waitInOpen;
    }
  }

  /**
   * What Steadfast does when an attempt's answer is lost (SparkPost may have accepted the message and
   * does not deduplicate): see {@link ReconcilePolicy}.
   */
  public static class Reconcile {

    /** reconcile: look the key up in SparkPost's events before any re-send (needs the "Events Search: Read-only" grant); resend: re-send at once with the same key; dead-letter: look first, and dead-letter when the events cannot tell. */
    private ReconcilePolicy.Mode policy = ReconcilePolicy.Mode.RECONCILE;

    /** How long after the lost answer the first search of SparkPost's events waits (events are generally available within 1 minute). */
    private Duration settleDelay = ReconcilePolicy.DEFAULT_SETTLE_DELAY;

    /** How long after a search that found nothing the second one waits; only after two misses is the message re-sent. */
    private Duration recheckDelay = ReconcilePolicy.DEFAULT_RECHECK_DELAY;

    /** How long SparkPost's events may fail to answer before the policy's fallback applies; positive and at most 10d (SparkPost's event retention). */
    private Duration timeout = ReconcilePolicy.DEFAULT_TIMEOUT;

    /** Returns the policy for lost answers. */
    public ReconcilePolicy.Mode getPolicy() {
      return policy;
    }

    /** Sets the policy for lost answers. */
    public void setPolicy(ReconcilePolicy.Mode policy) {
      this.policy = policy;
    }

    /** Returns the wait before the first search. */
    public Duration getSettleDelay() {
      return settleDelay;
    }

    /** Sets the wait before the first search. */
    public void setSettleDelay(Duration settleDelay) {
      this.settleDelay = settleDelay;
    }

    /** Returns the wait before the second search. */
    public Duration getRecheckDelay() {
      return recheckDelay;
    }

    /** Sets the wait before the second search. */
    public void setRecheckDelay(Duration recheckDelay) {
      this.recheckDelay = recheckDelay;
    }

    /** Returns how long the events may fail to answer. */
    public Duration getTimeout() {
      return timeout;
    }

    /** Sets how long the events may fail to answer. */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** How the {@code steadfast} health contributor reports route states. */
  public static class Health {

    /** Status reported when every route's circuit is open (without a spool, sends fail). */
    private String allRoutesOpenStatus = "OUT_OF_SERVICE";

    /** Status reported when some, but not all, routes' circuits are open (failover still works). */
    private String someRoutesOpenStatus = "UP";

    /** Spool thresholds, used when steadfast.spool.enabled is true. */
    private final SpoolHealth spool = new SpoolHealth();

    /** Returns the spool thresholds. */
    public SpoolHealth getSpool() {
      return spool;
    }

    /** Returns the status for all routes open. */
    public String getAllRoutesOpenStatus() {
      return allRoutesOpenStatus;
    }

    /** Sets the status for all routes open. */
    public void setAllRoutesOpenStatus(String allRoutesOpenStatus) {
      this.allRoutesOpenStatus = allRoutesOpenStatus;
    }

    /** Returns the status for some routes open. */
    public String getSomeRoutesOpenStatus() {
      return someRoutesOpenStatus;
    }

    /** Sets the status for some routes open. */
    public void setSomeRoutesOpenStatus(String someRoutesOpenStatus) {
      this.someRoutesOpenStatus = someRoutesOpenStatus;
    }
  }

  /** Where spooled messages are kept. */
  public enum Store {
    /** One SQLite file in {@code steadfast.spool.directory}; needs io.steadfast:steadfast-spool. */
    SQLITE,
    /** The application's PostgreSQL {@code DataSource}, shared by every instance of a fleet. */
    POSTGRESQL,
    /** Process memory: everything spooled is lost when the application stops. For tests only. */
    MEMORY
  }

  /** The spool that {@code submit()} stores messages in, and the dispatcher that delivers them. */
  public static class Spool {

    /** Whether to spool: submit() stores messages durably and a dispatcher delivers them in the background. */
    private boolean enabled;

    /** Where spooled messages are kept: sqlite (a file in directory), postgresql (the application's DataSource) or memory (tests only; lost on exit). */
    private Store store = Store.SQLITE;

    /** Directory of the SQLite spool, created owner-only if missing; instances on one host may share it while only one of them dispatches. */
    private @Nullable Path directory;

    /** Whether this instance dispatches the spool; false makes it only store messages for the one instance (or 'steadfast dispatch' service) that does. */
    private boolean dispatch = true;

    /** Group whose members' applications share the SQLite spool directory, each as its own user: the directory and its files may then be writable by that group and owned by any member (make the directory setgid to the group, mode 2770); unset trusts no group. */
    private @Nullable String trustedGroup;

    /** How many spooled messages the dispatcher delivers at once. */
    private int workers = SpoolConfig.DEFAULT_WORKERS;

    /** Most undelivered messages the spool holds; a submit beyond it waits up to submit-timeout, then fails. */
    private long maxEntries = SpoolConfig.DEFAULT_MAX_ENTRIES;

    /** Most bytes of undelivered messages the spool holds; a submit beyond it waits up to submit-timeout, then fails. */
    private DataSize maxSize = DataSize.ofBytes(SpoolConfig.DEFAULT_MAX_BYTES);

    /** How long a submit waits for room in a full spool before it fails with SpoolFullException. */
    private Duration submitTimeout = SpoolConfig.DEFAULT_SUBMIT_TIMEOUT;

    /** Deliver-by deadline: how long after submission an undelivered message is dead-lettered as expired. */
    private Duration deliverWithin = SpoolConfig.DEFAULT_DELIVER_WITHIN;

    /** How long delivered messages are kept, so that a resubmit of the same key returns the first receipt. */
    private Duration retention = SpoolConfig.DEFAULT_RETENTION;

    /** Shortest wait before a spooled message is tried again. */
    private Duration minRetryDelay = SpoolConfig.DEFAULT_MIN_RETRY_DELAY;

    /** Longest wait before a spooled message is tried again. */
    private Duration maxRetryDelay = SpoolConfig.DEFAULT_MAX_RETRY_DELAY;

    /** How long a claimed message stays reserved for this dispatcher; must be longer than attempt-timeout. */
    private Duration lease = SpoolConfig.DEFAULT_LEASE;

    /** Limit on one delivery run of a spooled message, in-call retries included. */
    private Duration attemptTimeout = SpoolConfig.DEFAULT_ATTEMPT_TIMEOUT;

    /** How often the dispatcher looks for due messages when nothing wakes it. */
    private Duration pollInterval = SpoolConfig.DEFAULT_POLL_INTERVAL;

    /** How long shutdown waits for in-flight deliveries before returning them to the queue. */
    private Duration closeTimeout = SpoolConfig.DEFAULT_CLOSE_TIMEOUT;

    /** The PostgreSQL spool, used when store is postgresql. */
    private final Postgresql postgresql = new Postgresql();

    /** Returns the PostgreSQL spool settings. */
    public Postgresql getPostgresql() {
      return postgresql;
    }

    /** Returns whether the spool is enabled. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the spool is enabled. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Returns the store. */
    public Store getStore() {
      return store;
    }

    /** Sets the store. */
    public void setStore(Store store) {
      this.store = store;
    }

    /** Returns the SQLite spool directory, or {@code null} if not set. */
    public @Nullable Path getDirectory() {
      return directory;
    }

    /** Sets the SQLite spool directory. */
    public void setDirectory(@Nullable Path directory) {
      this.directory = directory;
    }

    /** Returns whether this instance dispatches the spool. */
    public boolean isDispatch() {
      return dispatch;
    }

    /** Sets whether this instance dispatches the spool. */
    public void setDispatch(boolean dispatch) {
      this.dispatch = dispatch;
    }

    /** Returns the group trusted to share the SQLite spool directory, or {@code null} if none is. */
    public @Nullable String getTrustedGroup() {
      return trustedGroup;
    }

    /** Sets the group trusted to share the SQLite spool directory. */
    public void setTrustedGroup(@Nullable String trustedGroup) {
      this.trustedGroup = trustedGroup;
    }

    /** Returns the number of concurrent deliveries. */
    public int getWorkers() {
      return workers;
    }

    /** Sets the number of concurrent deliveries. */
    public void setWorkers(int workers) {
      this.workers = workers;
    }

    /** Returns the most undelivered messages held. */
    public long getMaxEntries() {
      return maxEntries;
    }

    /** Sets the most undelivered messages held. */
    public void setMaxEntries(long maxEntries) {
      this.maxEntries = maxEntries;
    }

    /** Returns the most bytes of undelivered messages held. */
    public DataSize getMaxSize() {
      return maxSize;
    }

    /** Sets the most bytes of undelivered messages held. */
    public void setMaxSize(DataSize maxSize) {
      this.maxSize = maxSize;
    }

    /** Returns the submit timeout. */
    public Duration getSubmitTimeout() {
      return submitTimeout;
    }

    /** Sets the submit timeout. */
    public void setSubmitTimeout(Duration submitTimeout) {
      this.submitTimeout = submitTimeout;
    }

    /** Returns the deliver-by deadline measured from submission. */
    public Duration getDeliverWithin() {
      return deliverWithin;
    }

    /** Sets the deliver-by deadline measured from submission. */
    public void setDeliverWithin(Duration deliverWithin) {
      this.deliverWithin = deliverWithin;
    }

    /** Returns how long delivered messages are kept. */
    public Duration getRetention() {
      return retention;
    }

    /** Sets how long delivered messages are kept. */
    public void setRetention(Duration retention) {
      this.retention = retention;
    }

    /** Returns the shortest retry delay. */
    public Duration getMinRetryDelay() {
      return minRetryDelay;
    }

    /** Sets the shortest retry delay. */
    public void setMinRetryDelay(Duration minRetryDelay) {
      this.minRetryDelay = minRetryDelay;
    }

    /** Returns the longest retry delay. */
    public Duration getMaxRetryDelay() {
      return maxRetryDelay;
    }

    /** Sets the longest retry delay. */
    public void setMaxRetryDelay(Duration maxRetryDelay) {
      this.maxRetryDelay = maxRetryDelay;
    }

    /** Returns the lease. */
    public Duration getLease() {
      return lease;
    }

    /** Sets the lease. */
    public void setLease(Duration lease) {
      this.lease = lease;
    }

    /** Returns the attempt timeout. */
    public Duration getAttemptTimeout() {
      return attemptTimeout;
    }

    /** Sets the attempt timeout. */
    public void setAttemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
    }

    /** Returns the poll interval. */
    public Duration getPollInterval() {
      return pollInterval;
    }

    /** Sets the poll interval. */
    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    /** Returns how long shutdown waits for in-flight deliveries. */
    public Duration getCloseTimeout() {
      return closeTimeout;
    }

    /** Sets how long shutdown waits for in-flight deliveries. */
    public void setCloseTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
    }
  }

  /** The PostgreSQL spool, in the application's {@code DataSource}. */
  public static class Postgresql {

    /** This instance's id in the fleet, owner of its leases (a pod or host name); unique per start if not set. */
    private @Nullable String nodeId;

    /** Prefix of the spool's table names (lower case letters, digits, underscores); put a schema in the DataSource's currentSchema instead. */
    private String tablePrefix = "steadfast_";

    /** How often health and metrics count delivered entries again; in between, this instance adds its own deliveries and other instances' appear at the next count. 0 counts on every read. */
    // PostgresSpool.DEFAULT_DELIVERED_RECOUNT, written out: steadfast-spool is optional, and these properties
    // must load without it.
    private Duration deliveredRecount = Duration.ofSeconds(30);

    /** Returns the node id, or {@code null} for one generated per start. */
    public @Nullable String getNodeId() {
      return nodeId;
    }

    /** Sets the node id. */
    public void setNodeId(@Nullable String nodeId) {
      this.nodeId = nodeId;
    }

    /** Returns the table name prefix. */
    public String getTablePrefix() {
      return tablePrefix;
    }

    /** Sets the table name prefix. */
    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix;
    }

    /** Returns how often delivered entries are counted again. */
    public Duration getDeliveredRecount() {
      return deliveredRecount;
    }

    /** Sets how often delivered entries are counted again. */
    public void setDeliveredRecount(Duration deliveredRecount) {
      this.deliveredRecount = deliveredRecount;
    }
  }

  /** How spool state turns into a health status. */
  public static class SpoolHealth {

    /** Status reported when every route's circuit is open but the spool is within its thresholds: accepted mail is safe. */
    private String allRoutesOpenStatus = "UP";

    /** Fill ratio (undelivered entries or bytes over the spool's limit, 0 to 1) above which exceeded-status is reported. */
    private double maxFillRatio = 0.9;

    /** Age of the oldest undelivered message above which exceeded-status is reported; no limit if not set. */
    private @Nullable Duration maxOldestPendingAge;

    /** Number of dead letters in the spool above which exceeded-status is reported; no limit if not set. */
    private @Nullable Long maxDeadLetters;

    /** Status reported when a spool threshold is exceeded. */
    private String exceededStatus = "OUT_OF_SERVICE";

    /** Returns the status for every route open while the spool is within its thresholds. */
    public String getAllRoutesOpenStatus() {
      return allRoutesOpenStatus;
    }

    /** Sets the status for every route open while the spool is within its thresholds. */
    public void setAllRoutesOpenStatus(String allRoutesOpenStatus) {
      this.allRoutesOpenStatus = allRoutesOpenStatus;
    }

    /** Returns the highest healthy fill ratio. */
    public double getMaxFillRatio() {
      return maxFillRatio;
    }

    /** Sets the highest healthy fill ratio. */
    public void setMaxFillRatio(double maxFillRatio) {
      this.maxFillRatio = maxFillRatio;
    }

    /** Returns the highest healthy age of the oldest undelivered message, or {@code null} for no limit. */
    public @Nullable Duration getMaxOldestPendingAge() {
      return maxOldestPendingAge;
    }

    /** Sets the highest healthy age of the oldest undelivered message. */
    public void setMaxOldestPendingAge(@Nullable Duration maxOldestPendingAge) {
      this.maxOldestPendingAge = maxOldestPendingAge;
    }

    /** Returns the highest healthy number of dead letters, or {@code null} for no limit. */
    public @Nullable Long getMaxDeadLetters() {
      return maxDeadLetters;
    }

    /** Sets the highest healthy number of dead letters. */
    public void setMaxDeadLetters(@Nullable Long maxDeadLetters) {
      this.maxDeadLetters = maxDeadLetters;
    }

    /** Returns the status reported when a threshold is exceeded. */
    public String getExceededStatus() {
      return exceededStatus;
    }

    /** Sets the status reported when a threshold is exceeded. */
    public void setExceededStatus(String exceededStatus) {
      this.exceededStatus = exceededStatus;
    }
  }

  /** The JavaMailSender adapter. */
  public static class JavaMailSender {

    /** Whether to expose a JavaMailSender bean that sends through Steadfast. */
    private boolean enabled;

    /** Returns whether the adapter is enabled. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the adapter is enabled. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
