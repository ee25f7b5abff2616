package io.steadfast.http.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Parses a {@code Retry-After} header (RFC 9110 10.2.3): either delta-seconds or an HTTP-date, the
 * latter relative to the injected clock. Anything else, and a date in the past, is ignored: the
 * header is a hint, and a garbled hint must not turn into a failure.
 */
final class RetryAfter {

  /**
   * The longest delta-seconds accepted, 9 digits (about 31 years); more is garbage, and a huge value
   * would overflow the retry scheduler's arithmetic.
   */
  private static final int MAX_DIGITS = 9;

  /**
   * The three HTTP-date forms a recipient must accept (RFC 9110 5.6.7): IMF-fixdate
   * ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the obsolete RFC 850 form
   * ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and asctime ({@code Sun Nov  6 08:49:37 1994}).
   */
  private static final List<DateTimeFormatter> HTTP_DATES = List.of(
      DateTimeFormatter.RFC_1123_DATE_TIME,
      new DateTimeFormatterBuilder()
          .appendPattern("EEEE, dd-MMM-")
          // Two-digit years: RFC 9110 says a year more than 50 years ahead is in the past century.
          .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
          .appendPattern(" HH:mm:ss 'GMT'")
          .toFormatter(Locale.US)
          .withZone(ZoneOffset.UTC),
      new DateTimeFormatterBuilder()
          .appendPattern("EEE MMM ")
          .padNext(2)
          .appendValue(ChronoField.DAY_OF_MONTH, 1, 2, SignStyle.NOT_NEGATIVE)
          .appendPattern(" HH:mm:ss uuuu")
          .toFormatter(Locale.US));

  private RetryAfter() {}

  /** Returns how long {@code header} asks us to wait, or {@code null} if it is absent or unusable. */
  static @Nullable Duration parse(@Nullable String header, Clock clock) {
    if (header == null) {
      return null;
    }
    String value = header.trim();
    if (value.isEmpty()) {
      return null;
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return value.length() > MAX_DIGITS ? null : Duration.ofSeconds(Long.parseLong(value));
    }
    Instant when = httpDate(value);
    if (when == null) {
      return null;
    }
    Duration wait = Duration.between(clock.instant(), when);
    return wait.isNegative() ? null : wait;
  }

  private static @Nullable Instant httpDate(String value) {
    for (DateTimeFormatter format : HTTP_DATES) {
      try {
        if (format == HTTP_DATES.get(2)) {
          return LocalDateTime.parse(value, format).toInstant(ZoneOffset.UTC);
        }
        return ZonedDateTime.parse(value, format).toInstant();
      } catch (DateTimeParseException e) {
        // Try the next form.
      }
    }
    return null;
  }
}
