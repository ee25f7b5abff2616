package io.steadfast.spring.autoconfigure;

import io.steadfast.CircuitState;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolOperations;
import io.steadfast.SteadfastConfig;
import io.steadfast.SubmitReceipt;
import io.steadfast.internal.DefaultEmailClient;
import io.steadfast.spi.Transport;
import java.sql.Connection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * The starter's {@link EmailClient} bean: a client whose life follows the application context's.
 *
 * <p>A core client starts its spool dispatcher as soon as it is created, and {@code close()} drains
 * it. So the real client is created in {@link #start()} (or at the first call, if a bean sends
 * while the context is still starting) and closed in {@link #stop()}. The phase puts both outside
 * the web server's: the client starts before the server accepts requests and stops after the
 * server's graceful shutdown, so a request that submits mail during shutdown still finds a client.
 * Lifecycle stop runs before any bean is destroyed, so the dispatcher has drained before the
 * application's {@code DataSource} (a PostgreSQL spool) is closed. After a {@code stop()}, a
 * {@code start()} creates a new client on the same spool, which delivers what was left spooled.
 *
 * <p>The configuration is built, and the spool opened, when the bean is created, so that a bad
 * setting fails the startup there; later starts build a fresh one.
 */
final class ManagedEmailClient implements EmailClient, SmartLifecycle, DisposableBean {

  /**
   * Starts before and stops after the web server ({@code DEFAULT_PHASE - 2048}) and its graceful
   * shutdown ({@code DEFAULT_PHASE - 1024}), and after most message listeners and schedulers.
   */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final Supplier<SteadfastConfig> configs;
  private final SteadfastState state;
  private final CircuitState initialCircuit;
  private final Runnable afterStart;
  /** Guarded by {@code this}: the configuration built at bean creation, used by the first start. */
  private @Nullable SteadfastConfig prepared;
  /** Written under {@code this}; read without it by callers. */
  private volatile @Nullable Running running;
  /** Guarded by {@code this}: stopped by the context (or closed), so calls fail until the next start. */
  private boolean stopped;
  private volatile SubmitObserver submitObserver = SubmitObserver.NONE;

  private record Running(EmailClient client, SteadfastConfig config) {}

  ManagedEmailClient(Supplier<SteadfastConfig> configs, SteadfastState state, CircuitState initialCircuit,
      Runnable afterStart) {
    this.configs = Objects.requireNonNull(configs, "configs");
    this.state = Objects.requireNonNull(state, "state");
    this.initialCircuit = Objects.requireNonNull(initialCircuit, "initialCircuit");
    this.afterStart = Objects.requireNonNull(afterStart, "afterStart");
    this.prepared = configs.get();
  }

  @Override
  public synchronized void start() {
    stopped = false;
    if (running == null) {
      startClient();
    }
  }

  private void startClient() {
    SteadfastConfig config = prepared != null ? prepared : configs.get();
    prepared = null;
    EmailClient client;
    try {
      client = EmailClient.create(config);
    } catch (RuntimeException e) {
      release(config);
      throw e;
    }
    state.routesStarted(config.transports().stream().map(Transport::route).toList(), initialCircuit);
    SteadfastState.SpoolView view = config.spool().map(spool -> view(spool, client.spoolOperations())).orElse(null);
    state.clientStarted(view, () -> reconcileProblem(client));
    running = new Running(client, config);
    afterStart.run();
  }

  private static SteadfastState.SpoolView view(SpoolConfig spool, SpoolOperations operations) {
    return new SteadfastState.SpoolView(operations, storeName(spool.spool().getClass().getSimpleName()),
        spool.maxEntries(), spool.maxBytes());
  }

  /** Names the store as {@code steadfast.spool.store} does, for health details. */
  static String storeName(String spoolClass) {
    String name = spoolClass.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return "postgresql";
    }
    if (name.contains("sqlite")) {
      return "sqlite";
    }
    if (name.contains("memory")) {
      return "memory";
    }
    return spoolClass;
  }

  /**
   * Closes the client: stops accepting messages, waits up to {@code steadfast.spool.close-timeout}
   * for in-flight deliveries, returns the rest to the queue, closes the spool and the routes.
   */
  @Override
  public synchronized void stop() {
    stopped = true;
    Running current = running;
    if (current == null) {
      return;
    }
    // Health reports the client as stopping at once; the spool stays readable for the latency of
    // deliveries that finish while the dispatcher drains.
    state.clientStopping();
    try {
      current.client().close();
    } finally {
      running = null;
      state.clientStopped();
      SteadfastConfigFactory.closeTransports(current.config());
    }
  }

  @Override
  public boolean isRunning() {
    return running != null;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** Closes the client if the context did not stop it, and releases a configuration never started. */
  @Override
  public synchronized void destroy() {
    stop();
    SteadfastConfig unused = prepared;
    prepared = null;
    if (unused != null) {
      release(unused);
    }
  }

  /** Closes the spool and transports of a configuration that no client took over. */
  private static void release(SteadfastConfig config) {
    config.spool().ifPresent(spool -> spool.spool().close());
    SteadfastConfigFactory.closeTransports(config);
  }

  private EmailClient client() {
    Running current = running;
    if (current != null) {
      return current.client();
    }
    synchronized (this) {
      if (running == null) {
        if (stopped) {
          throw new IllegalStateException("Steadfast's EmailClient is stopped because the application context is "
              + "stopping or stopped; messages already submitted stay spooled and are delivered after the next start");
        }
        // A bean sends while the context is still starting: start now rather than fail.
        startClient();
      }
      return Objects.requireNonNull(running).client();
    }
  }

  @Override
  public SendReceipt send(Message message) {
    return client().send(message);
  }

  @Override
  public SendReceipt send(Message message, SendOptions options) {
    return client().send(message, options);
  }

  @Override
  public CompletableFuture<SendReceipt> sendAsync(Message message) {
    return client().sendAsync(message);
  }

  @Override
  public CompletableFuture<SendReceipt> sendAsync(Message message, SendOptions options) {
    return client().sendAsync(message, options);
  }

  /** Tells {@code observer} about every submit from now on (tracing, when the application has it). */
  void submitObserver(SubmitObserver observer) {
    this.submitObserver = Objects.requireNonNull(observer, "observer");
  }

  @Override
  public SubmitReceipt submit(Message message) {
    return observed(() -> client().submit(message));
  }

  @Override
  public SubmitReceipt submit(Message message, Connection connection) {
    return observed(() -> client().submit(message, connection));
  }

  private SubmitReceipt observed(Supplier<SubmitReceipt> submit) {
    SubmitObserver.Finish finish = submitObserver.started();
    SubmitReceipt receipt;
    try {
      receipt = submit.get();
    } catch (RuntimeException e) {
      finish.finished(null, e);
      throw e;
    }
    state.spoolChanged();
    finish.finished(receipt, null);
    return receipt;
  }

  @Override
  public CompletableFuture<SubmitReceipt> submitAsync(Message message) {
    SubmitObserver.Finish finish = submitObserver.started();
    CompletableFuture<SubmitReceipt> future;
    try {
      future = client().submitAsync(message);
    } catch (RuntimeException e) {
      finish.finished(null, e);
      throw e;
    }
    // Not the derived future: callers get the client's own, failing with the unwrapped exception.
    future.whenComplete((receipt, failure) -> {
      state.spoolChanged();
      finish.finished(receipt, failure);
    });
    return future;
  }

  @Override
  public CompletableFuture<DeliveryResult> result(SubmitReceipt receipt) {
    return client().result(receipt);
  }

  @Override
  public ReconcileResult reconcile(ReconcileRequest request) {
    return client().reconcile(request);
  }

  /**
   * Returns why lost answers cannot be settled from SparkPost's events right now (for example the API
   * key lacks the "Events Search: Read-only" grant), or empty if they can or no client is running.
   */
  Optional<String> reconcileProblem() {
    Running current = running;
    return current == null ? Optional.empty() : reconcileProblem(current.client());
  }

  private static Optional<String> reconcileProblem(EmailClient client) {
    // Only the core client knows; the method is not on the EmailClient interface.
    return client instanceof DefaultEmailClient core ? core.reconcileProblem() : Optional.empty();
  }

  @Override
  public SpoolOperations spoolOperations() {
    return client().spoolOperations();
  }

  /** Stops the client as the context would; a later {@link #start()} creates a new one. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    Running current = running;
    return "ManagedEmailClient[" + (current == null ? "stopped" : current.client()) + "]";
  }
}
