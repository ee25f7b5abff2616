package io.steadfast.cli;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import io.steadfast.ReconcilePolicy;
import io.steadfast.cli.internal.CliLog;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where to reach SparkPost and with which key: flags first, then the environment
 * ({@code STEADFAST_API_KEY}, {@code SPARKPOST_API_KEY}), then an optional properties file.
 */
final class ConnectionOptions {
  @Option(names = "--region", description = "SparkPost region: us or eu (default: us).")
  @Nullable String region;

  @Option(names = "--endpoint", description = "A custom REST base URL, e.g. an Enterprise host.")
  @Nullable String endpoint;

  @Option(names = "--config", description = "A properties file with api-key, region, endpoint, spool-dir.")
  @Nullable Path config;

  /** The environment; replaced in tests. */
  Map<String, String> environment = System.getenv();

  /** Returns the API key, or throws a usage error naming the three places it may come from. */
  ApiKey apiKey() throws IOException {
    String key = first(environment.get("STEADFAST_API_KEY"), environment.get("SPARKPOST_API_KEY"),
        file().getProperty("api-key"));
    if (key == null || key.isBlank()) {
      throw new UsageException("No API key: set STEADFAST_API_KEY (or SPARKPOST_API_KEY), or api-key in --config."
          + " Keys are never taken from the command line, where shells and process lists would keep them.");
    }
    try {
      ApiKey apiKey = ApiKey.of(key.strip());
      // Whatever this run prints, a library's log line or a server's echo in a failure, never shows it.
      CliLog.redact(apiKey);
      return apiKey;
    } catch (IllegalArgumentException e) {
      throw new UsageException("The API key is malformed: " + e.getMessage());
    }
  }

  /** Returns the endpoint from the flags, the file, or the US default. */
  Endpoint endpoint() throws IOException {
    Properties file = file();
    String url = first(endpoint, file.getProperty("endpoint"));
    if (url != null) {
      try {
        return Endpoint.custom(url);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
    String name = first(region, file.getProperty("region"), "us");
    switch (name.toLowerCase(Locale.ROOT)) {
      case "us":
        return Endpoint.US;
      case "eu":
        return Endpoint.EU;
      default:
        throw new UsageException("Unknown region '" + name + "': use us or eu, or --endpoint for a custom URL.");
    }
  }

  /**
   * Returns the reconcile policy from the --config file ({@code reconcile-policy} = reconcile, resend or
   * dead-letter; {@code reconcile-settle-delay}, {@code reconcile-recheck-delay}, {@code reconcile-timeout}
   * as 90s, 5m, PT30M ...), each defaulting to {@link ReconcilePolicy#DEFAULT}'s.
   */
  ReconcilePolicy reconcilePolicy() throws IOException {
    Properties file = file();
    ReconcilePolicy policy = ReconcilePolicy.DEFAULT;
    String mode = first(file.getProperty("reconcile-policy"));
    if (mode != null) {
      try {
        policy = policy.withMode(ReconcilePolicy.Mode.valueOf(mode.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
      } catch (IllegalArgumentException e) {
        throw new UsageException("Unknown reconcile-policy '" + mode + "' in " + config
            + ": use reconcile, resend or dead-letter.");
      }
    }
    try {
      policy = policy.withSettleDelay(duration(file, "reconcile-settle-delay", policy.settleDelay()))
          .withRecheckDelay(duration(file, "reconcile-recheck-delay", policy.recheckDelay()))
          .withTimeout(duration(file, "reconcile-timeout", policy.timeout()));
    } catch (IllegalArgumentException e) {
      throw new UsageException("Invalid reconcile setting in " + config + ": " + e.getMessage());
    }
    return policy;
  }

  private static Duration duration(Properties file, String name, Duration fallback) {
    String value = first(file.getProperty(name));
    if (value == null) {
      return fallback;
    }
    try {
      return new DrainCommand.DurationConverter().convert(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + " must be a duration such as 90s, 5m or PT30M but was '" + value + "'");
    }
  }

  /** Returns a property from the --config file, or null if there is no file or no such property. */
  @Nullable String property(String name) throws IOException {
    return first(file().getProperty(name));
  }

  private Properties file() throws IOException {
    Properties properties = new Properties();
    if (config != null) {
      if (!Files.isReadable(config)) {
        throw new UsageException("Cannot read the config file " + config);
      }
      try (Reader reader = Files.newBufferedReader(config)) {
        properties.load(reader);
      } catch (IllegalArgumentException e) {
        // Properties.load throws this for a malformed unicode escape: the file must change; it is no bug.
        throw new UsageException("The config file " + config + " is not a valid properties file: " + e.getMessage());
      }
    }
    return properties;
  }

  private static @Nullable String first(@Nullable String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }
}
