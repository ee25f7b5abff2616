package io.steadfast.testing.smtp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Puts {@code STARTTLS} in front of a plain SMTP server, such as GreenMail (which offers no {@code
 * STARTTLS}, greenmail-mail-test/greenmail#135), so a client that insists on TLS can be tested
 * against a real mail server.
 *
 * <p>The relay greets the client itself and offers only {@code STARTTLS}; any other command before
 * TLS is refused with {@code 530 5.7.0}. After the handshake (with {@link
 * TestCertificates#serverKeyStore()}) it opens a plain connection to the upstream server, swallows
 * its greeting and from then on copies bytes both ways, so the client's second {@code EHLO}, its
 * {@code AUTH} and its messages reach the upstream server unchanged.
 *
 * <pre>{@code
 * try (StartTlsRelay relay = StartTlsRelay.start("127.0.0.1", greenMail.getSmtp().getPort())) {
 *   // point the client at relay.host() and relay.port(), trusting TestCertificates.trustStore()
 * }
 * }</pre>
 *
 * <p>Instances are thread-safe.
 */
public final class StartTlsRelay implements AutoCloseable {

  private final ServerSocket serverSocket;
  private final String upstreamHost;
  private final int upstreamPort;
  private final SSLContext tls = TestCertificates.serverContext(TestCertificates.serverKeyStore());
  private final Thread acceptor;

  /** Guarded by {@code this}. */
  private final List<Socket> sockets = new ArrayList<>();
  /** Guarded by {@code this}. */
  private final List<Thread> threads = new ArrayList<>();
  /** Guarded by {@code this}. */
  private int tlsSessions;
  /** Guarded by {@code this}. */
  private int plainCommandsRefused;
  /** Guarded by {@code this}. */
  private boolean closed;

  private StartTlsRelay(ServerSocket serverSocket, String upstreamHost, int upstreamPort) {
    this.serverSocket = serverSocket;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.acceptor = new Thread(this::acceptLoop, "starttls-relay-accept-" + serverSocket.getLocalPort());
    acceptor.setDaemon(true);
  }

  /**
   * Starts a relay on an ephemeral loopback port in front of {@code upstreamHost:upstreamPort}.
   *
   * @param upstreamHost the plain SMTP server's host
   * @param upstreamPort the plain SMTP server's port
   * @return the running relay
   * @throws UncheckedIOException if no port can be opened
   */
  public static StartTlsRelay start(String upstreamHost, int upstreamPort) {
    Objects.requireNonNull(upstreamHost, "upstreamHost");
    try {
      ServerSocket socket = new ServerSocket();
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      StartTlsRelay relay = new StartTlsRelay(socket, upstreamHost, upstreamPort);
      relay.acceptor.start();
      return relay;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port for the STARTTLS relay", e);
    }
  }

  /**
   * Returns the address to connect to, a loopback IP literal such as {@code 127.0.0.1}.
   *
   * @return the host address
   */
  public String host() {
    return serverSocket.getInetAddress().getHostAddress();
  }

  /**
   * Returns the port to connect to.
   *
   * @return the port
   */
  public int port() {
    return serverSocket.getLocalPort();
  }

  /**
   * Returns how many connections completed the TLS handshake.
   *
   * @return the count
   */
  public synchronized int tlsSessions() {
    return tlsSessions;
  }

  /**
   * Returns how many commands other than EHLO, HELO, STARTTLS, NOOP and QUIT arrived before TLS.
   *
   * @return the count
   */
  public synchronized int plainCommandsRefused() {
    return plainCommandsRefused;
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    List<Socket> open;
    List<Thread> running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(sockets);
      running = new ArrayList<>(threads);
    }
    closeQuietly(serverSocket);
    open.forEach(StartTlsRelay::closeQuietly);
    try {
      acceptor.join(2_000);
      for (Thread thread : running) {
        thread.join(2_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "StartTlsRelay[" + host() + ":" + port() + " -> " + upstreamHost + ":" + upstreamPort + "]";
  }

  private void acceptLoop() {
    while (true) {
      Socket client;
      try {
        client = serverSocket.accept();
      } catch (IOException e) {
        return;
      }
      if (!track(client)) {
        return;
      }
      spawn("starttls-relay-session", () -> serve(client));
    }
  }

  private synchronized boolean track(Socket socket) {
    if (closed) {
      closeQuietly(socket);
      return false;
    }
    sockets.add(socket);
    return true;
  }

  private void spawn(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    synchronized (this) {
      threads.add(thread);
    }
    thread.start();
  }

  private void serve(Socket client) {
    Socket upstream = null;
    try {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      SmtpLines.write(out, "220 relay.test ESMTP StartTlsRelay");
      while (true) {
        String line = SmtpLines.readText(in);
        if (line == null) {
          return;
        }
        String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        switch (verb) {
          case "EHLO" -> SmtpLines.write(out, "250-relay.test Hello\n250-8BITMIME\n250 STARTTLS");
          case "HELO" -> SmtpLines.write(out, "250 relay.test");
          case "NOOP" -> SmtpLines.write(out, "250 2.0.0 Ok");
          case "QUIT" -> {
            SmtpLines.write(out, "221 2.0.0 Bye");
            return;
          }
          case "STARTTLS" -> {
            SmtpLines.write(out, "220 2.0.0 Ready to start TLS");
            SSLSocket secure = (SSLSocket) tls.getSocketFactory()
                .createSocket(client, client.getInetAddress().getHostAddress(), client.getPort(), true);
            secure.setUseClientMode(false);
            track(secure);
            secure.startHandshake();
            synchronized (this) {
              tlsSessions++;
            }
            upstream = new Socket(upstreamHost, upstreamPort);
            track(upstream);
            InputStream upstreamIn = new BufferedInputStream(upstream.getInputStream());
            String greeting;
            do {
              greeting = SmtpLines.readText(upstreamIn); // swallowed: the client already had ours
            } while (greeting != null && greeting.length() > 3 && greeting.charAt(3) == '-');
            Socket upstreamSocket = upstream;
            spawn("starttls-relay-down", () -> pump(upstreamIn, secure, upstreamSocket));
            pump(secure.getInputStream(), upstream, secure);
            return;
          }
          default -> {
            synchronized (this) {
              plainCommandsRefused++;
            }
            SmtpLines.write(out, "530 5.7.0 Must issue a STARTTLS command first");
          }
        }
      }
    } catch (IOException e) {
      // The client or the upstream server went away; the session is over.
    } finally {
      closeQuietly(client);
      if (upstream != null) {
        closeQuietly(upstream);
      }
    }
  }

  /** Copies {@code from} to {@code to} until either side closes, then closes both. */
  private static void pump(InputStream from, Socket to, Socket fromSocket) {
    byte[] buffer = new byte[8192];
    try {
      OutputStream out = to.getOutputStream();
      int read;
      while ((read = from.read(buffer)) != -1) {
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException e) {
      // One side closed; close the other below.
    } finally {
      closeQuietly(to);
      closeQuietly(fromSocket);
    }
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException ignored) {
      // Best effort.
    }
  }
}
