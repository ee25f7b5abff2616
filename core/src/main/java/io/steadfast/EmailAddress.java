package io.steadfast;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An email address with an optional display name.
 *
 * <p>The address is checked against RFC 5322 addr-spec syntax when the record is made. Its domain is
 * stored in ASCII form: an internationalised domain such as {@code bücher.example} becomes
 * {@code xn--bcher-kva.example}, because SparkPost needs ASCII domains. A non-ASCII local part is
 * refused, since it would need SMTPUTF8 end to end.
 *
 * @param email the addr-spec, e.g. {@code alice@example.com}, with the domain in ASCII form
 * @param name the display name, or {@code null} if there is none
 */
public record EmailAddress(String email, @Nullable String name) {

  /**
   * Checks the address syntax and the display name.
   *
   * @throws InvalidMessageException if the address is not a valid addr-spec or the name contains CR,
   *     LF or another control character
   */
  public EmailAddress {
    Objects.requireNonNull(email, "email");
    List<InvalidMessageException.Violation> violations = new java.util.ArrayList<>();
    AddressSyntax.Result result = AddressSyntax.check(email);
    if (result.problem() != null) {
      violations.add(new InvalidMessageException.Violation("address", "'" + sanitise(email) + "' " + result.problem()));
    } else {
      email = Objects.requireNonNull(result.normalised());
    }
    if (name != null) {
      String nameProblem = HeaderText.problem(name);
      if (nameProblem != null) {
        violations.add(new InvalidMessageException.Violation("name", "display name " + nameProblem));
      }
      if (name.isBlank()) {
        name = null;
      }
    }
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
  }

  /**
   * Returns the address {@code email} without a display name.
   *
   * @throws InvalidMessageException if {@code email} is not a valid addr-spec
   */
  public static EmailAddress of(String email) {
    return new EmailAddress(email, null);
  }

  /**
   * Returns the address {@code email} with the display name {@code name}.
   *
   * @throws InvalidMessageException if {@code email} is not a valid addr-spec or {@code name}
   *     contains CR, LF or another control character
   */
  public static EmailAddress of(String email, String name) {
    Objects.requireNonNull(name, "name");
    return new EmailAddress(email, name);
  }

  /** Returns a copy of this address with the display name {@code name}, or none if {@code null}. */
  public EmailAddress withName(@Nullable String name) {
    return new EmailAddress(email, name);
  }

  /** Replaces control characters so an address quoted in an error message cannot forge log lines. */
  static String sanitise(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), 80));
    for (int i = 0; i < text.length() && i < 80; i++) {
      char c = text.charAt(i);
      out.append(c < ' ' || c == 0x7f ? '?' : c);
    }
    return text.length() > 80 ? out + "..." : out.toString();
  }
}
