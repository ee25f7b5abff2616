package io.steadfast.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP server that answers each request with one fixed response and then closes the
 * connection, as an HTTP/1.0 server (or one with a very short keep-alive) does: the client's pooled
 * connection is dead by its next request. MockWebServer's {@code DISCONNECT_AT_END} in a few lines,
 * since the http module's tests otherwise need only WireMock.
 */
final class ClosingHttpServer implements AutoCloseable {
  private final ServerSocket server;
  private final byte[] response;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final Semaphore closed = new Semaphore(0);
  private final Thread acceptor;

  private ClosingHttpServer(byte[] response) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.response = response;
    this.acceptor = new Thread(this::serve, "closing-http-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a server answering every request with {@code statusLine}, {@code extraHeaders} (each ending
   * in CRLF, or empty) and the JSON {@code body}, then closing the connection.
   */
  static ClosingHttpServer start(String statusLine, String extraHeaders, String body) throws IOException {
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    String head = statusLine + "\r\nContent-Type: application/json\r\nContent-Length: " + bodyBytes.length
        + "\r\n" + extraHeaders + "\r\n";
    byte[] head8 = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head8.length + bodyBytes.length];
    System.arraycopy(head8, 0, all, 0, head8.length);
    System.arraycopy(bodyBytes, 0, all, head8.length, bodyBytes.length);
    return new ClosingHttpServer(all);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Returns how many whole requests the server read. */
  int requests() {
    return requests.get();
  }

  /** Returns how many connections the server accepted. */
  int connections() {
    return connections.get();
  }

  /** Waits until the server has answered and closed one more connection; false after 30 s. */
  boolean awaitClosed() throws InterruptedException {
    return closed.tryAcquire(30, TimeUnit.SECONDS);
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        connections.incrementAndGet();
        if (readRequest(socket.getInputStream())) {
          requests.incrementAndGet();
          OutputStream out = socket.getOutputStream();
          out.write(response);
          out.flush();
        }
      } catch (IOException e) {
        // The client went away, or the server is closing: either way, on to the next connection.
      } finally {
        closed.release();
      }
    }
  }

  /** Reads one request (headers, then a Content-Length body); false if the connection ended first. */
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int lastFour = 0;
    while (lastFour != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      head.write(b);
      lastFour = lastFour << 8 | b;
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring("content-length:".length()).strip());
      }
    }
    for (long i = 0; i < length; i++) {
      if (in.read() < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
