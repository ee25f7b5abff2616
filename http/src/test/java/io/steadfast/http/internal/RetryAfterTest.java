package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry-After as RFC 9110 10.2.3 defines it, relative to the injected clock. */
class RetryAfterTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("1994-11-06T08:49:00Z"), ZoneOffset.UTC);

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "120 | 120",
      "0 | 0",
      "' 30 ' | 30",
      "999999999 | 999999999",
      // IMF-fixdate, the obsolete RFC 850 form and asctime, all 37 seconds after the clock.
      "Sun, 06 Nov 1994 08:49:37 GMT | 37",
      "Sunday, 06-Nov-94 08:49:37 GMT | 37",
      "Sun Nov  6 08:49:37 1994 | 37",
      "Sun, 06 Nov 1994 08:49:00 GMT | 0",
  })
  void parsesDeltaSecondsAndHttpDates(String header, long seconds) {
    assertThat(RetryAfter.parse(header, CLOCK)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"-5", "1.5", "+10", "soon", "10 seconds", "1234567890",
      "Sat, 05 Nov 1994 08:49:37 GMT", "Mon, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT"})
  void ignoresAbsentGarbageNegativeAndPastValues(String header) {
    assertThat(RetryAfter.parse(header, CLOCK)).isNull();
  }
}
