package io.steadfast.cli;

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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A hostile SMTP server on a loopback socket for {@code steadfast doctor}: it never ends its greeting
 * ({@link #dripping}, {@link #flooding}) or sends one greeting of its choosing ({@link #greeting}).
 * Every connection gets the same treatment; the server counts the connections clients closed. The
 * doctor connects twice: once for its TCP check, which closes at once, then for the conversation.
 */
final class HostileSmtpServer implements AutoCloseable {
  private enum Style { DRIP, FLOOD, ONCE }

  private final ServerSocket serverSocket;
  private final Style style;
  private final byte[] text;
  private final Duration interval;
  private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "hostile-smtp-drip");
    thread.setDaemon(true);
    return thread;
  });
  /** Guarded by {@code this}. */
  private int closedByClients;
  /** Guarded by {@code this}. */
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  private HostileSmtpServer(Style style, String text, Duration interval) {
    this.style = style;
    this.text = text.getBytes(StandardCharsets.ISO_8859_1);
    this.interval = interval;
    try {
      serverSocket = new ServerSocket();
      serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port", e);
    }
    Thread acceptor = new Thread(this::acceptLoop, "hostile-smtp-" + serverSocket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Sends {@code line} (a {@code 220-} continuation line with its CRLF) every {@code interval}, forever. */
  static HostileSmtpServer dripping(String line, Duration interval) {
    return new HostileSmtpServer(Style.DRIP, line, interval);
  }

  /** Sends {@code line} as fast as the client's socket takes it, forever. */
  static HostileSmtpServer flooding(String line) {
    return new HostileSmtpServer(Style.FLOOD, line, Duration.ZERO);
  }

  /** Sends {@code greeting} once, then reads and ignores what the client says. */
  static HostileSmtpServer greeting(String greeting) {
    return new HostileSmtpServer(Style.ONCE, greeting, Duration.ZERO);
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /** Waits until clients closed {@code count} connections; returns whether they did within {@code timeout}. */
  synchronized boolean awaitClosedConnections(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (closedByClients < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private synchronized void closedByClient() {
    closedByClients++;
    notifyAll();
  }

  /** Returns everything clients sent, as text. */
  synchronized String received() {
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread session = new Thread(() -> serve(socket), "hostile-smtp-session");
      session.setDaemon(true);
      session.start();
    }
  }

  private void serve(Socket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      switch (style) {
        case DRIP -> {
          drip.scheduleAtFixedRate(() -> {
            try {
              out.write(text);
              out.flush();
            } catch (IOException e) {
              throw new UncheckedIOException(e); // the client is gone: ends this schedule
            }
          }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
          read(in);
        }
        case FLOOD -> {
          Thread reader = new Thread(() -> read(in), "hostile-smtp-reader");
          reader.setDaemon(true);
          reader.start();
          while (true) {
            out.write(text); // throws once the client has closed the connection
          }
        }
        case ONCE -> {
          out.write(text);
          out.flush();
          read(in);
        }
        default -> throw new IllegalStateException("unknown style " + style);
      }
    } catch (IOException e) {
      closedByClient(); // writing failed: the client is gone
    } finally {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing is best effort in a test.
      }
    }
  }

  /** Reads until the client closes the connection; the doctor's TCP check closes without a byte. */
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
    if (style != Style.FLOOD) {
      closedByClient(); // a flood counts the failed write instead
    }
  }

  @Override
  public void close() {
    drip.shutdownNow();
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // Closing is best effort in a test.
    }
  }
}
