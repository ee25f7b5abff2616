package io.steadfast.smtp.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes message content for the SMTP {@code DATA} phase: every line ending becomes CRLF (a bare CR
 * or LF is not allowed in SMTP, RFC 5321 section 2.3.8) and a line that starts with {@code .} gets a
 * second one (transparency, RFC 5321 section 4.5.2), so no line of content can end the message
 * early.
 */
final class DotStuffingOutputStream extends FilterOutputStream {
  private final byte[] buffer = new byte[8192];
  private int count;
  private boolean atLineStart = true;
  private boolean afterCr;

  DotStuffingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    put((byte) b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    for (int i = offset; i < offset + length; i++) {
      put(bytes[i]);
    }
  }

  /** Ends the last line with CRLF if it has no line ending yet, and passes everything on. */
  void endLine() throws IOException {
    if (afterCr) {
      emit((byte) '\n');
      afterCr = false;
      atLineStart = true;
    } else if (!atLineStart) {
      emit((byte) '\r');
      emit((byte) '\n');
      atLineStart = true;
    }
    drain();
  }

  /** Passes buffered bytes on and flushes the stream underneath. */
  @Override
  public void flush() throws IOException {
    drain();
    out.flush();
  }

  /** Closing would close the connection's stream; the connection outlives one message. */
  @Override
  public void close() throws IOException {
    flush();
  }

  private void put(byte b) throws IOException {
    if (afterCr) {
      afterCr = false;
      emit((byte) '\n');
      atLineStart = true;
      if (b == '\n') {
        return; // CRLF already written
      }
    }
    if (b == '\r') {
      emit(b);
      afterCr = true;
      return;
    }
    if (b == '\n') {
      emit((byte) '\r');
      emit(b);
      atLineStart = true;
      return;
    }
    if (atLineStart && b == '.') {
      emit((byte) '.');
    }
    emit(b);
    atLineStart = false;
  }

  private void emit(byte b) throws IOException {
    if (count == buffer.length) {
      drain();
    }
    buffer[count++] = b;
  }

  private void drain() throws IOException {
    if (count > 0) {
      out.write(buffer, 0, count);
      count = 0;
    }
  }
}
