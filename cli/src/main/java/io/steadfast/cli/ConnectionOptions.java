package io.steadfast.cli;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
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
      return ApiKey.of(key.strip());
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
