package io.steadfast.smtp.internal;

import io.steadfast.spi.Delivery;
import io.steadfast.spi.Failure;
import io.steadfast.spi.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one delivery attempt over SMTP: prepares the MIME message, takes a connection from the pool
 * (or opens one), runs the transaction and classifies what happened. Never throws; never retries.
 *
 * <p>Every attempt has a deadline, {@link SmtpSettings#callTimeout()}, from the moment it asks the
 * pool for a connection to the reply to the final {@code .}: the read timeout is per read, so
 * without it a server that keeps sending {@code 220-} lines, each within the read timeout, would
 * hold the caller as long as it liked. When the deadline passes, a timer closes the connection
 * (which breaks a blocked connect, read or write) and the attempt ends as any lost connection does:
 * NotSent before the final {@code .}, Unknown after it. A DNS lookup in progress cannot be broken
 * this way; the resolver's own timeouts bound it.
 *
 * <p>Thread-safe: each attempt has its own connection.
 */
public final class SmtpDeliverer {
  private static final Logger log = LoggerFactory.getLogger(SmtpDeliverer.class);

  /**
   * How long a refusal of the route's security setup (no STARTTLS, no AUTH LOGIN, a 5xx to AUTH) is
   * remembered. Core counts a Rejected outcome as a healthy answer for the circuit breaker, so
   * without this every message would open a new connection to a route that cannot work, and repeated
   * failed logins can get a key or an address blocked.
   */
  static final Duration SECURITY_FAILURE_HOLD = Duration.ofSeconds(30);

  private final SmtpSettings settings;
  private final ScheduledExecutorService timers;
  private final ConnectionPool pool;
  private final OutgoingMessages messages;
  private final SmtpOutcomes outcomes;

  /** Guarded by {@code this}. */
  private Outcome.@Nullable Rejected heldFailure;
  /** Guarded by {@code this}. */
  private @Nullable Instant heldUntil;

  /**
   * Creates a deliverer.
   *
   * @param settings the validated settings
   * @param timers the scheduler Angus uses to enforce write timeouts, and this class the attempts' deadlines
   */
  public SmtpDeliverer(SmtpSettings settings, ScheduledExecutorService timers) {
    this.settings = settings;
    this.timers = timers;
    this.pool = new ConnectionPool(settings);
    this.messages = new OutgoingMessages(settings.clock());
    this.outcomes = new SmtpOutcomes(settings.server(), new Redactor(settings.apiKey()), settings.callTimeout());
  }

  /** Makes one attempt to deliver {@code delivery}; {@code control} may abort it from another thread. */
  public Outcome deliver(Delivery delivery, AttemptControl control) {
    String key = delivery.idempotencyKey().value();
    OutgoingMessages.Prepared prepared = messages.prepare(delivery.message(), delivery.idempotencyKey());
    if (prepared.rejection() != null) {
      return finish(key, prepared.rejection());
    }
    OutgoingMessage message = java.util.Objects.requireNonNull(prepared.message(), "message");
    if (message.metadataBytes() > XMsysApiHeader.METADATA_VISIBLE_BYTES) {
      // Sent anyway, as the REST route does: delivery events carry the metadata; SparkPost only shows
      // the first 1000 bytes in open and click events, and the key comes first.
      log.debug("Route '{}' message {}: metadata is {} bytes; SparkPost shows only {} in open and click events",
          settings.route(), key, message.metadataBytes(), XMsysApiHeader.METADATA_VISIBLE_BYTES);
    }
    Outcome held = heldFailure();
    if (held != null) {
      return finish(key, held);
    }
    long deadlineNanos = System.nanoTime() + settings.callTimeout().toNanos();
    ScheduledFuture<?> deadline;
    try {
      deadline = timers.schedule(control::expire, settings.callTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return finish(key, notSent("the SMTP transport for route '" + settings.route() + "' is closed"));
    }
    try {
      return attempt(key, message, control, deadlineNanos);
    } finally {
      deadline.cancel(false);
    }
  }

  private Outcome attempt(String key, OutgoingMessage message, AttemptControl control, long deadlineNanos) {
    ConnectionPool.Lease lease;
    try {
      lease = pool.acquire(deadlineNanos - System.nanoTime(), control);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return finish(key, notSent("cancelled while waiting for a free SMTP connection to " + settings.server()));
    } catch (TimeoutException e) {
      return finish(key, outcomes.poolBusy(settings.maxConnections()));
    }
    if (lease == null) {
      return finish(key, notSent("the SMTP transport for route '" + settings.route() + "' is closed"));
    }
    SmtpConnection connection = lease.pooled();
    boolean reusable = false;
    try {
      if (connection == null) {
        if (control.isAborted()) {
          return finish(key, notSent("cancelled before connecting to " + settings.server()));
        }
        if (control.isExpired()) {
          return finish(key, outcomes.stopped(Step.CONNECT, SocketCapture.Limit.DEADLINE, null));
        }
        log.debug("Route '{}' message {}: opening an SMTP connection to {}", settings.route(), key, settings.server());
        SocketCapture sockets = new SocketCapture(settings.tls());
        control.attach(sockets);
        SmtpConnection.Opened opened = SmtpConnection.open(settings, sockets, outcomes, timers);
        if (opened.failure() != null) {
          control.detach();
          remember(opened.failure());
          return finish(key, opened.failure());
        }
        connection = opened.connection();
      } else {
        control.attach(connection.sockets());
      }
      SmtpConnection used = java.util.Objects.requireNonNull(connection, "connection");
      SmtpConnection.Transaction transaction = used.send(message);
      control.detach();
      // A deadline that fired just as the transaction ended has closed the sockets: not reusable.
      reusable = transaction.reusable() && !control.isAborted() && !used.sockets().isAborted();
      return finish(key, transaction.outcome());
    } catch (RuntimeException e) {
      // Unreachable by design (the connection classifies everything); kept so a bug cannot break the
      // "outcomes are never thrown" contract. Nothing says the final dot was not sent: UNKNOWN.
      control.detach();
      Outcome unexpected = outcomes.unexpected(e);
      log.warn("Route '{}' message {}: unexpected failure in the SMTP transport", settings.route(), key,
          ((Outcome.Unknown) unexpected).failure().cause());
      return finish(key, unexpected);
    } finally {
      lease.release(connection, reusable);
    }
  }

  /** Closes the pool: idle connections now, connections in use when their attempt ends. */
  public void close() {
    pool.close();
  }

  /** Returns how many idle connections the pool holds, for tests and diagnostics. */
  public int idleConnections() {
    return pool.idleCount();
  }

  private synchronized @Nullable Outcome heldFailure() {
    if (heldFailure == null || heldUntil == null) {
      return null;
    }
    if (!settings.clock().instant().isBefore(heldUntil)) {
      heldFailure = null;
      heldUntil = null;
      return null;
    }
    Failure failure = heldFailure.failure();
    return new Outcome.Rejected(heldFailure.reason(), new Failure(failure.summary()
        + " (remembered from an earlier attempt; the next connection is tried after " + heldUntil + ")",
        failure.statusCode(), failure.providerCode(), failure.providerMessage(), failure.requestId(), null));
  }

  private synchronized void remember(@Nullable Outcome outcome) {
    if (outcome instanceof Outcome.Rejected rejected
        && rejected.reason() == Outcome.Rejected.Reason.AUTHENTICATION) {
      heldFailure = rejected;
      heldUntil = settings.clock().instant().plus(SECURITY_FAILURE_HOLD);
    }
  }

  private Outcome finish(String key, @Nullable Outcome outcome) {
    Outcome result = java.util.Objects.requireNonNull(outcome, "outcome");
    if (result instanceof Outcome.Accepted accepted) {
      log.debug("Route '{}' message {}: accepted as {} ({} recipients accepted, {} refused)", settings.route(), key,
          accepted.transmissionId(), accepted.acceptedRecipients(), accepted.rejectedRecipients());
    } else {
      log.debug("Route '{}' message {}: {}", settings.route(), key, describe(result));
    }
    return result;
  }

  private static String describe(Outcome outcome) {
    if (outcome instanceof Outcome.NotSent notSent) {
      return "not sent (" + notSent.reason() + "): " + notSent.failure().summary();
    }
    if (outcome instanceof Outcome.Unknown unknown) {
      return "outcome unknown: " + unknown.failure().summary();
    }
    Outcome.Rejected rejected = (Outcome.Rejected) outcome;
    return "rejected (" + rejected.reason() + "): " + rejected.failure().summary();
  }

  private static Outcome notSent(String summary) {
    return new Outcome.NotSent(Outcome.NotSent.Reason.UNAVAILABLE, Failure.of(summary, null), null);
  }

  @Override
  public String toString() {
    return "SmtpDeliverer[" + settings + "]";
  }
}
