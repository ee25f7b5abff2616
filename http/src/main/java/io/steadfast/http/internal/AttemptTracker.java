package io.steadfast.http.internal;

import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Response;

/**
 * Records how far one attempt got on the wire, so that a failure can be classified as "not sent"
 * or "perhaps sent".
 *
 * <p>Why an {@link EventListener}: the exception alone cannot say it. A {@code SocketTimeoutException}
 * is a connect timeout (nothing sent) or a read timeout (all sent); an {@code IOException("unexpected
 * end of stream")} may come from a dead pooled connection before or after the body went out. OkHttp
 * calls {@link #requestBodyEnd} when the whole body has been written to the connection, on the thread
 * doing the I/O and before the call can fail or complete, so reading the flag after
 * {@code execute()} throws (or in {@code Callback.onFailure}) is reliable. Until then SparkPost holds at
 * most part of a {@code Content-Length} body, which it cannot act on.
 *
 * <p>Not {@code responseFailed}: OkHttp also tries to read an early answer after a failed write, and
 * reports that read's failure there, so it does not prove the request went out. {@code requestBodyEnd}
 * fires before OkHttp flushes its last buffered segment, so a failure in that final flush is reported
 * as perhaps sent: the safe side. A pooled connection the server has already closed would look the
 * same (written, then end of stream), which is why {@link StaleConnectionCheck} looks at a reused
 * connection before anything is written to it, and records here that it found it dead.
 *
 * <p>One tracker per call: it travels as a request tag, and {@link #FACTORY} hands OkHttp the tracker
 * of the call being created.
 */
final class AttemptTracker extends EventListener {

  /** Gives each call the tracker in its request's tag (calls without one get {@link EventListener#NONE}). */
  static final EventListener.Factory FACTORY = call -> {
    AttemptTracker tracker = call.request().tag(AttemptTracker.class);
    return tracker != null ? tracker : EventListener.NONE;
  };

  private volatile boolean bodyWritten;
  private volatile boolean responseStarted;
  private volatile boolean connected;
  private volatile boolean stale;

  /** Returns whether this call opened a connection of its own, rather than reusing a pooled one. */
  boolean connectedInThisCall() {
    return connected;
  }

  /** Notes that {@link StaleConnectionCheck} found this call's pooled connection closed by the server. */
  void staleConnection() {
    stale = true;
  }

  /**
   * Returns whether the call failed on a pooled connection the server had closed, before any byte of
   * the request was written: a retry on a fresh connection is not another attempt.
   */
  boolean failedOnStaleConnection() {
    return stale && !requestSent();
  }

  @Override
  public void connectStart(Call call, InetSocketAddress inetSocketAddress, Proxy proxy) {
    connected = true;
  }

  /** Returns whether the request may have reached SparkPost whole: its body was written, or an answer began. */
  boolean requestSent() {
    return bodyWritten || responseStarted;
  }

  @Override
  public void requestBodyEnd(Call call, long byteCount) {
    bodyWritten = true;
  }

  @Override
  public void responseHeadersStart(Call call) {
    responseStarted = true;
  }

  @Override
  public void responseHeadersEnd(Call call, Response response) {
    responseStarted = true;
  }
}
