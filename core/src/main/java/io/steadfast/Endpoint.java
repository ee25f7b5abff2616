package io.steadfast;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where SparkPost's API lives: the US region, the EU region, or a custom base URL (SparkPost
 * Enterprise hosts, a proxy, or a test stub).
 */
public final class Endpoint {

  /** SparkPost's US region: {@code https://api.sparkpost.com}, SMTP {@code smtp.sparkpostmail.com}. */
  public static final Endpoint US =
      new Endpoint("us", URI.create("https://api.sparkpost.com"), "smtp.sparkpostmail.com");

  /** SparkPost's EU region: {@code https://api.eu.sparkpost.com}, SMTP {@code smtp.eu.sparkpostmail.com}. */
  public static final Endpoint EU =
      new Endpoint("eu", URI.create("https://api.eu.sparkpost.com"), "smtp.eu.sparkpostmail.com");

  private final String name;
  private final URI restBaseUrl;
  private final String smtpHost;

  private Endpoint(String name, URI restBaseUrl, String smtpHost) {
    this.name = name;
    this.restBaseUrl = restBaseUrl;
    this.smtpHost = smtpHost;
  }

  /**
   * Returns an endpoint whose REST API is at {@code restBaseUrl} (without the {@code /api/v1} path).
   *
   * <p>The URL must be {@code https}, except on a loopback address (a local stub), so that the API key
   * never crosses a network in clear text.
   *
   * @throws IllegalArgumentException if the URL is not absolute, is not http(s), has a query or
   *     fragment, or is plain http to a non-loopback host
   */
  public static Endpoint custom(URI restBaseUrl) {
    Objects.requireNonNull(restBaseUrl, "restBaseUrl");
    String scheme = restBaseUrl.getScheme() == null ? "" : restBaseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || restBaseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "endpoint must be an absolute http(s) URL such as https://api.sparkpost.com but was " + restBaseUrl);
    }
    if (restBaseUrl.getRawQuery() != null || restBaseUrl.getRawFragment() != null) {
      throw new IllegalArgumentException("endpoint must not have a query or fragment but was " + restBaseUrl);
    }
    if (scheme.equals("http") && !isLoopback(restBaseUrl.getHost())) {
      throw new IllegalArgumentException("endpoint " + restBaseUrl
          + " would send the API key in clear text; use https (plain http is allowed on loopback only)");
    }
    String text = restBaseUrl.toString();
    URI trimmed = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    return new Endpoint("custom", trimmed, restBaseUrl.getHost());
  }

  /** Returns an endpoint whose REST API is at {@code restBaseUrl}; see {@link #custom(URI)}. */
  public static Endpoint custom(String restBaseUrl) {
    return custom(URI.create(Objects.requireNonNull(restBaseUrl, "restBaseUrl")));
  }

  /** Returns {@code us}, {@code eu} or {@code custom}; route names are built from it ({@code rest-us}). */
  public String name() {
    return name;
  }

  /** Returns the REST API's base URL, without a trailing slash, e.g. {@code https://api.sparkpost.com}. */
  public URI restBaseUrl() {
    return restBaseUrl;
  }

  /** Returns the SMTP injection host for this region (for a custom endpoint, the REST URL's host). */
  public String smtpHost() {
    return smtpHost;
  }

  private static boolean isLoopback(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (bare.equalsIgnoreCase("localhost")) {
      return true;
    }
    // Only literal addresses are checked: resolving a name here would make configuration depend on DNS.
    if (!bare.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      return false;
    }
    try {
      return InetAddress.getByName(bare).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Endpoint that && name.equals(that.name) && restBaseUrl.equals(that.restBaseUrl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, restBaseUrl);
  }

  @Override
  public String toString() {
    return "Endpoint[" + name + ", " + restBaseUrl + "]";
  }
}
