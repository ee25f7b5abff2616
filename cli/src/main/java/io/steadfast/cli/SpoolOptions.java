package io.steadfast.cli;

import io.steadfast.EmailClient;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spool.SqliteSpool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
   * Opens an existing spool for dispatch or maintenance. A damaged database is salvaged on the way:
   * its readable entries go into a fresh spool and {@code damage()} reports the rest.
   */
  SqliteSpool openExisting(ConnectionOptions connection) throws IOException {
    return SqliteSpool.open(existingDirectory(connection));
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
   * the spool if that fails. A submit-only client starts no dispatcher: it never connects to SparkPost.
   */
  EmailClient client(ConnectionOptions connection, Duration closeTimeout, boolean submitOnly) throws IOException {
    var key = connection.apiKey();
    var endpoint = connection.endpoint();
    connection.reconcilePolicy(); // a bad setting is a usage error before the spool opens
    SqliteSpool opened = SqliteSpool.open(directory(connection));
    try {
      SpoolConfig spoolConfig = SpoolConfig.builder(opened)
          .pollInterval(Duration.ofMillis(200))
          .closeTimeout(closeTimeout)
          .submitOnly(submitOnly)
          .build();
      return EmailClient.create(SteadfastConfig.builder().apiKey(key).endpoint(endpoint)
          .reconcilePolicy(connection.reconcilePolicy()).spool(spoolConfig).build());
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }
}
