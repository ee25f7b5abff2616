package io.steadfast.cli;

import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spool.SqliteSpool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where the spool lives ({@code --spool DIR}, or {@code spool-dir} in the --config file) and how a
 * command opens it. A spool that cannot be opened throws {@link io.steadfast.spool.SpoolOpenException},
 * which {@link CommandFailures} turns into one line and the exit code its reason calls for.
 */
final class SpoolOptions {
  @Option(names = "--spool", paramLabel = "DIR",
      description = "The spool directory (default: spool-dir in --config).")
  @Nullable Path spool;

  @Option(names = "--lock-timeout", paramLabel = "DURATION", converter = DrainCommand.DurationConverter.class,
      description = "How long a write waits while another process writes to the spool, e.g. 500ms or 30s"
          + " (default: 10s); past it the command stores nothing and exits 3.")
  Duration lockTimeout = SqliteSpool.DEFAULT_LOCK_TIMEOUT;

  /** Returns the spool directory, or throws a usage error saying where it may come from. */
  Path directory(ConnectionOptions connection) throws IOException {
    if (spool != null) {
      return spool;
    }
    String configured = connection.property("spool-dir");
    if (configured == null) {
      throw new UsageException("No spool directory: pass --spool DIR, or set spool-dir in --config.");
    }
    return Path.of(configured.strip());
  }

  /** Returns the spool directory, refusing one that does not exist (a mistyped path should not look empty). */
  Path existingDirectory(ConnectionOptions connection) throws IOException {
    Path directory = directory(connection);
    if (!Files.isDirectory(directory)) {
      throw new UsageException("No spool at " + directory + ": the directory does not exist.");
    }
    return directory;
  }

  /**
   * Opens an existing spool for an operator's change (requeue, flush, purge) as one more writer beside
   * any submitters and the dispatcher, which sees the change at once: no dispatcher lock is taken, so it
   * works while {@code steadfast dispatch} runs.
   */
  SqliteSpool openForChanges(ConnectionOptions connection) throws IOException {
    return SqliteSpool.openForSubmit(existingDirectory(connection), lockTimeout);
  }

  /**
   * Opens an existing spool for reading only: no lock (it works while a dispatcher holds the spool), and
   * nothing is created, migrated, moved or changed, not even a damaged file.
   */
  SqliteSpool openReadOnly(ConnectionOptions connection) throws IOException {
    Path directory = existingDirectory(connection);
    if (!Files.exists(directory.resolve(SqliteSpool.DATABASE_FILE))) {
      throw new UsageException("No spool at " + directory + ": the directory holds no " + SqliteSpool.DATABASE_FILE
          + " (nothing was submitted there yet?).");
    }
    return SqliteSpool.openReadOnly(directory);
  }

  /**
   * Opens a client over the spool (creating it if needed) with the configured key and endpoint; closes
   * the spool if that fails. A submit-only client starts no dispatcher and never connects to SparkPost;
   * it opens the spool as one of any number of submitters, beside a dispatcher that may be running. A
   * dispatching client takes the spool's dispatcher lock (another dispatcher: exit 3).
   */
  EmailClient client(ConnectionOptions connection, Duration closeTimeout, boolean submitOnly) throws IOException {
    return client(connection, submitOnly, builder -> builder.closeTimeout(closeTimeout), DeliveryListener.NONE);
  }

  /**
   * Opens a client as {@link #client(ConnectionOptions, Duration, boolean)} does, with {@code tune}
   * applied to the spool configuration and {@code listener} told of deliveries and circuit changes.
   */
  EmailClient client(ConnectionOptions connection, boolean submitOnly, UnaryOperator<SpoolConfig.Builder> tune,
      DeliveryListener listener) throws IOException {
    var key = connection.apiKey();
    var endpoint = connection.endpoint();
    connection.reconcilePolicy(); // a bad setting is a usage error before the spool opens
    Path directory = directory(connection);
    SqliteSpool opened = submitOnly ? SqliteSpool.openForSubmit(directory, lockTimeout)
        : SqliteSpool.open(directory, lockTimeout);
    try {
      SpoolConfig spoolConfig = tune.apply(SpoolConfig.builder(opened)
          .pollInterval(Duration.ofMillis(200))
          .submitOnly(submitOnly))
          .build();
      return EmailClient.create(SteadfastConfig.builder().apiKey(key).endpoint(endpoint).listener(listener)
          .reconcilePolicy(connection.reconcilePolicy()).spool(spoolConfig).build());
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }
}
