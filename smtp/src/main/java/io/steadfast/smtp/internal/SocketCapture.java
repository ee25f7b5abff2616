package io.steadfast.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * The sockets of one SMTP connection, captured as Angus Mail creates them (through the {@code
 * mail.smtp.socketFactory} and {@code mail.smtp.ssl.socketFactory} instances), for two reasons:
 *
 * <ul>
 *   <li>cancel and close must break a blocked read from another thread, without the {@code
 *       SMTPTransport} monitor the reading thread holds;
 *   <li>the message content is written straight to the TLS socket, so the transport knows whether a
 *       failure came before or after the final {@code .} (see {@link PhasedSmtpTransport});
 *   <li>the attempt's deadline and the {@link ReplyMeter reply limits} stop the connection by closing
 *       its sockets ({@link #trip}), and the failure is then reported as what it was ({@link #tripped}).
 * </ul>
 *
 * <p>Before STARTTLS the plain socket's streams are counted by the {@link ReplyMeter}; from the
 * moment TLS is layered over it, the plain socket carries only TLS records, and the {@link
 * MeteredSslSocket} counts the replies in clear.
 */
final class SocketCapture {
  /** Why a connection was stopped while it was in use. */
  enum Limit {
    /** The attempt's deadline (callTimeout) passed. */
    DEADLINE("the attempt's deadline passed"),
    /** One reply had more than {@link ReplyMeter#MAX_REPLY_BYTES} bytes. */
    REPLY_BYTES("the server's reply exceeded " + ReplyMeter.MAX_REPLY_BYTES + " bytes"),
    /** One reply had more than {@link ReplyMeter#MAX_REPLY_LINES} lines. */
    REPLY_LINES("the server's reply exceeded " + ReplyMeter.MAX_REPLY_LINES + " lines");

    private final String description;

    Limit(String description) {
      this.description = description;
    }

    /** Returns what happened, e.g. "the server's reply exceeded 100 lines". */
    String description() {
      return description;
    }
  }

  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final SSLSocketFactory tlsDelegate;
  private final ReplyMeter meter = new ReplyMeter(this);
  private final AtomicReference<@Nullable Limit> tripped = new AtomicReference<>();
  private volatile @Nullable Socket plain;
  private volatile @Nullable SSLSocket tls;
  /** Set once TLS is being layered over the plain socket, whose streams then carry TLS records. */
  private volatile boolean layered;
  private volatile boolean aborted;

  SocketCapture(SSLSocketFactory tlsDelegate) {
    this.tlsDelegate = tlsDelegate;
  }

  /** Returns the factory Angus uses for the plain TCP connection. */
  SocketFactory plainFactory() {
    return new PlainFactory();
  }

  /** Returns the factory Angus uses to layer TLS over the connection after STARTTLS. */
  SSLSocketFactory tlsFactory() {
    return new TlsFactory();
  }

  /** Returns the TCP socket, once Angus created it. */
  @Nullable Socket plain() {
    return plain;
  }

  /** Returns the TLS socket, once STARTTLS succeeded. */
  @Nullable SSLSocket tls() {
    return tls;
  }

  /**
   * Stops the connection because of {@code limit}: remembers the first limit that tripped and closes
   * every socket now, from any thread, which breaks a blocked read, write or connect.
   */
  void trip(Limit limit) {
    tripped.compareAndSet(null, limit);
    abort();
  }

  /** Returns the limit that stopped the connection, or {@code null} if none did. */
  @Nullable Limit tripped() {
    return tripped.get();
  }

  /** Returns whether the connection was aborted or stopped, so it must not carry another message. */
  boolean isAborted() {
    return aborted;
  }

  /** Closes every socket of the connection now, from any thread; sockets created later close at once. */
  void abort() {
    aborted = true;
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing is all we wanted; an error here changes nothing.
      }
    }
  }

  private <S extends Socket> S track(S socket) {
    sockets.add(socket);
    if (aborted) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // The attempt was cancelled; the socket is unusable either way.
      }
    }
    return socket;
  }

  /** Plain sockets; Angus calls {@link #createSocket()} and connects it with the connect timeout. */
  private final class PlainFactory extends SocketFactory {
    @Override
    public Socket createSocket() throws IOException {
      Socket socket = track(new PlainSocket());
      // The final "." goes out as a small write after the content; with Nagle's algorithm it waits
      // for the server's delayed ACK (~40 ms a message). The benchmarks measured 85 -> ~1,500 msg/s.
      socket.setTcpNoDelay(true);
      plain = socket;
      return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      Socket socket = createSocket();
      socket.connect(new InetSocketAddress(host, port));
      return socket;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      Socket socket = createSocket();
      socket.bind(new InetSocketAddress(localHost, localPort));
      socket.connect(new InetSocketAddress(host, port));
      return socket;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      Socket socket = createSocket();
      socket.connect(new InetSocketAddress(host, port));
      return socket;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      Socket socket = createSocket();
      socket.bind(new InetSocketAddress(localAddress, localPort));
      socket.connect(new InetSocketAddress(address, port));
      return socket;
    }
  }

  /** The TCP socket; its streams are counted until TLS is layered over it. */
  private final class PlainSocket extends Socket {
    @Override
    public InputStream getInputStream() throws IOException {
      InputStream in = super.getInputStream();
      return layered ? in : meter.input(in);
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
      OutputStream out = super.getOutputStream();
      return layered ? out : meter.output(out);
    }
  }

  /** TLS over the existing connection (STARTTLS), from the transport's trust configuration. */
  private final class TlsFactory extends SSLSocketFactory {
    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
      layered = true; // the TLS layer takes the plain socket's streams while it is created
      SSLSocket real = track((SSLSocket) tlsDelegate.createSocket(socket, host, port, autoClose));
      SSLSocket metered = new MeteredSslSocket(real, meter);
      tls = metered;
      return metered;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return tlsDelegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return tlsDelegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return track(tlsDelegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return track(tlsDelegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return track(tlsDelegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return track(tlsDelegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
