package io.steadfast.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A hostile SMTP server on a loopback socket that never ends its greeting: it sends {@code 220-}
 * continuation lines (RFC 5321 section 4.2.1) and never the final {@code 220 } line. It serves one
 * connection and records what the client sent and when the client closed the connection.
 *
 * <ul>
 *   <li>{@link #dripping}: one short line per interval, each well inside any read timeout, as the
 *       probe of issue #23 did;
 *   <li>{@link #flooding}: short lines as fast as the socket takes them;
 *   <li>{@link #endlessLine}: {@code 220-} and then bytes without any line end.
 * </ul>
 */
final class EndlessGreetingServer implements AutoCloseable {
  private enum Style { DRIP, FLOOD, ENDLESS_LINE }

  private static final byte[] LINE = "220-smtp.example ESMTP still greeting\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket serverSocket;
  private final Style style;
  private final Duration interval;
  private final Thread acceptor;
  private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "endless-greeting-drip");
    thread.setDaemon(true);
    return thread;
  });
  private final CountDownLatch closedByClient = new CountDownLatch(1);
  /** Guarded by {@code this}. */
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  /** Guarded by {@code this}. */
  private Socket socket;

  private EndlessGreetingServer(Style style, Duration interval) {
    this.style = style;
    this.interval = interval;
    try {
      serverSocket = new ServerSocket();
      serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port", e);
    }
    acceptor = new Thread(this::serve, "endless-greeting-" + serverSocket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Sends one {@code 220-} line every {@code interval}. */
  static EndlessGreetingServer dripping(Duration interval) {
    return new EndlessGreetingServer(Style.DRIP, interval);
  }

  /** Sends {@code 220-} lines as fast as the client's socket takes them. */
  static EndlessGreetingServer flooding() {
    return new EndlessGreetingServer(Style.FLOOD, Duration.ZERO);
  }

  /** Sends {@code 220-} and then bytes without a line end, as fast as the socket takes them. */
  static EndlessGreetingServer endlessLine() {
    return new EndlessGreetingServer(Style.ENDLESS_LINE, Duration.ZERO);
  }

  String host() {
    return serverSocket.getInetAddress().getHostAddress();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /** Waits until the client closed the connection; returns whether it did within {@code timeout}. */
  boolean awaitClosedByClient(Duration timeout) throws InterruptedException {
    return closedByClient.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Returns everything the client sent, as text. */
  synchronized String received() {
    return received.toString(StandardCharsets.US_ASCII);
  }

  private void serve() {
    Socket accepted;
    try {
      accepted = serverSocket.accept();
    } catch (IOException e) {
      return; // closed before a client came
    }
    synchronized (this) {
      socket = accepted;
    }
    try {
      OutputStream out = accepted.getOutputStream();
      InputStream in = accepted.getInputStream();
      Thread reader = new Thread(() -> read(in), "endless-greeting-reader");
      reader.setDaemon(true);
      reader.start();
      switch (style) {
        case DRIP -> drip.scheduleAtFixedRate(() -> {
          try {
            out.write(LINE);
            out.flush();
          } catch (IOException e) {
            closedByClient.countDown();
            throw new UncheckedIOException(e); // ends the schedule
          }
        }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        case FLOOD -> flood(out, LINE);
        case ENDLESS_LINE -> {
          out.write("220-".getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = new byte[4096];
          java.util.Arrays.fill(chunk, (byte) 'x');
          flood(out, chunk);
        }
        default -> throw new IllegalStateException("unknown style " + style);
      }
    } catch (IOException e) {
      closedByClient.countDown(); // writing failed: the client is gone
    }
  }

  private static void flood(OutputStream out, byte[] chunk) throws IOException {
    while (true) {
      out.write(chunk); // throws once the client has closed the connection
    }
  }

  private void read(InputStream in) {
    byte[] buffer = new byte[1024];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        synchronized (this) {
          received.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // A reset is the client closing too.
    }
    closedByClient.countDown();
  }

  @Override
  public void close() {
    drip.shutdownNow();
    try {
      serverSocket.close();
      synchronized (this) {
        if (socket != null) {
          socket.close();
        }
      }
    } catch (IOException ignored) {
      // Closing is best effort in a test.
    }
  }
}
