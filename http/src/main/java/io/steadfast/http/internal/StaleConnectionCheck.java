package io.steadfast.http.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * Before a transmission is written to a pooled HTTP/1.x connection, checks that the server has not
 * closed it, and fails the call with {@link StaleConnectionException} if it has, before a byte of the
 * request leaves, so that the transport can retry at once on a fresh connection without spending an
 * attempt.
 *
 * <p>Why: a server that closes a connection after its answer (HTTP/1.0 style, or an idle timeout
 * shorter than ours) leaves a dead connection in OkHttp's pool, and OkHttp 5 reuses a connection idle
 * for less than 10 s without its read check ({@code RealConnection.IDLE_CONNECTION_HEALTHY_NS},
 * square/okhttp PR 5795; the stale reuse is square/okhttp issue 7007). With {@code
 * retryOnConnectionFailure(false)} (a silent retry could send a transmission twice) the request is then
 * written into the dead connection and fails reading the answer, which cannot be told apart from
 * SparkPost failing after it received the request: a wasted attempt, and an unknown outcome.
 *
 * <p>The check is a non-blocking read of the connection's channel ({@link ChannelSockets}): nothing to
 * read means the connection is healthy; an end of stream, a byte nobody asked for or an error means
 * it is dead, so it is closed (and so never pooled again). It costs microseconds; OkHttp's own check,
 * a read with a 1 ms timeout, is kept only for sockets that are not a channel's. It runs only on connections this call did not open and only for
 * HTTP/1.x: an HTTP/2 connection's socket belongs to OkHttp's reader thread, and OkHttp checks it with
 * pings. A server that closes the connection after this check, while the request is on its way, is
 * still a failure after sending: no client can tell that race apart from a lost answer.
 */
final class StaleConnectionCheck implements Interceptor {

  /** The one instance; it holds no state. */
  static final StaleConnectionCheck INSTANCE = new StaleConnectionCheck();

  /** How long the fallback check waits for an end of stream: OkHttp's own health check waits 1 ms too. */
  private static final int PROBE_TIMEOUT_MILLIS = 1;

  private StaleConnectionCheck() {}

  @Override
  public Response intercept(Chain chain) throws IOException {
    AttemptTracker tracker = chain.request().tag(AttemptTracker.class);
    Connection connection = chain.connection();
    if (tracker != null && connection != null && !tracker.connectedInThisCall()
        && (connection.protocol() == Protocol.HTTP_1_1 || connection.protocol() == Protocol.HTTP_1_0)
        && closedByServer(connection.socket())) {
      tracker.staleConnection();
      throw new StaleConnectionException("the pooled connection to " + chain.request().url().host()
          + " was closed by the server before the request was written");
    }
    return chain.proceed(chain.request());
  }

  /** Returns whether the server has closed {@code socket}; closes it if so. */
  static boolean closedByServer(Socket socket) {
    ChannelSocket channel = ChannelSockets.channel(socket);
    boolean closed = channel != null ? channel.closedByServer() : closedByServerWithin1Ms(socket);
    if (closed) {
      if (channel != null) {
        // The channel socket first: a TLS socket's own close would wait for the server's
        // close_notify, for as long as the read timeout, on a connection known to be dead.
        closeQuietly(channel);
      }
      closeQuietly(socket);
    }
    return closed;
  }

  /**
   * The check for a socket that is not a channel's (one a SOCKS proxy opened): OkHttp's own, a read
   * with a 1 ms timeout, which a healthy connection waits out in full.
   */
  private static boolean closedByServerWithin1Ms(Socket socket) {
    int timeout;
    try {
      timeout = socket.getSoTimeout();
    } catch (IOException e) {
      return true;
    }
    try {
      socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
      // -1 is the server's close; a byte on an idle HTTP/1 connection is garbage that would corrupt
      // the next answer. Either way the connection cannot carry the request.
      socket.getInputStream().read();
    } catch (SocketTimeoutException e) {
      try {
        socket.setSoTimeout(timeout);
        return false;
      } catch (IOException restoreFailed) {
        // Fall through: a socket whose timeout cannot be restored is not one to write to.
      }
    } catch (IOException e) {
      // Reset by the peer, or a TLS alert after its close: dead as well.
    }
    return true;
  }

  private static void closeQuietly(Closeable connection) {
    try {
      connection.close();
    } catch (IOException ignored) {
      // Closing a dead socket can fail; it is dead either way.
    }
  }

  /** The call failed on a pooled connection the server had closed; nothing of the request was written. */
  static final class StaleConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnectionException(String message) {
      super(message);
    }
  }
}
