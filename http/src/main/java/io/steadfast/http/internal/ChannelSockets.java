package io.steadfast.http.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.security.KeyStore;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Sockets whose close by the server can be seen at once: every connection Steadfast opens to
 * SparkPost's API is a {@link ChannelSocket}, over a non-blocking {@link SocketChannel}, so {@link
 * ChannelSocket#closedByServer} can read from it without waiting.
 *
 * <p>Why: with a plain {@link Socket} the only way to look for the server's close is a read with a
 * timeout, and the shortest timeout is 1 ms, which a healthy connection waits out in full. Done before
 * every request on a pooled connection ({@link StaleConnectionCheck}), that made a send 12 times slower
 * than raw OkHttp on loopback (1,331 µs against 106 µs at p50). A non-blocking read answers in a few
 * microseconds: 0 bytes is a healthy idle connection, the end of the stream is the server's close.
 *
 * <p>For TLS, OkHttp layers an {@code SSLSocket} over the socket it opened; {@link #tls} wraps the
 * TLS socket factory so that the layered socket's channel can be found again. Trust is the JDK's
 * default, exactly what OkHttp would use without this (it honours {@code javax.net.ssl.trustStore}).
 */
final class ChannelSockets {

  /**
   * The channel socket under each TLS socket made by {@link #tls}. Weak keys: an entry goes when OkHttp
   * drops the connection. Identity keys, since sockets do not override {@code equals}.
   */
  private static final Map<Socket, ChannelSocket> CHANNEL_UNDER_TLS = Collections.synchronizedMap(new WeakHashMap<>());

  private ChannelSockets() {}

  /**
   * Returns a factory of unconnected sockets backed by channels (OkHttp connects them itself) that keep
   * {@code readTimeout} and {@code writeTimeout} themselves ({@link ChannelSocket}): a read waits at most
   * the read timeout unless OkHttp sets another, a write at most the write timeout. Zero means no limit;
   * a timeout longer than {@code Integer.MAX_VALUE} ms is that long.
   */
  static SocketFactory plain(Duration readTimeout, Duration writeTimeout) {
    return new ChannelSocketFactory(millis(readTimeout), millis(writeTimeout));
  }

  /** Whole milliseconds, rounded up so that a positive timeout never becomes "no limit". */
  private static int millis(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout can't be negative: " + timeout);
    }
    if (timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) >= 0) {
      return Integer.MAX_VALUE;
    }
    return (int) timeout.plusNanos(999_999).toMillis();
  }

  /** The JDK's default TLS setup (default trust), with its sockets layered over channels traceable here. */
  static Tls tls() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          SSLContext context = SSLContext.getInstance("TLS");
          context.init(null, new TrustManager[] {x509}, null);
          return new Tls(tls(context.getSocketFactory()), x509);
        }
      }
      throw new IllegalStateException("The JDK's default TrustManagerFactory has no X509TrustManager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("The JDK's default TLS setup is not available: " + e.getMessage(), e);
    }
  }

  /** Wraps {@code delegate} so that the channel socket under each socket it layers can be found by {@link #channel}. */
  static SSLSocketFactory tls(SSLSocketFactory delegate) {
    return new TracingTlsFactory(delegate);
  }

  /** The TLS socket factory and the trust manager it was built from (OkHttp wants both). */
  record Tls(SSLSocketFactory socketFactory, X509TrustManager trustManager) {}

  /**
   * Returns the channel socket that carries {@code socket} (itself, or the one under a TLS socket), or
   * null for a socket not made here (a SOCKS proxy's).
   */
  static @Nullable ChannelSocket channel(Socket socket) {
    return socket instanceof ChannelSocket own ? own : CHANNEL_UNDER_TLS.get(socket);
  }

  private static final class ChannelSocketFactory extends SocketFactory {
    private final int readTimeoutMillis;
    private final int writeTimeoutMillis;

    ChannelSocketFactory(int readTimeoutMillis, int writeTimeoutMillis) {
      this.readTimeoutMillis = readTimeoutMillis;
      this.writeTimeoutMillis = writeTimeoutMillis;
    }

    @Override
    public Socket createSocket() throws IOException {
      return new ChannelSocket(readTimeoutMillis, writeTimeoutMillis);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress... local) throws IOException {
      Socket socket = createSocket();
      try {
        if (local.length > 0) {
          socket.bind(local[0]);
        }
        socket.connect(remote);
        return socket;
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
    }
  }

  private static final class TracingTlsFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;

    TracingTlsFactory(SSLSocketFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
      Socket layered = delegate.createSocket(socket, host, port, autoClose);
      if (socket instanceof ChannelSocket channel) {
        CHANNEL_UNDER_TLS.put(layered, channel);
      }
      return layered;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return delegate.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return delegate.createSocket(address, port, localAddress, localPort);
    }
  }
}
