package io.steadfast.testing.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The certificates the SMTP test servers present, and a trust store that trusts them, so a client
 * under test can verify the server as it would verify SparkPost: no "trust all", only a custom
 * trust store.
 *
 * <p>The key stores are PKCS12 files in this package's resources, made with {@code keytool} (JDK 17):
 *
 * <pre>{@code
 * keytool -genkeypair -alias server -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
 *     -dname "CN=localhost, O=Steadfast test-support (not a real certificate)" \
 *     -ext "SAN=dns:localhost,ip:127.0.0.1,ip:::1" -validity 36500 \
 *     -storetype PKCS12 -keystore server.p12 -storepass steadfast-test -keypass steadfast-test
 * keytool -genkeypair ... -dname "CN=wrong-host.example, ..." -ext "SAN=dns:wrong-host.example" \
 *     -keystore wrong-host.p12 ...
 * keytool -exportcert -alias server -keystore server.p12 -rfc -file server.crt ...
 * keytool -importcert -noprompt -alias server -file server.crt -storetype PKCS12 \
 *     -keystore truststore.p12 -storepass steadfast-test
 * keytool -importcert -noprompt -alias wrong-host -file wrong-host.crt ... -keystore truststore.p12
 * }</pre>
 *
 * <p>The private keys are public (they ship in this jar): never use these stores outside tests.
 */
public final class TestCertificates {

  /** The password of every store in this class, and of the keys in them. */
  public static final String PASSWORD = "steadfast-test";

  private TestCertificates() {}

  /**
   * Returns a new copy of the server's key store: a self-signed certificate for {@code localhost},
   * {@code 127.0.0.1} and {@code ::1}, valid for a hundred years.
   *
   * @return a new copy of the store
   */
  public static KeyStore serverKeyStore() {
    return load("server.p12");
  }

  /**
   * Returns a new copy of a key store whose certificate is trusted by {@link #trustStore()} but
   * names only {@code wrong-host.example}, to prove a client checks the host name.
   *
   * @return a new copy of the store
   */
  public static KeyStore wrongHostKeyStore() {
    return load("wrong-host.p12");
  }

  /**
   * Returns a new copy of a trust store holding both test certificates as trusted entries.
   *
   * @return a new copy of the store
   */
  public static KeyStore trustStore() {
    return load("truststore.p12");
  }

  /**
   * Returns a TLS context that presents the certificate in {@code keyStore}, for a test server.
   *
   * @param keyStore the key store holding the certificate and key
   * @return a TLS context for the server side
   * @throws IllegalStateException if the JDK cannot build the context
   */
  public static SSLContext serverContext(KeyStore keyStore) {
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore, PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a server TLS context from the test key store", e);
    }
  }

  private static KeyStore load(String resource) {
    try (InputStream in = TestCertificates.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test key store resource " + resource);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read test key store " + resource, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load test key store " + resource, e);
    }
  }
}
