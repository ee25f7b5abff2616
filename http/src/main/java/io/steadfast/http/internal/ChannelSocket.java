package io.steadfast.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Socket} over a {@link SocketChannel} that stays in non-blocking mode for its whole life, so
 * that {@link #closedByServer()} is a single read that never waits, and a read with a timeout waits in
 * a {@link Selector}, as the JDK's own socket does.
 *
 * <p>Why not the channel's own socket ({@code SocketChannel.socket()}): its streams work only in
 * blocking mode, so a look for the server's close has to switch the channel to non-blocking and back
 * (four system calls around a one-byte read), and on JDK 17 every read with a timeout switches it
 * twice more. On loopback, where a whole send is about 110 µs, that was 5 to 10 µs a send. Here the
 * look is one system call, and a timed read that must wait is a read, one wait and a read, like the
 * JDK's socket.
 *
 * <p>Semantics follow {@link Socket}: a read waits at most {@link #getSoTimeout()} (then {@link
 * SocketTimeoutException}, and the socket stays usable), {@link #close()} from another thread ends any
 * wait at once with a {@link SocketException}, and a connect that fails closes the socket. An
 * interrupted thread's wait ends with an {@link InterruptedIOException}. {@link #getChannel()} is
 * {@code null}: the channel is this socket's own, and nobody else may switch its mode.
 *
 * <p>Two differences, both for the timeouts: a {@link #getSoTimeout()} of 0 means the socket's own
 * read timeout (given at creation; 0 there too means none), not "no limit"; and a write waits at most
 * the socket's write timeout, after which the socket is closed (part of the data may have gone, so the
 * connection cannot carry anything more) and the write fails with {@link SocketTimeoutException}. Why:
 * OkHttp's own read and write timeouts are Okio {@code AsyncTimeout}s, which wake Okio's watchdog
 * thread on almost every read and write; the transport turns them off and lets the socket keep them
 * ({@link ChannelSockets#plain}).
 */
final class ChannelSocket extends Socket {
  /** The wait's keys are not looked at: the loop that waited simply tries again. */
  private static final Consumer<SelectionKey> IGNORE = key -> { };

  private final SocketChannel channel;
  private final ReentrantLock readLock = new ReentrantLock();
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Guards the selectors' creation against {@link #close()}, so none is made after it. */
  private final Object stateLock = new Object();
  private final InputStream input = new Input();
  private final OutputStream output = new Output();
  /** For {@link #closedByServer()}: one byte, which a healthy idle connection never fills. */
  private final ByteBuffer probe = ByteBuffer.allocate(1);
  private @Nullable Selector readSelector;
  private @Nullable Selector writeSelector;
  private @Nullable SelectionKey writeKey;
  private volatile int timeoutMillis;
  /** Set by a write, cleared by the next read: that read waits for the answer before it reads. */
  private volatile boolean answerDue;
  /** The read timeout while {@link #timeoutMillis} is 0; 0 for none. */
  private final int defaultReadTimeoutMillis;
  /** How long a write may wait for room in the send buffer; 0 for as long as it takes. */
  private final int writeTimeoutMillis;
  private volatile boolean closed;
  /** Kept from the connect: a closed socket still says where it was connected, as the JDK's does. */
  private volatile @Nullable InetSocketAddress remote;
  private volatile @Nullable InetSocketAddress local;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;

  /**
   * Creates a socket whose reads wait at most {@code readTimeoutMillis} while no {@link #setSoTimeout}
   * says otherwise, and whose writes wait at most {@code writeTimeoutMillis}; 0 for no limit.
   */
  ChannelSocket(int readTimeoutMillis, int writeTimeoutMillis) throws IOException {
    super((SocketImpl) null);
    if (readTimeoutMillis < 0 || writeTimeoutMillis < 0) {
      throw new IllegalArgumentException("timeouts can't be negative");
    }
    this.defaultReadTimeoutMillis = readTimeoutMillis;
    this.writeTimeoutMillis = writeTimeoutMillis;
    this.channel = SocketChannel.open();
    try {
      channel.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Returns whether the server has closed this idle connection, without waiting: the end of the
   * stream, an error, or a byte nobody asked for (garbage on an idle HTTP/1 connection, or a TLS
   * alert) all mean it cannot carry a request. Must only be called while no other thread reads it,
   * as for a pooled HTTP/1 connection about to be used.
   */
  boolean closedByServer() {
    readLock.lock();
    try {
      probe.clear();
      return channel.read(probe) != 0;
    } catch (IOException | RuntimeException e) {
      return true;
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    if (endpoint == null) {
      throw new IllegalArgumentException("connect: The address can't be null");
    }
    if (timeout < 0) {
      throw new IllegalArgumentException("connect: timeout can't be negative");
    }
    if (!(endpoint instanceof InetSocketAddress address)) {
      throw new IllegalArgumentException("Unsupported address type");
    }
    ensureOpen();
    if (remote != null) {
      throw new SocketException("already connected");
    }
    if (address.isUnresolved()) {
      close();
      throw new UnknownHostException(address.getHostName());
    }
    writeLock.lock();
    try {
      long deadline = deadline(timeout);
      if (!channel.connect(address)) {
        while (!channel.finishConnect()) {
          awaitWritable(SelectionKey.OP_CONNECT, deadline, "Connect timed out");
        }
      }
      remote = (InetSocketAddress) channel.getRemoteAddress();
      local = (InetSocketAddress) channel.getLocalAddress();
    } catch (ClosedChannelException e) {
      close();
      throw closedError();
    } catch (IOException | RuntimeException e) {
      // As the JDK's socket: a connect that fails leaves a closed socket.
      close();
      throw e;
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void bind(SocketAddress local) throws IOException {
    ensureOpen();
    channel.bind(local);
  }

  private int read(byte[] bytes, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    if (length == 0) {
      return 0;
    }
    readLock.lock();
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
      // The first read after a write is for the peer's answer, which is almost never there yet: wait
      // for it first, rather than make a read that finds nothing (one system call saved per request).
      boolean waitFirst = answerDue;
      answerDue = false;
      long deadline = 0;
      while (true) {
        if (!waitFirst) {
          int read;
          try {
            read = channel.read(buffer);
          } catch (ClosedChannelException e) {
            throw closedError();
          }
          if (read != 0) {
            return read;
          }
        }
        waitFirst = false;
        if (deadline == 0) {
          // Only now: a read that finds data at once never reads the clock.
          int timeout = timeoutMillis;
          deadline = deadline(timeout != 0 ? timeout : defaultReadTimeoutMillis);
        }
        await(readSelector(), deadline, "Read timed out");
      }
    } finally {
      readLock.unlock();
    }
  }

  private void write(byte[] bytes, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    writeLock.lock();
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
      long deadline = 0;
      while (buffer.hasRemaining()) {
        int written;
        try {
          written = channel.write(buffer);
        } catch (ClosedChannelException e) {
          throw outputShutdown && !closed ? new SocketException("Socket output is shutdown") : closedError();
        }
        if (written == 0) {
          if (deadline == 0) {
            // Only now: most writes fit the send buffer at once and never read the clock.
            deadline = deadline(writeTimeoutMillis);
          }
          awaitWritableOrClose(deadline);
        }
      }
      answerDue = true;
    } finally {
      writeLock.unlock();
    }
  }

  /** Returns the {@code System.nanoTime()} by which a wait of {@code millis} ends; 0 for no limit. */
  private static long deadline(int millis) {
    return millis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis) : 0;
  }

  /**
   * Waits until the selector reports the channel ready, the deadline passes (then {@link
   * SocketTimeoutException} saying {@code timeoutMessage}), or the socket closes. The caller tries
   * its operation again either way: a wait can also end early (a wake-up), which is harmless.
   */
  private void await(Selector selector, long deadline, @Nullable String timeoutMessage) throws IOException {
    long waitMillis = 0;
    if (deadline != 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException(timeoutMessage);
      }
      // Rounded up: a wait cut to 0 ms would mean no limit at all.
      waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
    }
    try {
      selector.select(IGNORE, waitMillis);
    } catch (java.nio.channels.ClosedSelectorException e) {
      throw closedError();
    }
    if (closed) {
      throw closedError();
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted while waiting on the connection");
    }
  }

  /** Waits for room to write; a write that times out closes the socket, since part of it may have gone. */
  private void awaitWritableOrClose(long deadline) throws IOException {
    try {
      awaitWritable(SelectionKey.OP_WRITE, deadline, "Write timed out");
    } catch (SocketTimeoutException e) {
      close();
      throw e;
    }
  }

  private void awaitWritable(int op, long deadline, @Nullable String timeoutMessage) throws IOException {
    Selector selector = writeSelector();
    SelectionKey key = Objects.requireNonNull(writeKey);
    if (key.interestOps() != op) {
      key.interestOps(op);
    }
    await(selector, deadline, timeoutMessage);
  }

  private Selector readSelector() throws IOException {
    synchronized (stateLock) {
      if (readSelector == null) {
        readSelector = register(SelectionKey.OP_READ).selector();
      }
      return readSelector;
    }
  }

  private Selector writeSelector() throws IOException {
    synchronized (stateLock) {
      if (writeSelector == null) {
        writeKey = register(SelectionKey.OP_WRITE);
        writeSelector = writeKey.selector();
      }
      return writeSelector;
    }
  }

  /** Registers the channel with a selector of its own; under {@link #stateLock}, never after close. */
  private SelectionKey register(int op) throws IOException {
    if (closed) {
      throw closedError();
    }
    Selector selector = Selector.open();
    try {
      return channel.register(selector, op);
    } catch (ClosedChannelException e) {
      selector.close();
      throw closedError();
    } catch (RuntimeException e) {
      selector.close();
      throw e;
    }
  }

  private static SocketException closedError() {
    return new SocketException("Socket closed");
  }

  private void ensureOpen() throws SocketException {
    if (closed) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public InputStream getInputStream() throws IOException {
    ensureOpen();
    if (remote == null) {
      throw new SocketException("Socket is not connected");
    }
    if (inputShutdown) {
      throw new SocketException("Socket input is shutdown");
    }
    return input;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    ensureOpen();
    if (remote == null) {
      throw new SocketException("Socket is not connected");
    }
    if (outputShutdown) {
      throw new SocketException("Socket output is shutdown");
    }
    return output;
  }

  /**
   * Closes the channel and ends any wait on it. The selectors are closed after the channel: a
   * registered channel keeps its connection open until its keys are gone, and closing a selector
   * wakes a thread waiting in it.
   */
  @Override
  public void close() throws IOException {
    Selector read;
    Selector write;
    synchronized (stateLock) {
      if (closed) {
        return;
      }
      closed = true;
      read = readSelector;
      write = writeSelector;
    }
    IOException failure = null;
    try {
      channel.close();
    } catch (IOException e) {
      failure = e;
    }
    for (Selector selector : new Selector[] {read, write}) {
      if (selector != null) {
        try {
          selector.close();
        } catch (IOException e) {
          failure = failure == null ? e : failure;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean isConnected() {
    return remote != null;
  }

  @Override
  public boolean isBound() {
    return localAddress() != null;
  }

  @Override
  public void shutdownInput() throws IOException {
    ensureOpen();
    channel.shutdownInput();
    inputShutdown = true;
  }

  @Override
  public void shutdownOutput() throws IOException {
    ensureOpen();
    channel.shutdownOutput();
    outputShutdown = true;
  }

  @Override
  public boolean isInputShutdown() {
    return inputShutdown;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShutdown;
  }

  /** Always null: the channel stays non-blocking under this socket's streams, and is not to be shared. */
  @Override
  public java.nio.channels.@Nullable SocketChannel getChannel() {
    return null;
  }

  private @Nullable InetSocketAddress remoteAddress() {
    return remote;
  }

  /** The connect's local address; before it, the one a {@link #bind} chose, if any. */
  private @Nullable InetSocketAddress localAddress() {
    InetSocketAddress connected = local;
    if (connected != null || closed) {
      return connected;
    }
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public @Nullable InetAddress getInetAddress() {
    InetSocketAddress remote = remoteAddress();
    return remote == null ? null : remote.getAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    InetSocketAddress local = localAddress();
    return local == null ? new InetSocketAddress(0).getAddress() : local.getAddress();
  }

  @Override
  public int getPort() {
    InetSocketAddress remote = remoteAddress();
    return remote == null ? 0 : remote.getPort();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress local = localAddress();
    return local == null ? -1 : local.getPort();
  }

  @Override
  public @Nullable SocketAddress getRemoteSocketAddress() {
    return remoteAddress();
  }

  @Override
  public @Nullable SocketAddress getLocalSocketAddress() {
    return localAddress();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    ensureOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout can't be negative");
    }
    this.timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    ensureOpen();
    return timeoutMillis;
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    set(StandardSocketOptions.TCP_NODELAY, on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return get(StandardSocketOptions.TCP_NODELAY);
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    if (on && linger < 0) {
      throw new IllegalArgumentException("invalid value for SO_LINGER");
    }
    set(StandardSocketOptions.SO_LINGER, on ? Math.min(linger, 65_535) : -1);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return get(StandardSocketOptions.SO_LINGER);
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    throw new SocketException("Urgent data is not supported");
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    throw new SocketException("Urgent data is not supported");
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return false;
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("Invalid send size");
    }
    set(StandardSocketOptions.SO_SNDBUF, size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return get(StandardSocketOptions.SO_SNDBUF);
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("Invalid receive size");
    }
    set(StandardSocketOptions.SO_RCVBUF, size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return get(StandardSocketOptions.SO_RCVBUF);
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_KEEPALIVE, on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return get(StandardSocketOptions.SO_KEEPALIVE);
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    if (tc < 0 || tc > 255) {
      throw new IllegalArgumentException("tc is not in range 0 -- 255");
    }
    set(StandardSocketOptions.IP_TOS, tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return get(StandardSocketOptions.IP_TOS);
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return get(StandardSocketOptions.SO_REUSEADDR);
  }

  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    // Ignored, as by the JDK's own sockets.
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    ensureOpen();
    channel.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    ensureOpen();
    return channel.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return channel.supportedOptions();
  }

  private <T> void set(SocketOption<T> name, T value) throws SocketException {
    ensureOpen();
    try {
      channel.setOption(name, value);
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private <T> T get(SocketOption<T> name) throws SocketException {
    ensureOpen();
    try {
      return channel.getOption(name);
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private static SocketException asSocketException(IOException e) {
    if (e instanceof SocketException socket) {
      return socket;
    }
    SocketException wrapped = new SocketException(e.getMessage());
    wrapped.initCause(e);
    return wrapped;
  }

  @Override
  public String toString() {
    InetSocketAddress remote = remoteAddress();
    return remote == null ? "ChannelSocket[unconnected]"
        : "ChannelSocket[addr=" + remote.getAddress() + ",port=" + remote.getPort() + ",localport=" + getLocalPort()
            + "]";
  }

  private final class Input extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int read = read(one, 0, 1);
      return read > 0 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      return ChannelSocket.this.read(bytes, offset, length);
    }

    /** The bytes ready to read, as the kernel counts them (the channel's own socket asks the same way). */
    @Override
    public int available() throws IOException {
      ensureOpen();
      return inputShutdown ? 0 : channel.socket().getInputStream().available();
    }

    @Override
    public void close() throws IOException {
      ChannelSocket.this.close();
    }
  }

  private final class Output extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      ChannelSocket.this.write(bytes, offset, length);
    }

    @Override
    public void close() throws IOException {
      ChannelSocket.this.close();
    }
  }
}
