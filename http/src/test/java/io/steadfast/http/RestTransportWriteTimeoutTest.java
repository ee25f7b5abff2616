package io.steadfast.http;

import static io.steadfast.http.Fixtures.API_KEY;
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
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server that takes the connection and the request's first bytes, then stops reading: the write of
 * the rest waits at most the write timeout, kept by the transport's sockets rather than by OkHttp, and
 * the attempt ends NOT_SENT (SparkPost never had the whole transmission), with the socket's timeout as
 * its cause.
 */
class RestTransportWriteTimeoutTest {
  /** A safety net only: the outcome comes from the write timeout, long before it. */
  private static final long SAFETY_NET_SECONDS = 120;

  @Test
  void aServerThatStopsReadingEndsTheAttemptNotSentAfterTheWriteTimeout() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setReceiveBufferSize(16 * 1024);
      CompletableFuture<Socket> connection = CompletableFuture.supplyAsync(() -> {
        try {
          Socket accepted = server.accept();
          // Reads the request line to know it started, then never reads again.
          InputStream in = accepted.getInputStream();
          in.readNBytes(4);
          return accepted;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      SteadfastConfig config = SteadfastConfig.builder()
          .apiKey(API_KEY)
          .endpoint(Endpoint.custom("http://127.0.0.1:" + server.getLocalPort()))
          .writeTimeout(Duration.ofMillis(200))
          .callTimeout(Duration.ofSeconds(SAFETY_NET_SECONDS))
          .build();
      // Far more than loopback's socket buffers hold: the body cannot all be written.
      byte[] content = new byte[12 * 1024 * 1024];
      try (Transport transport = RestTransport.create(config)) {
        Outcome outcome = transport.deliver(delivery(minimal()
            .attachment("large.bin", "application/octet-stream", content).build()));

        assertThat(outcome).isInstanceOf(Outcome.NotSent.class);
        Outcome.NotSent notSent = (Outcome.NotSent) outcome;
        assertThat(notSent.reason()).isEqualTo(Outcome.NotSent.Reason.UNAVAILABLE);
        assertThat(notSent.failure().summary()).startsWith("write to 127.0.0.1:").endsWith(" timed out");
        assertThat(notSent.failure().cause()).isInstanceOf(SocketTimeoutException.class);
      } finally {
        connection.get(SAFETY_NET_SECONDS, TimeUnit.SECONDS).close();
      }
    }
  }
}
