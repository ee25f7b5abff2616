package io.steadfast;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why SparkPost refused one recipient of a transmission it otherwise answered: an entry of its
 * {@code results.rcpt_to_errors}.
 *
 * <p>SparkPost documents these entries with a message, a description and its extended error code, for
 * example {@code {"message": "required field is missing", "description": "address.email is required
 * for each recipient", "code": "1400"}} (developers.sparkpost.com/api/transmissions, "Create a
 * Transmission", the 200 answer with warning code 2000). They do not name the recipient, so
 * {@link #address()} is usually absent.
 *
 * @param address the refused recipient's address, or {@code null} if SparkPost did not name it
 * @param code SparkPost's extended error code, e.g. {@code 1400}, or {@code null} if it gave none
 * @param message SparkPost's short message, e.g. {@code required field is missing}
 * @param description SparkPost's longer description, or {@code null} if it gave none
 */
public record RecipientError(@Nullable String address, @Nullable String code, String message,
    @Nullable String description) {

  /** Checks the message is present. */
  public RecipientError {
    Objects.requireNonNull(message, "message");
  }

  /**
   * Returns the error in one line: the address if known, the code, the message and the description,
   * e.g. {@code code 1400: required field is missing (address.email is required for each recipient)}.
   */
  public String describe() {
    StringBuilder text = new StringBuilder();
    if (address != null) {
      text.append(address).append(": ");
    }
    if (code != null) {
      text.append("code ").append(code).append(": ");
    }
    text.append(message);
    if (description != null && !description.equals(message)) {
      text.append(" (").append(description).append(')');
    }
    return text.toString();
  }
}
