package io.steadfast.http.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.spi.MessageEvents.Event;
import io.steadfast.spi.MessageEvents.EventType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one page of an Events search, {@code {"results": [...], "total_count": N, "links": {"next":
 * "..."}}}, keeping only the settling events whose {@code rcpt_meta} carries one of the keys sought.
 *
 * <p>The page as a whole must have the documented shape (an object with a {@code results} array), or
 * nothing on it can be trusted to be complete and the search cannot conclude "not found". Inside it,
 * anything unexpected is skipped, never fatal: an event that is not an object, of another type, without
 * {@code rcpt_meta} or with {@code rcpt_meta} that is not an object (the key is looked for only as its
 * {@value IdempotencyKey#METADATA_FIELD} field, where the transports put it).
 */
final class EventsPageReader {

  private static final Map<String, EventType> TYPES = new HashMap<>();

  static {
    for (EventType type : EventType.values()) {
      TYPES.put(type.wireName(), type);
    }
  }

  private final JsonMapper mapper;
  private final String apiKey;

  EventsPageReader(JsonMapper mapper, String apiKey) {
    this.mapper = mapper;
    this.apiKey = apiKey;
  }

  /**
   * One page as read.
   *
   * @param matches the settling events that carry one of the keys sought, in page order
   * @param next {@code links.next} as sent, or {@code null} on the last page
   */
  record Page(List<Match> matches, @Nullable String next) {}

  /** A settling event and the key it carried. */
  record Match(IdempotencyKey key, Event event) {}

  /**
   * Returns the page in {@code bytes}, or {@code null} if they are not JSON in the documented shape.
   *
   * @param keys the keys sought, by value
   * @param fallbackTime the moment given to an event whose timestamps are missing or unreadable: such an
   *     {@code injection} still proves acceptance, and must not be dropped for want of a time
   */
  @Nullable Page read(byte[] bytes, Map<String, IdempotencyKey> keys, Instant fallbackTime) {
    JsonNode root;
    try {
      root = mapper.readTree(bytes);
    } catch (JacksonException e) {
      return null;
    }
    if (root == null || !root.isObject() || !root.path("results").isArray()) {
      return null;
    }
    List<Match> matches = new ArrayList<>();
    for (JsonNode event : root.path("results").values()) {
      Match match = match(event, keys, fallbackTime);
      if (match != null) {
        matches.add(match);
      }
    }
    return new Page(matches, next(root.path("links")));
  }

  private @Nullable Match match(JsonNode event, Map<String, IdempotencyKey> keys, Instant fallbackTime) {
    if (!event.isObject()) {
      return null;
    }
    EventType type = TYPES.get(text(event.path("type")));
    if (type == null) {
      return null;
    }
    JsonNode meta = event.path("rcpt_meta");
    IdempotencyKey key = meta.isObject() ? keys.get(text(meta.path(IdempotencyKey.METADATA_FIELD))) : null;
    if (key == null) {
      return null;
    }
    Instant timestamp = instant(event.path("timestamp"));
    if (timestamp == null) {
      timestamp = instant(event.path("injection_time"));
    }
    String reason = type == EventType.INJECTION ? null : reason(event);
    return new Match(key, new Event(type, clean(text(event.path("transmission_id")), 100), reason,
        timestamp == null ? fallbackTime : timestamp, clean(text(event.path("recv_method")), 20)));
  }

  /** Returns SparkPost's reason for a rejection: {@code reason}, else {@code raw_reason}, else the error code. */
  private @Nullable String reason(JsonNode event) {
    String reason = clean(text(event.path("reason")), ResponseInterpreter.MAX_PROVIDER_MESSAGE_CHARS);
    if (reason == null) {
      reason = clean(text(event.path("raw_reason")), ResponseInterpreter.MAX_PROVIDER_MESSAGE_CHARS);
    }
    if (reason == null) {
      String code = clean(text(event.path("error_code")), 64);
      reason = code == null ? null : "error code " + code;
    }
    return reason;
  }

  /**
   * Returns {@code links.next}: SparkPost sends {@code {"next": "..."}}; the older message-events shape,
   * {@code [{"href": "...", "rel": "next"}]}, is accepted too.
   */
  private static @Nullable String next(JsonNode links) {
    if (links.isObject()) {
      return blankToNull(text(links.path("next")));
    }
    if (links.isArray()) {
      for (JsonNode link : links.values()) {
        if ("next".equals(text(link.path("rel")))) {
          return blankToNull(text(link.path("href")));
        }
      }
    }
    return null;
  }

  private static @Nullable Instant instant(JsonNode node) {
    String text = text(node);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      // Epoch seconds, as older webhook payloads sent them.
      if (!text.isEmpty() && text.length() <= 12 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return Instant.ofEpochSecond(Long.parseLong(text));
      }
      return null;
    }
  }

  private @Nullable String clean(@Nullable String text, int maxChars) {
    return Texts.clean(text, apiKey, maxChars);
  }

  private static @Nullable String text(JsonNode node) {
    return node.isString() || node.isNumber() ? node.asString() : null;
  }

  private static @Nullable String blankToNull(@Nullable String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }
}
