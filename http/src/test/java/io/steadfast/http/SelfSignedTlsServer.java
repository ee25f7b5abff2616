package io.steadfast.http;

import io.steadfast.testing.smtp.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server presenting test-support's self-signed certificate for {@code localhost}, which no
 * default trust store accepts; it counts the connections and the requests that got through (none
 * should: the client must give up in the handshake). Public for the Events client's test.
 */
public final class SelfSignedTlsServer implements AutoCloseable {
  private final SSLServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger handshakes = new AtomicInteger();

  /** Starts the server on a free loopback port. */
  public SelfSignedTlsServer() throws IOException {
    this.server = (SSLServerSocket) TestCertificates.serverContext(TestCertificates.serverKeyStore())
        .getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::serve, "self-signed-tls-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The base URL, by the name the certificate carries, so only trust (not the host name) fails. */
  public String baseUrl() {
    return "https://localhost:" + server.getLocalPort();
  }

  /** Returns the port it listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** Returns how many TCP connections the server accepted. */
  public int connections() {
    return connections.get();
  }

  /** Returns how many handshakes completed, after which a request could have been read. */
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

  @Override
  public void close() throws IOException {
    server.close();
  }
}
