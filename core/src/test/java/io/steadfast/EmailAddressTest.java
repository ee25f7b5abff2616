package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EmailAddressTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "alice@example.com",
      "first.last@sub.example.co.uk",
      "user+tag@example.com",
      "!#$%&'*+-/=?^_`{|}~@example.com",
      "\"quoted local\"@example.com",
      "\"with \\\"escaped\\\" quote\"@example.com",
      "user@[192.0.2.1]",
      "x@a-b.example"
  })
  void acceptsValidAddrSpecs(String address) {
    assertThat(EmailAddress.of(address).email()).isEqualTo(address);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|is empty",
      "plainaddress|must look like name@example.com",
      "@example.com|must look like name@example.com",
      "user@|must look like name@example.com",
      "a..b@example.com|two dots in a row",
      ".a@example.com|dot at the start or end",
      "a.@example.com|dot at the start or end",
      "a b@example.com|in the local part",
      "user@localhost|without a dot",
      "user@-bad.example|hyphen",
      "user@exa_mple.com|invalid domain",
      "jörg@example.com|non-ASCII local part",
      "\"unterminated@example.com|unterminated quoted local part",
      "user@[1.2.3.4|unterminated domain literal",
  })
  void rejectsInvalidAddressesWithAReason(String address, String reason) {
    assertThatThrownBy(() -> EmailAddress.of(address))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void rejectsCrLfInAddressAndName() {
    assertThatThrownBy(() -> EmailAddress.of("a@example.com\r\nBcc: evil@example.com"))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("CR or LF")
        .hasMessageNotContaining("\r\n");
    assertThatThrownBy(() -> EmailAddress.of("a@example.com", "Alice\nBcc: evil@example.com"))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("name display name contains CR or LF");
  }

  @Test
  void rejectsOverlongLocalPartAndAddress() {
    String local65 = "a".repeat(65);
    assertThatThrownBy(() -> EmailAddress.of(local65 + "@example.com"))
        .hasMessageContaining("local part longer than 64");
    String longDomain = ("d".repeat(60) + ".").repeat(5) + "com";
    assertThatThrownBy(() -> EmailAddress.of("a@" + longDomain)).isInstanceOf(InvalidMessageException.class);
  }

  @Test
  void convertsInternationalisedDomainToAsciiForm() {
    EmailAddress address = EmailAddress.of("info@bücher.example", "Bücher");

    assertThat(address.email()).isEqualTo("info@xn--bcher-kva.example");
    assertThat(address.name()).isEqualTo("Bücher");
  }

  @Test
  void lowercasesDomainButKeepsLocalPart() {
    assertThat(EmailAddress.of("Alice@Example.COM").email()).isEqualTo("Alice@example.com");
  }

  @Test
  void treatsBlankNameAsNoName() {
    assertThat(EmailAddress.of("a@example.com", "  ").name()).isNull();
    assertThat(EmailAddress.of("a@example.com").withName("Al").name()).isEqualTo("Al");
  }
}
