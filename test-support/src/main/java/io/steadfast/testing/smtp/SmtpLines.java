package io.steadfast.testing.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Line reading and writing for the test servers: CRLF lines of bytes, as RFC 5321 section 2.3.8 has them. */
final class SmtpLines {
  /** RFC 5321 allows 1000 octets per line; anything much longer is a broken client. */
  private static final int MAX_LINE = 64 * 1024;

  private SmtpLines() {}

  /** Returns the next line without its line ending, or {@code null} at end of stream. */
  static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
          return java.util.Arrays.copyOf(bytes, length - 1);
        }
        return bytes;
      }
      line.write(b);
      if (line.size() > MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
    }
    return line.size() == 0 ? null : line.toByteArray();
  }

  /** Returns the next line as ASCII text, or {@code null} at end of stream. */
  static String readText(InputStream in) throws IOException {
    byte[] line = readLine(in);
    return line == null ? null : new String(line, StandardCharsets.ISO_8859_1);
  }

  /** Writes {@code reply}, whose lines are separated by {@code \n}, each ending in CRLF, and flushes. */
  static void write(OutputStream out, String reply) throws IOException {
    StringBuilder text = new StringBuilder(reply.length() + 8);
    for (String line : reply.split("\n", -1)) {
      text.append(line).append("\r\n");
    }
    out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Returns the three-digit code at the start of {@code reply}. */
  static int code(String reply) {
    return Integer.parseInt(reply.substring(0, 3));
  }
}
