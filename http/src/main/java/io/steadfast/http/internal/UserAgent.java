package io.steadfast.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The {@code User-Agent} sent with every request, e.g. {@code steadfast/1.0.0}. */
final class UserAgent {

  /** {@code steadfast/} plus this module's version, filled in by the build. */
  static final String VALUE = "steadfast/" + version();

  private UserAgent() {}

  private static String version() {
    try (InputStream in = UserAgent.class.getResourceAsStream("steadfast-http.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "unknown");
      // Unfiltered (an IDE build without Maven): do not send a literal ${...}.
      return version.startsWith("${") ? "unknown" : version;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
