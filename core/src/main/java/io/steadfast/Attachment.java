package io.steadfast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A file attached to a message, or an inline image that the HTML refers to as {@code cid:<name>}.
 *
 * <p>The bytes are copied in and copied out, so an {@code Attachment} is immutable and compares by
 * content.
 *
 * @param name the file name (for an inline image, the content id the HTML refers to)
 * @param contentType the MIME type, e.g. {@code application/pdf}
 * @param content the bytes; a copy is returned
 */
public record Attachment(String name, String contentType, byte[] content) {

  /** The longest file name SparkPost accepts, in characters. */
  public static final int MAX_NAME_LENGTH = 255;

  /**
   * Checks the name and content type, and copies the bytes.
   *
   * @throws InvalidMessageException if the name is blank, too long or contains CR, LF or a control
   *     character, or the content type is not {@code type/subtype}
   */
  public Attachment {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(content, "content");
    List<InvalidMessageException.Violation> violations = new ArrayList<>();
    String nameProblem = HeaderText.problem(name);
    if (name.isBlank()) {
      violations.add(new InvalidMessageException.Violation("attachment.name", "is blank"));
    } else if (nameProblem != null) {
      violations.add(new InvalidMessageException.Violation("attachment.name", "'" + EmailAddress.sanitise(name) + "' " + nameProblem));
    } else if (name.length() > MAX_NAME_LENGTH) {
      violations.add(new InvalidMessageException.Violation(
          "attachment.name", "is longer than " + MAX_NAME_LENGTH + " characters"));
    }
    if (!isMimeType(contentType)) {
      violations.add(new InvalidMessageException.Violation("attachment.contentType",
          "'" + EmailAddress.sanitise(contentType) + "' is not a MIME type such as application/pdf"));
    }
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
    contentType = contentType.toLowerCase(Locale.ROOT);
    content = content.clone();
  }

  /**
   * Returns an attachment named {@code name} of type {@code contentType} holding a copy of
   * {@code content}.
   *
   * @throws InvalidMessageException if the name or content type is not acceptable
   */
  public static Attachment of(String name, String contentType, byte[] content) {
    return new Attachment(name, contentType, content);
  }

  /** Returns a copy of the bytes. */
  @Override
  public byte[] content() {
    return content.clone();
  }

  /** Returns the number of bytes before any transfer encoding. */
  public long sizeBytes() {
    return content.length;
  }

  /** Returns the number of bytes once base64-encoded, as SparkPost counts them. */
  public long encodedSizeBytes() {
    return 4L * ((content.length + 2) / 3);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Attachment that
        && name.equals(that.name)
        && contentType.equals(that.contentType)
        && Arrays.equals(content, that.content);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, contentType, Arrays.hashCode(content));
  }

  /** Returns the name, type and size; never the content. */
  @Override
  public String toString() {
    return "Attachment[name=" + name + ", contentType=" + contentType + ", sizeBytes=" + content.length + "]";
  }

  private static boolean isMimeType(String value) {
    int slash = value.indexOf('/');
    if (slash <= 0 || slash == value.length() - 1) {
      return false;
    }
    int end = value.indexOf(';');
    String type = end < 0 ? value : value.substring(0, end);
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      // RFC 2045 token characters, plus the one slash.
      boolean token = c > ' ' && c < 0x7f && "()<>@,;:\\\"[]?=".indexOf(c) < 0;
      if (!token && !(c == '/' && i == slash)) {
        return false;
      }
    }
    return HeaderText.problem(value) == null;
  }
}
