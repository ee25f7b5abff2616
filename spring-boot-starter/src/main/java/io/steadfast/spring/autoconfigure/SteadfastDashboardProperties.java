package io.steadfast.spring.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Steadfast's operations dashboard ({@code steadfast.dashboard.*}): a page served by
 * the application that shows the spool, the circuits, the reconciliation backlog and the dead
 * letters, with buttons to requeue and flush.
 *
 * <p>Off by default. When enabled, the page and its JSON API are ordinary application paths under
 * {@link #getPath() path}: secure them as you secure the rest of the application (its buttons change
 * the spool).
 */
@ConfigurationProperties("steadfast.dashboard")
public class SteadfastDashboardProperties {

  /** The default {@link #getPath() path}. */
  public static final String DEFAULT_PATH = "/steadfast";

  /** The default {@link #getSampleInterval() sample interval}. */
  public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(10);

  /** Whether the application serves the dashboard (it needs Spring MVC). */
  private boolean enabled = false;

  /** Where the dashboard is served: a path starting with '/', without a trailing '/'. */
  private String path = DEFAULT_PATH;

  /** How often the queue depth and delivery count are sampled for the last hour's chart. */
  private Duration sampleInterval = DEFAULT_SAMPLE_INTERVAL;

  /** Creates the properties with their defaults. */
  public SteadfastDashboardProperties() {}

  /** Returns whether the application serves the dashboard. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether the application serves the dashboard; if not set, it does not. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** Returns where the dashboard is served. */
  public String getPath() {
    return path;
  }

  /**
   * Sets where the dashboard is served; if not set, defaults to {@value #DEFAULT_PATH}.
   *
   * @throws IllegalArgumentException if {@code path} does not start with '/', ends with '/' or holds
   *     characters other than letters, digits, '/', '-', '_' and '.'
   */
  public void setPath(String path) {
    if (path == null || !path.matches("(/[A-Za-z0-9._-]+)+")) {
      throw new IllegalArgumentException("steadfast.dashboard.path must start with '/', not end with '/' and "
          + "hold only letters, digits, '/', '-', '_' and '.', but was '" + path + "'; for example /steadfast");
    }
    this.path = path;
  }

  /** Returns how often the chart's samples are taken. */
  public Duration getSampleInterval() {
    return sampleInterval;
  }

  /**
   * Sets how often the chart's samples are taken; if not set, defaults to 10 seconds.
   *
   * @throws IllegalArgumentException if {@code sampleInterval} is shorter than 100 ms or longer than an hour
   */
  public void setSampleInterval(Duration sampleInterval) {
    if (sampleInterval == null || sampleInterval.compareTo(Duration.ofMillis(100)) < 0
        || sampleInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("steadfast.dashboard.sample-interval must be between 100ms and 1h but was "
          + sampleInterval);
    }
    this.sampleInterval = sampleInterval;
  }
}
