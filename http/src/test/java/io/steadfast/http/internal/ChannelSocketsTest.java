package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.smtp.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * The non-blocking look for a server's close, on real loopback connections in plain TCP and in TLS
 * (the test certificates): a healthy connection is healthy and still carries data afterwards, a closed
 * one and one with unsolicited bytes are dead.
 */
class ChannelSocketsTest {

  /** A safety net only: the server's close reaches loopback at once; this is not a timing assumption. */
  private static final Duration PATIENCE = Duration.ofMinutes(2);

  @Test
  void aHealthyPlainConnectionIsHealthyAndStillCarriesData() throws Exception {
    try (ServerSocket server = loopbackServer(); Socket client = connectPlain(server);
        Socket accepted = server.accept()) {
      ChannelSocket channel = ChannelSockets.channel(client);
      assertThat(channel).as("a socket of ChannelSockets.plain has a channel").isNotNull();

      assertThat(channel.closedByServer()).isFalse();

      client.setSoTimeout((int) PATIENCE.toMillis());
      roundTrip(client, accepted);
      assertThat(channel.closedByServer()).isFalse();
      roundTrip(client, accepted);
    }
  }

  @Test
  void aPlainConnectionTheServerClosedIsDead() throws Exception {
    try (ServerSocket server = loopbackServer(); Socket client = connectPlain(server)) {
      server.accept().close();

      ChannelSocket channel = ChannelSockets.channel(client);
      assertThat(await(() -> channel.closedByServer())).isTrue();
    }
  }

  @Test
  void unsolicitedBytesOnAnIdleConnectionMakeItDead() throws Exception {
    try (ServerSocket server = loopbackServer(); Socket client = connectPlain(server);
        Socket accepted = server.accept()) {
      accepted.getOutputStream().write('X');
      accepted.getOutputStream().flush();

      ChannelSocket channel = ChannelSockets.channel(client);
      assertThat(await(() -> channel.closedByServer())).isTrue();
    }
  }

  @Test
  void aTlsConnectionIsTracedToItsChannelHealthyWhileOpenAndDeadAfterTheServersClose() throws Exception {
    SSLContext serverTls = TestCertificates.serverContext(TestCertificates.serverKeyStore());
    try (SSLServerSocket server = (SSLServerSocket) serverTls.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> acceptAndHandshake(server));
      try (SSLSocket client = connectTls(server)) {
        client.setSoTimeout((int) PATIENCE.toMillis());
        client.startHandshake();
        Socket serverSide = accepted.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        // One exchange first, as OkHttp pools a connection only after an answer: any TLS 1.3 session
        // ticket the server sent after the handshake has been read by then.
        roundTrip(client, serverSide);

        ChannelSocket channel = ChannelSockets.channel(client);
        assertThat(channel).as("the TLS socket is traced to the channel under it").isNotNull();
        assertThat(channel.closedByServer()).isFalse();
        roundTrip(client, serverSide);

        // A TLS server's close: its close_notify alert, then the end of the stream. (close() would
        // first wait for the client's own close_notify, which JDK servers do.)
        serverSide.shutdownOutput();
        assertThat(await(() -> StaleConnectionCheck.closedByServer(client))).isTrue();
        assertThat(client.isClosed()).as("a dead connection is closed, never pooled again").isTrue();
        assertThat(channel.isClosed()).isTrue();
        serverSide.close();
      }
    }
  }

  @Test
  void aSocketNotMadeHereHasNoChannel() throws Exception {
    try (ServerSocket server = loopbackServer(); Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());

      assertThat(ChannelSockets.channel(client)).isNull();
    }
  }

  @Test
  void aTimeoutTooLongForMillisecondsGivesTheLongestOneASocketKeeps() throws Exception {
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    try (ServerSocket server = loopbackServer();
        Socket client = ChannelSockets.plain(forever, forever).createSocket()) {
      client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
      try (Socket accepted = server.accept()) {
        roundTrip(client, accepted);
        assertThat(client.getSoTimeout()).as("OkHttp's own setting, not the socket's").isZero();
      }
    }
  }

  private static ServerSocket loopbackServer() throws IOException {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  private static Socket connectPlain(ServerSocket server) throws IOException {
    Socket socket = ChannelSockets.plain(Duration.ZERO, Duration.ZERO).createSocket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    return socket;
  }

  private static SSLSocket connectTls(ServerSocket server) throws Exception {
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(TestCertificates.trustStore());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    Socket raw = connectPlain(server);
    return (SSLSocket) ChannelSockets.tls(context.getSocketFactory())
        .createSocket(raw, "localhost", server.getLocalPort(), true);
  }

  private static Socket acceptAndHandshake(SSLServerSocket server) {
    try {
      SSLSocket socket = (SSLSocket) server.accept();
      socket.setSoTimeout((int) PATIENCE.toMillis());
      socket.startHandshake();
      return socket;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The client writes a byte, the server echoes it: the connection carries data both ways. */
  private static void roundTrip(Socket client, Socket server) throws IOException {
    OutputStream out = client.getOutputStream();
    out.write('a');
    out.flush();
    InputStream serverIn = server.getInputStream();
    assertThat(serverIn.read()).isEqualTo('a');
    server.getOutputStream().write('b');
    server.getOutputStream().flush();
    assertThat(client.getInputStream().read()).isEqualTo('b');
  }

  private static boolean await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }
}
