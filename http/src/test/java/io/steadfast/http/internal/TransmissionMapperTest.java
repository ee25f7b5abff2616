package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.EmailAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Header formatting of addresses (RFC 5322 3.4) and SparkPost's start_time format. */
class TransmissionMapperTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "Alice Liddell | Alice Liddell <a@example.com>",
      "O'Brien | O'Brien <a@example.com>",
      "Zoë Müller | Zoë Müller <a@example.com>",
      "Carol, Accounts | `\"Carol, Accounts\" <a@example.com>`",
      "Dr. Who | `\"Dr. Who\" <a@example.com>`",
      "Support @ Shop | `\"Support @ Shop\" <a@example.com>`",
      "`Shop \"Orders\"` | `\"Shop \\\"Orders\\\"\" <a@example.com>`",
      "`back\\slash` | `\"back\\\\slash\" <a@example.com>`",
      "`a  b` | `\"a  b\" <a@example.com>`",
      "(comment) | `\"(comment)\" <a@example.com>`",
  })
  void formatsDisplayNameQuotingOnlyWhenNeeded(String name, String expected) {
    assertThat(TransmissionMapper.format(EmailAddress.of("a@example.com", name))).isEqualTo(expected);
  }

  @Test
  void formatsAddressWithoutNameAsPlainEmail() {
    assertThat(TransmissionMapper.format(EmailAddress.of("a@example.com"))).isEqualTo("a@example.com");
  }

  @Test
  void formatsStartTimeWithOffsetAndWholeSeconds() {
    assertThat(TransmissionMapper.startTime(Instant.parse("2026-11-25T10:00:00.999999Z")))
        .isEqualTo("2026-11-25T10:00:00+00:00");
  }
}
