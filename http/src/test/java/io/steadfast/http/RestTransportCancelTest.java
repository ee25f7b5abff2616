package io.steadfast.http;

import static io.steadfast.http.Fixtures.delivery;
import static io.steadfast.http.Fixtures.minimal;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.Endpoint;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Cancelling {@code deliverAsync}'s future reaches the request in flight. A plain server socket
 * stands in for SparkPost: it takes the request, never answers, and sees the client close the
 * connection once the call is cancelled.
 */
class RestTransportCancelTest {

  @Test
  void cancellingAsyncFutureCancelsTheCall() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(5_000);
      SteadfastConfig config = SteadfastConfig.builder()
          .apiKey(Fixtures.API_KEY)
          .endpoint(Endpoint.custom("http://127.0.0.1:" + server.getLocalPort()))
          // Far longer than the socket's own timeout, so only a cancel can close the connection in time.
          .readTimeout(Duration.ofSeconds(30))
          .callTimeout(Duration.ofSeconds(60))
          .build();
      try (Transport transport = RestTransport.create(config)) {
        CompletableFuture<Outcome> future = transport.deliverAsync(delivery(minimal().build()));

        try (Socket connection = server.accept()) {
          connection.setSoTimeout(3_000);
          InputStream in = connection.getInputStream();
          assertThat(in.read()).as("first byte of the request").isNotNegative();

          future.cancel(true);

          assertThat(drainUntilClosed(in)).as("the client closed the connection").isTrue();
        }
        assertThat(future).isCancelled();
      }
    }
  }

  /** Reads until the client closes the connection; a read timeout means it never did. */
  private static boolean drainUntilClosed(InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    while (true) {
      try {
        if (in.read(buffer) < 0) {
          return true;
        }
      } catch (java.net.SocketTimeoutException e) {
        return false;
      } catch (java.net.SocketException e) {
        // A reset is a close too.
        return true;
      }
    }
  }
}
