package io.steadfast.testing;

import io.steadfast.testing.smtp.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server presenting {@link TestCertificates}' self-signed certificate for {@code localhost},
 * which no default trust store accepts: the endpoint a client meets behind a misconfigured proxy or a
 * wrong base URL. It counts the connections and the handshakes that completed (none should: the
 * client must refuse the certificate), so a test can prove the client neither retried nor sent.
 * {@link #startWrongHost()} presents instead a certificate that {@link TestCertificates#trustStore()}
 * trusts but that names only {@code wrong-host.example}, so a client that trusts it must still refuse
 * it for {@code localhost}, after the handshake.
 *
 * <pre>{@code
 * try (UntrustedTlsServer server = UntrustedTlsServer.start()) {
 *   // point the client at server.baseUrl(), send, expect a permanent failure
 *   assertThat(server.connections()).isEqualTo(1);
 * }
 * }</pre>
 */
public final class UntrustedTlsServer implements AutoCloseable {
  private final SSLServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger handshakes = new AtomicInteger();

  private UntrustedTlsServer(KeyStore certificate) throws IOException {
    this.server = (SSLServerSocket) TestCertificates.serverContext(certificate)
        .getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::serve, "untrusted-tls-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts the server on a free loopback port.
   *
   * @return the running server; close it to stop
   * @throws IOException if no port could be bound
   */
  public static UntrustedTlsServer start() throws IOException {
    return new UntrustedTlsServer(TestCertificates.serverKeyStore());
  }

  /**
   * Starts a server on a free loopback port whose certificate is issued for another host: trusted
   * by {@link TestCertificates#trustStore()}, naming only {@code wrong-host.example}.
   *
   * @return the running server; close it to stop
   * @throws IOException if no port could be bound
   */
  public static UntrustedTlsServer startWrongHost() throws IOException {
    return new UntrustedTlsServer(TestCertificates.wrongHostKeyStore());
  }

  /**
   * Returns the base URL, by the name {@link #start()}'s certificate carries, so that only trust (not
   * the host name) fails there; for {@link #startWrongHost()} only the host name fails.
   *
   * @return {@code https://localhost:<port>}
   */
  public String baseUrl() {
    return "https://localhost:" + server.getLocalPort();
  }

  /**
   * Returns the port the server listens on.
   *
   * @return the port
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * Returns how many TCP connections the server accepted.
   *
   * @return the count so far
   */
  public int connections() {
    return connections.get();
  }

  /**
   * Returns how many handshakes completed, after which a request could have been read.
   *
   * @return the count so far; 0 unless a client trusted the certificate
   */
  public int completedHandshakes() {
    return handshakes.get();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        connections.incrementAndGet();
        ((SSLSocket) socket).startHandshake();
        handshakes.incrementAndGet();
      } catch (IOException e) {
        // The client refused the certificate, as it must; on to the next connection.
      }
    }
  }

  /** Stops accepting connections. */
  @Override
  public void close() throws IOException {
    server.close();
  }
}
