package io.steadfast.smtp.internal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Counts what the server sends between two writes of ours, so that one reply cannot grow without
 * bound: Angus Mail reads a multi-line reply into one buffer until a line without {@code -} after
 * the code, so a server that keeps sending {@code 220-} lines makes the client's memory grow as long
 * as it likes, and each line resets the read timeout. A reply larger than {@link #MAX_REPLY_BYTES} or
 * longer than {@link #MAX_REPLY_LINES} lines trips the connection's {@link SocketCapture}, which
 * closes it, and the read fails.
 *
 * <p>The limits are far above what any SMTP server sends: SparkPost's EHLO reply, the longest in the
 * dialogue, is about ten lines and 200 bytes; RFC 5321 section 4.5.3.1.5 caps a reply line at 512
 * octets, so 100 lines of it would be 51,200 bytes, still under the byte limit.
 *
 * <p>Reads happen on the thread using the connection; another thread may trip the capture.
 */
final class ReplyMeter {
  /** The most bytes one reply may have: 64 KiB. */
  static final int MAX_REPLY_BYTES = 64 * 1024;
  /** The most lines one reply may have. */
  static final int MAX_REPLY_LINES = 100;

  private final SocketCapture capture;
  /** Guarded by {@code this}. */
  private int bytes;
  /** Guarded by {@code this}. */
  private int lines;

  ReplyMeter(SocketCapture capture) {
    this.capture = capture;
  }

  /** Starts a new reply: called whenever the client writes, since every command is answered anew. */
  synchronized void written() {
    bytes = 0;
    lines = 0;
  }

  /**
   * Counts {@code length} bytes the server just sent.
   *
   * @throws IOException if the reply is now over a limit, or the capture was tripped before
   */
  void received(byte[] buffer, int offset, int length) throws IOException {
    SocketCapture.Limit exceeded = null;
    synchronized (this) {
      bytes += length;
      for (int i = offset; i < offset + length; i++) {
        if (buffer[i] == '\n') {
          lines++;
        }
      }
      if (lines > MAX_REPLY_LINES) {
        exceeded = SocketCapture.Limit.REPLY_LINES;
      } else if (bytes > MAX_REPLY_BYTES) {
        exceeded = SocketCapture.Limit.REPLY_BYTES;
      }
    }
    if (exceeded != null) {
      capture.trip(exceeded);
    }
    failIfTripped();
  }

  /** Throws if the connection was stopped (a deadline or a limit), so nothing more is read or written. */
  void failIfTripped() throws IOException {
    SocketCapture.Limit limit = capture.tripped();
    if (limit != null) {
      throw new IOException(limit.description());
    }
  }

  /** Returns {@code in}, counted by this meter. */
  InputStream input(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        failIfTripped();
        int b = super.read();
        if (b >= 0) {
          received(new byte[] {(byte) b}, 0, 1);
        }
        return b;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        failIfTripped();
        int n = super.read(buffer, offset, length);
        if (n > 0) {
          received(buffer, offset, n);
        }
        return n;
      }
    };
  }

  /** Returns {@code out}, which starts a new reply on every write. */
  OutputStream output(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        written();
        out.write(b);
      }

      @Override
      public void write(byte[] buffer, int offset, int length) throws IOException {
        written(); // FilterOutputStream would write byte by byte
        out.write(buffer, offset, length);
      }
    };
  }
}
