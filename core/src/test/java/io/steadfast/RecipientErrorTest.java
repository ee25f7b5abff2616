package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Failure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SparkPost's per-recipient errors on a receipt and on the exception for a transmission it refused whole. */
class RecipientErrorTest {
  /** The documented rcpt_to_errors entry (developers.sparkpost.com/api/transmissions, "Create a Transmission"). */
  private static final RecipientError DOCUMENTED = new RecipientError(null, "1400", "required field is missing",
      "address.email is required for each recipient");
  private static final Failure NONE_ACCEPTED = new Failure("HTTP 200 OK with 0 recipients accepted, 2 rejected", 200,
      "2000", "transmission created, but with validation errors", "req-7", null);

  @Test
  void describesAnErrorAsSparkPostGaveIt() {
    assertThat(DOCUMENTED.describe())
        .isEqualTo("code 1400: required field is missing (address.email is required for each recipient)");
    assertThat(new RecipientError("bob@example.com", null, "suppressed", null).describe())
        .isEqualTo("bob@example.com: suppressed");
  }

  @Test
  void aRejectionOfEveryRecipientListsTheReasonsAndWhatToDo() {
    RejectedByProviderException e = new RejectedByProviderException(NONE_ACCEPTED, "rest-us", 1,
        IdempotencyKey.of("order-7"), List.of(DOCUMENTED, DOCUMENTED));

    assertThat(e.recipientErrors()).containsExactly(DOCUMENTED, DOCUMENTED);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.getMessage()).isEqualTo("SparkPost accepted none of the message's recipients (HTTP 200 OK with 0 "
        + "recipients accepted, 2 rejected) on route 'rest-us' (SparkPost request id req-7): "
        + DOCUMENTED.describe() + "; " + DOCUMENTED.describe()
        + ". Nothing will be delivered; fix the recipients named above, retrying unchanged will fail again.");
  }

  @Test
  void aRejectionWithoutRecipientErrorsReadsAsBefore() {
    RejectedByProviderException e = new RejectedByProviderException(NONE_ACCEPTED, "rest-us", 1, null);

    assertThat(e.recipientErrors()).isEmpty();
    assertThat(e.getMessage()).startsWith("SparkPost rejected the message (HTTP 200 OK");
  }

  @Test
  void theReceiptKeepsItsOwnCopyOfTheErrors() {
    List<RecipientError> errors = new ArrayList<>(List.of(DOCUMENTED));
    SendReceipt receipt = new SendReceipt("11668787484950530", 1, 1, IdempotencyKey.of("order-7"), "rest-us", 1,
        null, false, errors);

    errors.clear();

    assertThat(receipt.recipientErrors()).containsExactly(DOCUMENTED);
    assertThat(new SendReceipt("t", 1, 0, IdempotencyKey.of("order-7"), "rest-us", 1, null).recipientErrors())
        .isEmpty();
  }
}
