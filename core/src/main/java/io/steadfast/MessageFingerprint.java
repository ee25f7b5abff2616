package io.steadfast;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 */
final class MessageFingerprint {
  private final MessageDigest digest;

  private MessageFingerprint() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }

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
    return HexFormat.of().formatHex(f.digest.digest());
  }

  private MessageFingerprint number(long n) {
    digest.update(ByteBuffer.allocate(Long.BYTES).putLong(n).array());
    return this;
  }

  private MessageFingerprint bytes(byte[] bytes) {
    number(bytes.length);
    digest.update(bytes);
    return this;
  }

  private MessageFingerprint text(@Nullable String text) {
    if (text == null) {
      return number(-1);
    }
    return bytes(text.getBytes(StandardCharsets.UTF_8));
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
      for (Map.Entry<?, ?> entry : new TreeMap<>(map).entrySet()) {
        text(String.valueOf(entry.getKey())).value(entry.getValue());
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
    return text(value.getClass().getSimpleName()).text(value.toString());
  }
}
