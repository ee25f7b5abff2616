package io.steadfast;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A SHA-256 digest of everything a message says, except its idempotency key: two messages with the
 * same fingerprint are the same email. Every value is length-prefixed so that no two different
 * messages can feed the digest the same bytes; maps are hashed in key order so insertion order does
 * not matter.
 *
 * <p>Fingerprints are stored in spools and idempotency ledgers, so the bytes fed to the digest must
 * never change (MessageFingerprintTest pins them). Only how they are fed is tuned, because this runs
 * on every send: small writes gather in a scratch array and reach the digest in a few calls, ASCII
 * text is copied straight into that array, the digest is cloned from a prototype rather
 * than looked up, and a map already in key order is not copied into a {@link TreeMap}.
 */
final class MessageFingerprint {
  private static final MessageDigest PROTOTYPE = sha256();

  private final MessageDigest digest = newDigest();
  /** Bytes not yet given to the digest; most fields are short, so most writes only copy. */
  private final byte[] scratch = new byte[256];
  private int used;

  private MessageFingerprint() {}

  static String of(Message m) {
    MessageFingerprint f = new MessageFingerprint();
    f.address(m.from()).address(m.replyTo()).text(m.recipientListId());
    f.number(m.recipients().size());
    for (Recipient r : m.recipients()) {
      f.address(r.address()).text(r.kind().name()).value(r.tags()).value(r.metadata()).value(r.substitutionData());
    }
    f.text(m.subject()).text(m.text()).text(m.html()).text(m.ampHtml()).value(m.headers());
    f.attachments(m.attachments()).attachments(m.inlineImages());
    f.text(m.templateId()).text(String.valueOf(m.useDraftTemplate())).text(m.rfc822());
    f.text(m.campaignId()).text(m.description()).address(m.returnPath());
    f.value(m.metadata()).value(m.substitutionData()).value(m.tags());
    MessageOptions o = m.options();
    f.text(String.valueOf(o.transactional())).text(String.valueOf(o.openTracking()))
        .text(String.valueOf(o.clickTracking())).text(String.valueOf(o.sandbox()))
        .text(String.valueOf(o.skipSuppression())).text(String.valueOf(o.inlineCss()))
        .text(String.valueOf(o.performSubstitutions())).text(o.ipPool())
        .text(o.startTime() == null ? null : o.startTime().toString());
    if (hasLaterFields(m)) {
      // Fields added after fingerprints were first stored are fed only when set, so every message
      // that could be written before they existed keeps its stored fingerprint.
      f.text("later-fields").text(String.valueOf(o.initialOpen())).text(m.abTestId());
      f.number(m.archive().size());
      for (EmailAddress archived : m.archive()) {
        f.address(archived);
      }
      for (Recipient r : m.recipients()) {
        f.address(r.headerTo()).address(r.returnPath());
      }
    }
    f.flush();
    return HexFormat.of().formatHex(f.digest.digest());
  }

  private static boolean hasLaterFields(Message m) {
    if (m.options().initialOpen() != null || m.abTestId() != null || !m.archive().isEmpty()) {
      return true;
    }
    for (Recipient r : m.recipients()) {
      if (r.headerTo() != null || r.returnPath() != null) {
        return true;
      }
    }
    return false;
  }

  /** Feeds {@code n} as 8 big-endian bytes. */
  private MessageFingerprint number(long n) {
    if (used + Long.BYTES > scratch.length) {
      flush();
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
      scratch[used++] = (byte) (n >>> shift);
    }
    return this;
  }

  private MessageFingerprint bytes(byte[] bytes) {
    number(bytes.length);
    if (bytes.length <= scratch.length - used) {
      System.arraycopy(bytes, 0, scratch, used, bytes.length);
      used += bytes.length;
    } else {
      flush();
      digest.update(bytes);
    }
    return this;
  }

  /** Feeds the length of {@code text}'s UTF-8 encoding, then the encoding; -1 for {@code null}. */
  private MessageFingerprint text(@Nullable String text) {
    if (text == null) {
      return number(-1);
    }
    int length = text.length();
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) >= 0x80) {
        // Anything but ASCII is encoded exactly as before, lone surrogates and all.
        return bytes(text.getBytes(StandardCharsets.UTF_8));
      }
    }
    number(length);
    for (int start = 0; start < length; ) {
      if (used == scratch.length) {
        flush();
      }
      int end = Math.min(length, start + scratch.length - used);
      ascii(text, start, end);
      used += end - start;
      start = end;
    }
    return this;
  }

  /**
   * Copies ASCII chars into the scratch array: for ASCII, their UTF-8 encoding is their low byte. The
   * deprecated {@code getBytes} is the one that copies into an existing array, without allocating.
   */
  @SuppressWarnings("deprecation")
  private void ascii(String text, int start, int end) {
    text.getBytes(start, end, scratch, used);
  }

  private MessageFingerprint address(@Nullable EmailAddress address) {
    return address == null ? number(-1) : text(address.email()).text(address.name());
  }

  private MessageFingerprint attachments(List<Attachment> attachments) {
    number(attachments.size());
    for (Attachment a : attachments) {
      text(a.name()).text(a.contentType()).bytes(a.content());
    }
    return this;
  }

  private MessageFingerprint value(Object value) {
    if (value instanceof Map<?, ?> map) {
      text("{").number(map.size());
      Object[] keys = sortedStringKeys(map);
      if (keys == null) {
        for (Map.Entry<?, ?> entry : new TreeMap<>(map).entrySet()) {
          text(String.valueOf(entry.getKey())).value(entry.getValue());
        }
      } else {
        for (Object key : keys) {
          text((String) key).value(map.get(key));
        }
      }
      return this;
    }
    if (value instanceof List<?> list) {
      text("[").number(list.size());
      for (Object element : list) {
        value(element);
      }
      return this;
    }
    return text(typeName(value)).text(value.toString());
  }

  /**
   * Returns {@code map}'s keys in the order a {@link TreeMap} would iterate them (natural String
   * order), sorting only if they are not in it already; {@code null} if a key is not a String, which
   * is then left to a TreeMap as before.
   */
  private static Object @Nullable [] sortedStringKeys(Map<?, ?> map) {
    Object[] keys = map.keySet().toArray();
    boolean sorted = true;
    for (int i = 0; i < keys.length; i++) {
      if (!(keys[i] instanceof String key)) {
        return null;
      }
      if (i > 0 && ((String) keys[i - 1]).compareTo(key) > 0) {
        sorted = false;
      }
    }
    if (!sorted) {
      Arrays.sort(keys);
    }
    return keys;
  }

  /** {@code value.getClass().getSimpleName()}, without reflection for the JSON types core allows. */
  private static String typeName(Object value) {
    if (value instanceof String) {
      return "String";
    }
    if (value instanceof Integer) {
      return "Integer";
    }
    if (value instanceof Long) {
      return "Long";
    }
    if (value instanceof Boolean) {
      return "Boolean";
    }
    return value.getClass().getSimpleName();
  }

  private void flush() {
    if (used > 0) {
      digest.update(scratch, 0, used);
      used = 0;
    }
  }

  private static MessageDigest newDigest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      // Every JDK's SHA-256 can be cloned; a provider whose cannot still gets a correct digest.
      return sha256();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }
}
