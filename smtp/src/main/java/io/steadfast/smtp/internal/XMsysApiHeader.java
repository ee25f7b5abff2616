package io.steadfast.smtp.internal;

import io.steadfast.EmailAddress;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.MessageOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * SparkPost's {@code X-MSYS-API} header: the SMTP way to give a message the campaign id, metadata,
 * tags and options the REST API takes as JSON fields.
 *
 * <p>Mapping, after SparkPost's SMTP API reference (developers.sparkpost.com/api/smtp, "Using the
 * X-MSYS-API Custom Header"):
 *
 * <ul>
 *   <li>{@code campaign_id} from {@link Message#campaignId()} (at most 64 bytes, checked by {@code
 *       Message});
 *   <li>{@code metadata}: {@value IdempotencyKey#METADATA_FIELD} first, then the message's metadata,
 *       so the key is carried to every event exactly as on the REST route;
 *   <li>{@code tags} from {@link Message#tags()};
 *   <li>{@code options}: {@code open_tracking}, {@code click_tracking}, {@code transactional},
 *       {@code sandbox}, {@code skip_suppression}, {@code ip_pool}, {@code inline_css}, each only
 *       when set, so the account's SMTP defaults apply to the rest;
 *   <li>{@code archive} from {@link Message#archive()}, as {@code {"email", "name"}} objects: SparkPost
 *       sends each an archive copy of what the To recipient gets (links left as they are); archive
 *       addresses are not in the envelope, or they would get a second copy;
 *   <li>no {@code cc} or {@code bcc}: Cc and Bcc recipients travel in the SMTP envelope instead (see
 *       {@code OutgoingMessages}).
 * </ul>
 *
 * <p>Non-ASCII text is escaped as {@code \\uXXXX}, as SparkPost requires for header JSON. The
 * header is folded only after a comma, colon, opening brace or opening bracket outside strings: SparkPost
 * warns that unfolding adds a space where a line was broken, which is harmless between JSON tokens
 * but would change a string. Lines stay within RFC 5322's 998 characters.
 */
final class XMsysApiHeader {
  static final String NAME = "X-MSYS-API";

  /** SparkPost shows at most this much metadata in open and click events. */
  static final int METADATA_VISIBLE_BYTES = 1000;

  /** RFC 5322 section 2.1.1: at most 998 characters per line, CRLF excluded. */
  static final int MAX_LINE_LENGTH = 998;

  /** RFC 5322 section 2.1.1 asks for 78; a little less leaves room for the break character. */
  private static final int PREFERRED_LINE_LENGTH = 76;

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build();

  private XMsysApiHeader() {}

  /** Returns the header's JSON object for {@code message} sent with {@code key}. */
  static Map<String, Object> fields(Message message, IdempotencyKey key) {
    Map<String, Object> fields = new LinkedHashMap<>();
    if (message.campaignId() != null) {
      fields.put("campaign_id", message.campaignId());
    }
    fields.put("metadata", metadata(message, key));
    if (!message.tags().isEmpty()) {
      fields.put("tags", message.tags());
    }
    if (!message.archive().isEmpty()) {
      List<Map<String, String>> archive = new ArrayList<>();
      for (EmailAddress address : message.archive()) {
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("email", address.email());
        if (address.name() != null) {
          entry.put("name", address.name());
        }
        archive.add(entry);
      }
      fields.put("archive", archive);
    }
    Map<String, Object> options = options(message.options());
    if (!options.isEmpty()) {
      fields.put("options", options);
    }
    return fields;
  }

  /** Returns the metadata object: the idempotency key first, then the message's own fields. */
  static Map<String, Object> metadata(Message message, IdempotencyKey key) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put(IdempotencyKey.METADATA_FIELD, key.value());
    metadata.putAll(message.metadata());
    return metadata;
  }

  /** Returns {@code value} as compact JSON with non-ASCII characters escaped. */
  static String json(Object value) {
    return JSON.writeValueAsString(value);
  }

  /** Returns the size in bytes of {@code metadata} as JSON, as SparkPost counts it for events. */
  static int jsonBytes(Map<String, Object> metadata) {
    return json(metadata).getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Returns {@code json} folded into header lines for a header whose name and colon take {@code
   * used} characters of the first line, or {@code null} if one JSON token is too long for any line.
   */
  static @Nullable String fold(String json, int used) {
    StringBuilder folded = new StringBuilder(json.length() + json.length() / 40 * 3);
    int lineLength = used;
    int lineStart = used;
    int segmentStart = 0;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0; i <= json.length(); i++) {
      boolean breakAfter = false;
      if (i < json.length()) {
        char c = json.charAt(i);
        if (inString) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            inString = false;
          }
          continue;
        }
        if (c == '"') {
          inString = true;
          continue;
        }
        breakAfter = c == ',' || c == ':' || c == '{' || c == '[';
        if (!breakAfter) {
          continue;
        }
      }
      int end = Math.min(i + 1, json.length());
      String segment = json.substring(segmentStart, end);
      segmentStart = end;
      if (segment.isEmpty()) {
        continue;
      }
      if (lineLength > lineStart && lineLength + segment.length() > PREFERRED_LINE_LENGTH) {
        folded.append("\r\n ");
        lineLength = 1;
        lineStart = 1;
      }
      folded.append(segment);
      lineLength += segment.length();
      if (lineLength > MAX_LINE_LENGTH) {
        return null;
      }
    }
    return folded.toString();
  }

  private static Map<String, Object> options(MessageOptions options) {
    Map<String, Object> fields = new LinkedHashMap<>();
    putIfSet(fields, "open_tracking", options.openTracking());
    putIfSet(fields, "click_tracking", options.clickTracking());
    putIfSet(fields, "transactional", options.transactional());
    putIfSet(fields, "sandbox", options.sandbox());
    putIfSet(fields, "skip_suppression", options.skipSuppression());
    putIfSet(fields, "ip_pool", options.ipPool());
    putIfSet(fields, "inline_css", options.inlineCss());
    return fields;
  }

  private static void putIfSet(Map<String, Object> fields, String name, @Nullable Object value) {
    if (value != null) {
      fields.put(name, value);
    }
  }
}
