package io.steadfast.http.internal;

import io.steadfast.spi.MessageEvents.EventType;
import io.steadfast.spi.MessageEvents.Lookup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.HttpUrl;

/**
 * Turns the lookups of one search into the first-page URLs of as few Events API queries as the URI
 * limit allows.
 *
 * <p>SparkPost cannot filter on metadata (sparkpost.md, "Events API"), so each query asks for the
 * settling event types of some recipients (or, for a stored recipient list, some campaigns or templates,
 * or the whole window) in a time window; the key is matched in {@code rcpt_meta} afterwards.
 *
 * <ul>
 *   <li><b>Windows.</b> Lookups are sorted by {@link Lookup#sentAfter()}; a lookup more than
 *       {@link #GROUP_SPAN} after the first of its group starts a new group. A group's window runs from
 *       its earliest {@code sentAfter} less {@link #CLOCK_SKEW_MARGIN} (never before SparkPost's
 *       retention, {@link #RETENTION}) to {@code until}: the message may have been accepted at any
 *       attempt up to then. Lookups days apart thus do not make every recipient's query span days of
 *       other traffic.</li>
 *   <li><b>Filters.</b> In a group, the addresses of every lookup are deduplicated and split over as
 *       few {@code recipients=} queries as fit; stored-list lookups go by {@code campaigns=} (or
 *       {@code templates=} when there is no campaign). A stored-list lookup with neither (or a value
 *       with a comma, which the comma-separated filter cannot express) needs the whole window, and that
 *       one query then covers the group.</li>
 *   <li><b>URI limit.</b> SparkPost refuses URIs of 4,096 characters or more; every first-page URL is
 *       kept {@link #CURSOR_HEADROOM_CHARS} shorter than that, because SparkPost's {@code links.next}
 *       repeats every parameter and replaces {@code cursor=initial} with a longer cursor.</li>
 * </ul>
 */
final class EventsQueryPlanner {

  /** SparkPost's URI limit: a request URI must be shorter than this (sparkpost.md, "Events API"). */
  static final int MAX_URI_CHARS = 4096;

  /** Room left in a first-page URL for the cursor that {@code links.next} puts in place of {@code initial}. */
  static final int CURSOR_HEADROOM_CHARS = 512;

  /** Subtracted from the earliest {@code sentAfter}: our clock and SparkPost's may disagree. */
  static final Duration CLOCK_SKEW_MARGIN = Duration.ofMinutes(5);

  /** SparkPost keeps events for 10 days; a {@code from} before that is refused or finds nothing. */
  static final Duration RETENTION = Duration.ofDays(10);

  /**
   * Kept inside the retention limit, so that a {@code from} computed from our clock is still inside it
   * when the request reaches SparkPost.
   */
  static final Duration RETENTION_MARGIN = Duration.ofMinutes(1);

  /** How far apart two lookups' {@code sentAfter} may be and still share a window. */
  static final Duration GROUP_SPAN = Duration.ofHours(3);

  /** Events per page; SparkPost allows up to 10,000, and 1,000 keeps a page to a few MiB. */
  static final int PER_PAGE = 1000;

  /** The event types that settle an outcome, in SparkPost's names. */
  static final String EVENT_TYPES = Arrays.stream(EventType.values()).map(EventType::wireName)
      .collect(Collectors.joining(","));

  private final HttpUrl eventsUrl;
  private final int maxFirstPageChars;

  /** Plans queries against {@code eventsUrl} ({@code .../api/v1/events/message}). */
  EventsQueryPlanner(HttpUrl eventsUrl) {
    this(eventsUrl, MAX_URI_CHARS - 1 - CURSOR_HEADROOM_CHARS);
  }

  EventsQueryPlanner(HttpUrl eventsUrl, int maxFirstPageChars) {
    this.eventsUrl = eventsUrl;
    this.maxFirstPageChars = maxFirstPageChars;
  }

  /**
   * Returns the first-page URLs (with {@code cursor=initial}) that together cover every lookup between
   * its window's start and {@code until}; empty if no window is left (all of it before the retention
   * limit, or {@code until} before the start).
   */
  List<HttpUrl> plan(List<Lookup> lookups, Instant until, Instant now) {
    Instant retentionStart = ceilToSecond(now.minus(RETENTION).plus(RETENTION_MARGIN));
    Instant to = ceilToSecond(until);
    List<HttpUrl> urls = new ArrayList<>();
    for (List<Lookup> group : groups(lookups)) {
      Instant from = group.get(0).sentAfter().minus(CLOCK_SKEW_MARGIN).truncatedTo(ChronoUnit.SECONDS);
      if (from.isBefore(retentionStart)) {
        from = retentionStart;
      }
      if (!from.isBefore(to)) {
        continue;
      }
      urls.addAll(queries(group, "from=" + format(from) + "&to=" + format(to)));
    }
    return urls;
  }

  private static List<List<Lookup>> groups(List<Lookup> lookups) {
    List<Lookup> sorted = new ArrayList<>(lookups);
    sorted.sort(Comparator.comparing(Lookup::sentAfter));
    List<List<Lookup>> groups = new ArrayList<>();
    List<Lookup> current = null;
    for (Lookup lookup : sorted) {
      if (current == null || lookup.sentAfter().isAfter(current.get(0).sentAfter().plus(GROUP_SPAN))) {
        current = new ArrayList<>();
        groups.add(current);
      }
      current.add(lookup);
    }
    return groups;
  }

  private List<HttpUrl> queries(List<Lookup> group, String window) {
    String fixed = window + "&events=" + EVENT_TYPES + "&per_page=" + PER_PAGE + "&cursor=initial";
    Set<String> recipients = new LinkedHashSet<>();
    Set<String> campaigns = new LinkedHashSet<>();
    Set<String> templates = new LinkedHashSet<>();
    for (Lookup lookup : group) {
      List<String> filter;
      Set<String> into;
      if (!lookup.recipients().isEmpty()) {
        filter = lookup.recipients();
        into = recipients;
      } else if (lookup.campaignId() != null) {
        filter = List.of(lookup.campaignId());
        into = campaigns;
      } else if (lookup.templateId() != null) {
        filter = List.of(lookup.templateId());
        into = templates;
      } else {
        return List.of(url(fixed));
      }
      if (filter.stream().anyMatch(value -> value.indexOf(',') >= 0)) {
        return List.of(url(fixed));
      }
      into.addAll(filter);
    }
    List<HttpUrl> urls = new ArrayList<>();
    batch(urls, fixed, "recipients", recipients);
    batch(urls, fixed, "campaigns", campaigns);
    batch(urls, fixed, "templates", templates);
    return urls;
  }

  /** Adds to {@code urls} the fewest queries whose {@code name=} lists hold every one of {@code values}. */
  private void batch(List<HttpUrl> urls, String fixed, String name, Collection<String> values) {
    if (values.isEmpty()) {
      return;
    }
    String prefix = fixed + "&" + name + "=";
    int prefixChars = url(prefix).toString().length();
    StringBuilder list = new StringBuilder();
    for (String value : values) {
      String encoded = encode(value);
      int added = (list.length() == 0 ? 0 : 1) + encoded.length();
      if (list.length() > 0 && prefixChars + list.length() + added > maxFirstPageChars) {
        urls.add(url(prefix + list));
        list.setLength(0);
        added = encoded.length();
      }
      // A single value longer than the limit still gets its own query: an address is at most a few
      // hundred characters (RFC 5321 4.5.3.1), so this happens only with a tiny limit in a test.
      list.append(list.length() == 0 ? "" : ",").append(encoded);
    }
    urls.add(url(prefix + list));
  }

  private HttpUrl url(String encodedQuery) {
    return eventsUrl.newBuilder().encodedQuery(encodedQuery).build();
  }

  /** Formats {@code instant} as SparkPost wants it: ISO 8601 with seconds and {@code Z}. */
  static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  private static Instant ceilToSecond(Instant instant) {
    Instant floor = instant.truncatedTo(ChronoUnit.SECONDS);
    return floor.equals(instant) ? floor : floor.plusSeconds(1);
  }

  /**
   * Percent-encodes every UTF-8 byte outside RFC 3986's unreserved set, so that a {@code +}, {@code &}
   * or {@code ,} in an address cannot change the query's meaning and the URL's length is known before
   * it is built.
   */
  static String encode(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
