package io.steadfast.testing;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides how SparkPost's {@code GET /api/v1/events/message} (Events API, "Search for Message
 * Events") would answer a search over a snapshot of the fake's events; pure, so it runs outside
 * {@link FakeSparkPost}'s lock.
 *
 * <p>Checks run in this order: URI length (414; SparkPost limits URIs to 4096 characters), method
 * (405), API key (401), then the parameters (400, every bad parameter reported with {@code param}
 * and {@code value}).
 */
final class EventsEndpoint {

  static final String PATH = "/api/v1/events/message";

  /** "The maximum URI length is 4096 characters" (Events API overview). */
  static final int MAX_URI_CHARS = 4096;

  /** The documented default of {@code per_page}. */
  static final int DEFAULT_PER_PAGE = 1000;

  /** The documented maximum of {@code per_page}. */
  static final int MAX_PER_PAGE = 10_000;

  /** "Events data is retained for 10 days." */
  static final Duration RETENTION = Duration.ofDays(10);

  /** Without {@code from}, SparkPost searches the last 24 hours. */
  static final Duration DEFAULT_WINDOW = Duration.ofHours(24);

  static final String INITIAL_CURSOR = "initial";

  /** The event types the Events API documents; any other value of {@code events} is a 400. */
  static final Set<String> EVENT_TYPES =
      Set.of(
          "delivery",
          "injection",
          "bounce",
          "delay",
          "policy_rejection",
          "out_of_band",
          "open",
          "initial_open",
          "click",
          "generation_failure",
          "generation_rejection",
          "spam_complaint",
          "list_unsubscribe",
          "link_unsubscribe",
          "amp_open",
          "amp_initial_open",
          "amp_click");

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** The only key accepted, or {@code null} to accept any non-blank key. */
  private final String apiKey;

  EventsEndpoint(String apiKey) {
    this.apiKey = apiKey;
  }

  /** An answer: status and JSON body. */
  record Answer(int status, String body) {}

  /** Formats an event time as the Events API does, e.g. {@code 2019-05-23T21:14:00.000Z}. */
  static String format(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  /** Returns whether {@code path}, without query string or trailing slash, is the events path. */
  static boolean serves(String target) {
    String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
    if (path.endsWith("/") && path.length() > 1) {
      path = path.substring(0, path.length() - 1);
    }
    return path.equals(PATH);
  }

  /**
   * Returns the query parameters of {@code target}, URL-decoded as a form ({@code +} is a space,
   * as SparkPost's servers read it), in order.
   */
  static Map<String, List<String>> parameters(String target) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    int question = target.indexOf('?');
    if (question < 0) {
      return parameters;
    }
    for (String pair : target.substring(question + 1).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals >= 0 ? pair.substring(0, equals) : pair);
      String value = equals >= 0 ? decode(pair.substring(equals + 1)) : "";
      parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return parameters;
  }

  private static String decode(String part) {
    try {
      return URLDecoder.decode(part, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException badEscape) {
      // Keep the raw text: the parameter check then reports it as a malformed value.
      return part;
    }
  }

  /**
   * Answers a search.
   *
   * @param events the fake's events in the order they were recorded; the index is the tie-breaker
   *     of the newest-first order
   * @param now the fake's clock at arrival
   */
  Answer evaluate(
      String method,
      String target,
      Map<String, List<String>> headers,
      List<MessageEvent> events,
      Instant now) {
    if (target.length() > MAX_URI_CHARS) {
      return new Answer(
          414,
          ApiError.body(
              new ApiError(
                  "URI Too Long",
                  null,
                  "the request URI has "
                      + target.length()
                      + " characters; SparkPost accepts at most "
                      + MAX_URI_CHARS
                      + ": split the recipients over several searches")));
    }
    if (!method.equals("GET")) {
      return new Answer(
          405,
          ApiError.body(
              new ApiError(
                  "invalid HTTP method",
                  "1102",
                  "FakeSparkPost serves only GET " + PATH + ", not " + method)));
    }
    String key = Headers.presentedKey(Headers.first(headers, Headers.AUTHORIZATION));
    if (key == null || (apiKey != null && !apiKey.equals(key))) {
      return new Answer(401, ApiError.body(ApiError.UNAUTHORIZED));
    }

    Map<String, List<String>> parameters = parameters(target);
    List<String[]> errors = new ArrayList<>();
    Instant to = instant(parameters, "to", errors);
    Instant from = instant(parameters, "from", errors);
    if (to == null && first(parameters, "to") == null) {
      // "Now", including an event stamped this very millisecond on a clock the test stopped.
      to = now.plusMillis(1);
    }
    if (from == null && first(parameters, "from") == null && to != null) {
      from = to.minus(DEFAULT_WINDOW);
    }
    if (from != null && to != null && !from.isBefore(to)) {
      errors.add(
          new String[] {"from", "from must be before to", first(parameters, "from")});
    }
    Set<String> types = list(parameters, "events");
    for (String type : types) {
      if (!EVENT_TYPES.contains(type)) {
        errors.add(
            new String[] {
              "events", "events must be a comma-separated list of event types", first(parameters, "events")
            });
        break;
      }
    }
    Set<String> recipients = new LinkedHashSet<>();
    for (String recipient : list(parameters, "recipients")) {
      recipients.add(recipient.toLowerCase(Locale.ROOT));
    }
    Set<String> campaigns = list(parameters, "campaigns");
    Set<String> templates = list(parameters, "templates");
    Set<String> transmissions = list(parameters, "transmissions");
    Set<Long> subaccounts = new LinkedHashSet<>();
    for (String subaccount : list(parameters, "subaccounts")) {
      Long id = number(subaccount);
      if (id == null) {
        errors.add(
            new String[] {
              "subaccounts", "subaccounts must be comma-separated numbers", first(parameters, "subaccounts")
            });
        break;
      }
      subaccounts.add(id);
    }
    int perPage = DEFAULT_PER_PAGE;
    String perPageText = first(parameters, "per_page");
    if (perPageText != null) {
      Long value = number(perPageText);
      if (value == null || value < 1 || value > MAX_PER_PAGE) {
        errors.add(
            new String[] {
              "per_page", "per_page must be a number from 1 to " + MAX_PER_PAGE, perPageText
            });
      } else {
        perPage = value.intValue();
      }
    }
    String cursorText = first(parameters, "cursor");
    long[] cursor = null;
    if (cursorText != null && !cursorText.equals(INITIAL_CURSOR)) {
      cursor = decodeCursor(cursorText);
      if (cursor == null) {
        errors.add(new String[] {"cursor", "cursor is not valid", cursorText});
      }
    }
    // A search from a subaccount's key sees only that subaccount's events.
    Long headerSubaccount = null;
    String subaccountHeader = Headers.first(headers, "X-MSYS-SUBACCOUNT");
    if (subaccountHeader != null) {
      headerSubaccount = number(subaccountHeader.strip());
      if (headerSubaccount == null) {
        return new Answer(
            400,
            errorsBody(
                List.<String[]>of(
                    new String[] {
                      "X-MSYS-SUBACCOUNT", "X-MSYS-SUBACCOUNT must be a number", subaccountHeader
                    })));
      }
    }
    if (!errors.isEmpty()) {
      return new Answer(400, errorsBody(errors));
    }

    Instant retained = now.minus(RETENTION);
    List<Integer> matching = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      MessageEvent event = events.get(i);
      Instant at = event.timestamp();
      boolean matches =
          event.visibleAt(now)
              && !at.isBefore(retained)
              && !at.isBefore(from)
              && at.isBefore(to)
              && (types.isEmpty() || types.contains(event.type()))
              && (recipients.isEmpty()
                  || recipients.contains(event.rcptTo().toLowerCase(Locale.ROOT)))
              && (campaigns.isEmpty() || campaigns.contains(event.campaignId()))
              && (templates.isEmpty() || templates.contains(event.templateId()))
              && (transmissions.isEmpty() || transmissions.contains(event.transmissionId()))
              && (subaccounts.isEmpty() || subaccounts.contains(event.subaccountId()))
              && (headerSubaccount == null || headerSubaccount.equals(event.subaccountId()));
      if (matches) {
        matching.add(i);
      }
    }
    // Newest first, as SparkPost lists them; the recording order breaks ties.
    Comparator<Integer> newestFirst =
        Comparator.<Integer, Instant>comparing(i -> events.get(i).timestamp())
            .thenComparing(i -> i)
            .reversed();
    matching.sort(newestFirst);

    int start = 0;
    if (cursor != null) {
      long cursorMillis = cursor[0];
      long cursorIndex = cursor[1];
      while (start < matching.size()) {
        int index = matching.get(start);
        long millis = events.get(index).timestamp().toEpochMilli();
        if (millis < cursorMillis || (millis == cursorMillis && index < cursorIndex)) {
          break;
        }
        start++;
      }
    }
    int end = Math.min(matching.size(), start + perPage);

    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode results = root.putArray("results");
    for (int i = start; i < end; i++) {
      results.add(Json.MAPPER.valueToTree(events.get(matching.get(i)).toWire()));
    }
    root.put("total_count", matching.size());
    ObjectNode links = root.putObject("links");
    if (end < matching.size()) {
      int last = matching.get(end - 1);
      links.put("next", next(parameters, events.get(last).timestamp().toEpochMilli(), last));
    }
    return new Answer(200, Json.MAPPER.writeValueAsString(root));
  }

  /** Returns the link to the next page: every parameter received, then the new cursor. */
  private static String next(Map<String, List<String>> parameters, long millis, int index) {
    StringBuilder link = new StringBuilder(PATH).append('?');
    parameters.forEach(
        (name, values) -> {
          if (!name.equals("cursor")) {
            for (String value : values) {
              link.append(encode(name)).append('=').append(encode(value)).append('&');
            }
          }
        });
    return link.append("cursor=").append(encodeCursor(millis, index)).toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** Cursors are opaque to clients: the position of the last event returned. */
  private static String encodeCursor(long millis, int index) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("v1:" + millis + ":" + index).getBytes(StandardCharsets.US_ASCII));
  }

  private static long[] decodeCursor(String cursor) {
    try {
      String[] parts =
          new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII).split(":");
      if (parts.length != 3 || !parts[0].equals("v1")) {
        return null;
      }
      return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    } catch (IllegalArgumentException notACursor) {
      return null;
    }
  }

  private static String first(Map<String, List<String>> parameters, String name) {
    List<String> values = parameters.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Returns the stripped, non-empty comma-separated items of parameter {@code name}. */
  private static Set<String> list(Map<String, List<String>> parameters, String name) {
    Set<String> items = new LinkedHashSet<>();
    String value = first(parameters, name);
    if (value != null) {
      for (String item : value.split(",", -1)) {
        if (!item.isBlank()) {
          items.add(item.strip());
        }
      }
    }
    return items;
  }

  /**
   * Parses an ISO 8601 date-time with an offset, such as {@code 2019-05-23T21:14:00Z}; seconds and
   * fractions are optional. A value without an offset is refused, as its zone is a guess.
   */
  private static Instant instant(
      Map<String, List<String>> parameters, String name, List<String[]> errors) {
    String value = first(parameters, name);
    if (value == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value.strip(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant();
    } catch (DateTimeParseException e) {
      errors.add(
          new String[] {
            name,
            name + " must be an ISO 8601 date-time with an offset, such as 2019-05-23T21:14:00Z",
            value
          });
      return null;
    }
  }

  private static Long number(String text) {
    if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(text);
  }

  /** Renders SparkPost's parameter errors: {@code {"errors":[{"message","param","value"}]}}. */
  private static String errorsBody(List<String[]> errors) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode array = root.putArray("errors");
    for (String[] error : errors) {
      ObjectNode node = array.addObject();
      node.put("message", error[1]);
      node.put("param", error[0]);
      node.put("value", error[2]);
    }
    return Json.MAPPER.writeValueAsString(root);
  }
}
