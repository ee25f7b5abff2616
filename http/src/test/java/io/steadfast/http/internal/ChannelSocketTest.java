package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ChannelSocket} keeps {@link Socket}'s contract on real loopback connections: reads wait at
 * most the timeout (the socket's own where none is set) and leave the socket usable, a write waits at
 * most the socket's write timeout and then closes it, a close from another thread ends a read, a
 * failed connect closes the socket, large writes that fill the send buffer complete, and an
 * interrupted reader stops waiting.
 */
class ChannelSocketTest {
  private static final Duration PATIENCE = Duration.ofMinutes(2);

  private static ServerSocket loopbackServer() throws Exception {
    return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  /** After a read timed out, the socket still reads what the server sends (with a patient timeout). */
  private static void assertStillCarriesData(ChannelSocket client, Socket accepted) throws Exception {
    client.setSoTimeout((int) PATIENCE.toMillis());
    accepted.getOutputStream().write("ok".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] answer = client.getInputStream().readNBytes(2);
    assertThat(new String(answer, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ok");
  }

  private static ChannelSocket connect(ServerSocket server) throws Exception {
    return connect(server, new ChannelSocket(0, 0));
  }

  private static ChannelSocket connect(ServerSocket server, ChannelSocket socket) throws Exception {
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 10_000);
    return socket;
  }

  @Test
  void aReadWithNothingToReadTimesOutAndTheSocketStillCarriesData() throws Exception {
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server);
        Socket accepted = server.accept()) {
      // Nothing is ever sent before the timeout: the read can only end by timing out.
      client.setSoTimeout(20);
      assertThat(client.getSoTimeout()).isEqualTo(20);
      assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class)
          .hasMessage("Read timed out");

      assertStillCarriesData(client, accepted);
      assertThat(client.closedByServer()).isFalse();
    }
  }

  @Test
  void withoutASoTimeoutAReadWaitsAtMostTheSocketsOwnReadTimeout() throws Exception {
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server, new ChannelSocket(20, 0));
        Socket accepted = server.accept()) {
      assertThat(client.getSoTimeout()).isZero();
      // Nothing is ever sent before the timeout: the read can only end by timing out.
      assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class)
          .hasMessage("Read timed out");

      assertStillCarriesData(client, accepted);
    }
  }

  @Test
  void aWriteTheServerNeverReadsTimesOutAndClosesTheSocket() throws Exception {
    byte[] payload = new byte[64 * 1024 * 1024];
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server, new ChannelSocket(0, 50));
        Socket accepted = server.accept()) {
      client.setSendBufferSize(16 * 1024);
      accepted.setReceiveBufferSize(16 * 1024);
      OutputStream out = client.getOutputStream();

      // The server never reads, so once both buffers are full the write can only end by timing out.
      assertThatThrownBy(() -> out.write(payload)).isInstanceOf(SocketTimeoutException.class)
          .hasMessage("Write timed out");
      assertThat(client.isClosed()).as("part of the write may have gone: the connection cannot carry more").isTrue();
    }
  }

  @Test
  void aCloseFromAnotherThreadEndsAReadThatWaitsWithoutTimeout() throws Exception {
    try (ServerSocket server = loopbackServer()) {
      ChannelSocket client = connect(server);
      Socket accepted = server.accept();
      CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
        try {
          return client.getInputStream().read();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });

      client.close();

      assertThatThrownBy(() -> read.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(java.io.UncheckedIOException.class)
          .cause().isInstanceOf(SocketException.class);
      assertThat(client.isClosed()).isTrue();
      assertThat(client.isConnected()).as("a closed socket still says it was connected").isTrue();
      assertThat(client.getPort()).isEqualTo(server.getLocalPort());
      // The connection really closed: the server reads the end of the stream.
      accepted.setSoTimeout((int) PATIENCE.toMillis());
      assertThat(accepted.getInputStream().read()).isEqualTo(-1);
      accepted.close();
    }
  }

  @Test
  void aRefusedConnectFailsAndLeavesTheSocketClosed() throws Exception {
    int port;
    try (ServerSocket server = loopbackServer()) {
      port = server.getLocalPort();
    }
    ChannelSocket socket = new ChannelSocket(0, 0);

    assertThatThrownBy(() -> socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000))
        .isInstanceOf(ConnectException.class);
    assertThat(socket.isClosed()).isTrue();
    assertThat(socket.isConnected()).isFalse();
  }

  @Test
  void anUnresolvedAddressIsAnUnknownHost() throws Exception {
    ChannelSocket socket = new ChannelSocket(0, 0);

    assertThatThrownBy(() -> socket.connect(InetSocketAddress.createUnresolved("no-such-host.invalid", 443)))
        .isInstanceOf(UnknownHostException.class).hasMessageContaining("no-such-host.invalid");
    assertThat(socket.isClosed()).isTrue();
  }

  @Test
  void aWriteLargerThanTheSendBufferWaitsForRoomAndArrivesWhole() throws Exception {
    byte[] payload = new byte[8 * 1024 * 1024];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31);
    }
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server);
        Socket accepted = server.accept()) {
      client.setSendBufferSize(16 * 1024);
      CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = accepted.getInputStream()) {
          return in.readNBytes(payload.length);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });

      OutputStream out = client.getOutputStream();
      out.write(payload);
      out.flush();

      assertThat(received.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(payload);
    }
  }

  @Test
  void anInterruptedReaderStopsWaiting() throws Exception {
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server);
        Socket accepted = server.accept()) {
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(InterruptedIOException.class)
            .isNotInstanceOf(SocketTimeoutException.class);
      } finally {
        Thread.interrupted();
      }
      assertThat(client.isClosed()).as("an interrupt does not close the socket").isFalse();
      accepted.getOutputStream().write('x');
      client.setSoTimeout((int) PATIENCE.toMillis());
      assertThat(client.getInputStream().read()).as("and the socket still reads").isEqualTo('x');
    }
  }

  @Test
  void optionsReachTheChannelAndAreReadBack() throws Exception {
    try (ServerSocket server = loopbackServer(); ChannelSocket client = connect(server);
        Socket accepted = server.accept()) {
      client.setTcpNoDelay(true);
      client.setKeepAlive(true);
      client.setSoLinger(true, 5);

      assertThat(client.getTcpNoDelay()).isTrue();
      assertThat(client.getKeepAlive()).isTrue();
      assertThat(client.getSoLinger()).isEqualTo(5);
      assertThat(client.getChannel()).as("the non-blocking channel is not handed out").isNull();
      assertThat(client.getInetAddress()).isEqualTo(InetAddress.getLoopbackAddress());
      assertThat(client.getLocalPort()).isEqualTo(accepted.getPort());
      assertThat(client.toString()).contains("port=" + server.getLocalPort());
    }
  }
}
