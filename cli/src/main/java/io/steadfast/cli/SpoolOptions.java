package io.steadfast.cli;

import io.steadfast.EmailClient;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import io.steadfast.spool.SqliteSpool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where the spool lives: {@code --spool DIR}, or {@code spool-dir} in the --config file. */
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

  /** Opens the spool; a spool held by another process, or a damaged one, is a usage error. */
  SqliteSpool open(ConnectionOptions connection) throws IOException {
    Path directory = directory(connection);
    try {
      return SqliteSpool.open(directory);
    } catch (IllegalStateException | UncheckedIOException e) {
      throw new UsageException("Cannot open the spool at " + directory + ": " + e.getMessage());
    }
  }

  /** Opens a client over the spool with the configured key and endpoint; closes the spool if that fails. */
  EmailClient client(ConnectionOptions connection, Duration closeTimeout) throws IOException {
    var key = connection.apiKey();
    var endpoint = connection.endpoint();
    connection.reconcilePolicy(); // a bad setting is a usage error before the spool opens
    SqliteSpool opened = open(connection);
    try {
      SpoolConfig spoolConfig = SpoolConfig.builder(opened)
          .pollInterval(Duration.ofMillis(200))
          .closeTimeout(closeTimeout)
          .build();
      return EmailClient.create(SteadfastConfig.builder().apiKey(key).endpoint(endpoint)
          .reconcilePolicy(connection.reconcilePolicy()).spool(spoolConfig).build());
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }
}
