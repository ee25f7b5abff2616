package io.steadfast.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The {@code User-Agent} sent with every request, e.g. {@code steadfast/1.0.0}. */
final class UserAgent {

  /** {@code steadfast/} plus this module's version. */
  static final String VALUE = "steadfast/" + version();

  private UserAgent() {}

  /**
   * The {@code Implementation-Version} of the jar this class was loaded from; when there is none (the
   * classes run from a directory, or were repackaged without the manifest), the version the build
   * wrote into {@code steadfast-http.properties}.
   */
  static String version() {
    String fromManifest = UserAgent.class.getPackage().getImplementationVersion();
    return fromManifest != null ? fromManifest : versionFromBuildProperties();
  }

  private static String versionFromBuildProperties() {
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
