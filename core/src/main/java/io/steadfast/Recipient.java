package io.steadfast;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One recipient of a message: an address, whether it is a To, Cc or Bcc recipient, and the tags,
 * metadata and substitution data SparkPost keeps for that recipient alone.
 *
 * @param address where the message goes
 * @param kind whether the recipient is visible in To, visible in Cc, or hidden (Bcc)
 * @param tags labels SparkPost attaches to this recipient's events; empty if none
 * @param metadata JSON data SparkPost attaches to this recipient's events; empty if none
 * @param substitutionData template data for this recipient; empty if none
 * @param headerTo the address this recipient's copy shows in its {@code To} header instead of its own,
 *     or {@code null} for the default: its own address for a To recipient, the first To recipient for a
 *     Cc or Bcc copy. SparkPost writes the header as {@code "address.name" <header_to>}, so a name on
 *     {@code headerTo} is the name shown; without one, the primary's (Cc/Bcc) or the recipient's own
 *     name (To) is shown. REST only for Cc and Bcc recipients.
 * @param returnPath the envelope sender (VERP bounce address) for this recipient alone, or {@code null}
 *     for the message's; REST only (Recipient Lists API, recipient {@code return_path})
 */
public record Recipient(
    EmailAddress address,
    Kind kind,
    List<String> tags,
    Map<String, Object> metadata,
    Map<String, Object> substitutionData,
    @Nullable EmailAddress headerTo,
    @Nullable EmailAddress returnPath) {

  /** SparkPost keeps at most this many tags per recipient and ignores the rest (Recipient Lists API). */
  public static final int MAX_TAGS = 10;

  /** How the recipient appears in the message headers. */
  public enum Kind {
    /** Listed in the {@code To} header. */
    TO,
    /** Listed in the {@code Cc} header. */
    CC,
    /** Receives the message without appearing in any header. */
    BCC
  }

  /**
   * Copies the collections and checks the tags and JSON values.
   *
   * @throws InvalidMessageException if a tag is blank or contains a control character, or metadata or
   *     substitution data holds a value JSON cannot represent
   */
  public Recipient {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(kind, "kind");
    List<InvalidMessageException.Violation> violations = new ArrayList<>();
    tags = List.copyOf(tags);
    for (String tag : tags) {
      if (tag.isBlank() || HeaderText.problem(tag) != null) {
        violations.add(new InvalidMessageException.Violation("tags", "tag '" + EmailAddress.sanitise(tag)
            + "' is blank or contains a control character"));
      }
    }
    metadata = JsonValues.copyObject(metadata, "metadata", violations);
    substitutionData = JsonValues.copyObject(substitutionData, "substitutionData", violations);
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
  }

  /** Creates a recipient without its own {@code headerTo} or {@code returnPath}. */
  public Recipient(EmailAddress address, Kind kind, List<String> tags, Map<String, Object> metadata,
      Map<String, Object> substitutionData) {
    this(address, kind, tags, metadata, substitutionData, null, null);
  }

  /** Returns a To recipient at {@code address}. */
  public static Recipient to(EmailAddress address) {
    return new Recipient(address, Kind.TO, List.of(), Map.of(), Map.of());
  }

  /** Returns a Cc recipient at {@code address}. */
  public static Recipient cc(EmailAddress address) {
    return new Recipient(address, Kind.CC, List.of(), Map.of(), Map.of());
  }

  /** Returns a Bcc recipient at {@code address}. */
  public static Recipient bcc(EmailAddress address) {
    return new Recipient(address, Kind.BCC, List.of(), Map.of(), Map.of());
  }

  /** Returns a copy of this recipient with {@code tags}. */
  public Recipient withTags(List<String> tags) {
    return new Recipient(address, kind, tags, metadata, substitutionData, headerTo, returnPath);
  }

  /** Returns a copy of this recipient with {@code metadata}. */
  public Recipient withMetadata(Map<String, ?> metadata) {
    return new Recipient(address, kind, tags, copy(metadata), substitutionData, headerTo, returnPath);
  }

  /** Returns a copy of this recipient with {@code substitutionData}. */
  public Recipient withSubstitutionData(Map<String, ?> substitutionData) {
    return new Recipient(address, kind, tags, metadata, copy(substitutionData), headerTo, returnPath);
  }

  /**
   * Returns a copy of this recipient whose copy shows {@code headerTo} in its {@code To} header (with
   * {@code headerTo}'s name, if it has one).
   */
  public Recipient withHeaderTo(EmailAddress headerTo) {
    Objects.requireNonNull(headerTo, "headerTo");
    return new Recipient(address, kind, tags, metadata, substitutionData, headerTo, returnPath);
  }

  /** Returns a copy of this recipient whose bounces go to {@code returnPath} (VERP). */
  public Recipient withReturnPath(EmailAddress returnPath) {
    Objects.requireNonNull(returnPath, "returnPath");
    return new Recipient(address, kind, tags, metadata, substitutionData, headerTo, returnPath);
  }

  private static Map<String, Object> copy(Map<String, ?> object) {
    List<InvalidMessageException.Violation> violations = new ArrayList<>();
    Map<String, Object> copy = JsonValues.copyObject(object, "metadata", violations);
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
    return copy;
  }
}
