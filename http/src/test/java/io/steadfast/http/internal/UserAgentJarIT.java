package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loads {@link UserAgent} from the built jar, as an application does, not from target/classes. */
class UserAgentJarIT {

  @Test
  void userAgentCarriesTheImplementationVersionOfTheJarsManifest() throws Exception {
    String version = System.getProperty("steadfast.version");
    Path jar = Path.of("target", "steadfast-http-" + version + ".jar");
    assertThat(jar).exists();

    // No parent but the bootstrap loader: UserAgent needs only java.base, and must come from the jar.
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      Class<?> userAgent = Class.forName(UserAgent.class.getName(), true, loader);
      Field value = userAgent.getDeclaredField("VALUE");
      value.setAccessible(true);

      assertThat(userAgent.getPackage().getImplementationVersion()).isEqualTo(version);
      assertThat(value.get(null)).isEqualTo("steadfast/" + version);
    }
  }
}
