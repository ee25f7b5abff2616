package io.steadfast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rules SparkPost enforces later or applies silently (issue #20 items 2 and 3), checked when a
 * message is built: Transmissions API (developers.sparkpost.com/api/transmissions), Recipient Lists
 * API for recipient tags, and the support article "Using CC and BCC with the REST API".
 */
class SparkPostLimitsTest {

  private static Message.Builder inline() {
    return Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi").text("Hello");
  }

  private static List<String> fields(InvalidMessageException e) {
    return e.violations().stream().map(InvalidMessageException.Violation::field).toList();
  }

  @Test
  void refusesCcWithStoredTemplateBecauseItWouldArriveAsBcc() {
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class,
        () -> Message.builder().to("alice@example.com").cc("bob@example.com").template("welcome").build());

    assertThat(fields(e)).containsExactly("recipients[1]");
    assertThat(e).hasMessageContaining("Cc recipient")
        .hasMessageContaining("hidden Bcc")
        .hasMessageContaining("put the CC header in the template");
  }

  @Test
  void refusesCcWithRfc822ContentAndPointsAtTheMime() {
    assertThatThrownBy(() -> Message.builder().to("alice@example.com").cc("bob@example.com")
        .rfc822("From: a@example.com\r\nSubject: x\r\n\r\nbody").build())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("put the CC header in the MIME message");
  }

  @Test
  void acceptsBccWithStoredTemplate() {
    assertThatCode(() -> Message.builder().to("alice@example.com").bcc("bob@example.com").template("welcome").build())
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAmpHtmlWithoutTextOrHtml() {
    assertThatThrownBy(() -> Message.builder().from("shop@example.com").to("alice@example.com").subject("Hi")
        .ampHtml("<html amp4email></html>").build())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("ampHtml needs a text or HTML body");
    assertThatCode(() -> inline().ampHtml("<html amp4email></html>").build()).doesNotThrowAnyException();
  }

  @Test
  void refusesPerformSubstitutionsFalseWithStoredTemplate() {
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class,
        () -> Message.builder().to("alice@example.com").template("welcome").performSubstitutions(false).build());

    assertThat(fields(e)).containsExactly("performSubstitutions");
    assertThatCode(() -> inline().performSubstitutions(false).build()).doesNotThrowAnyException();
  }

  @Test
  void countsTheIdempotencyKeyInTheMetadataLimit() {
    IdempotencyKey key = IdempotencyKey.of("order-42");
    // {"pad":"...","steadfast_idempotency_key":"order-42"}: 2 braces, "pad": 6, quotes 2, comma 1, key field 38.
    int fixed = 2 + 6 + 2 + 1 + ("\"" + IdempotencyKey.METADATA_FIELD + "\":\"order-42\"").length();
    String fits = "x".repeat((int) Message.MAX_METADATA_BYTES - fixed);

    Message atLimit = inline().metadata(Map.of("pad", fits)).idempotencyKey(key).build();
    InvalidMessageException over = catchThrowableOfType(InvalidMessageException.class,
        () -> inline().metadata(Map.of("pad", fits + "x")).idempotencyKey(key).build());

    assertThat(MessageRules.metadataBytes(atLimit.metadata(), key)).isEqualTo(Message.MAX_METADATA_BYTES);
    assertThat(fields(over)).containsExactly("metadata");
    assertThat(over).hasMessageContaining("10241 bytes").hasMessageContaining("limit of 10240");
  }

  @Test
  void countsTheLongestKeyWhileNoKeyIsSet() {
    String fits = "x".repeat((int) Message.MAX_METADATA_BYTES - 2 - 6 - 2 - 1
        - ("\"" + IdempotencyKey.METADATA_FIELD + "\":\"\"").length() - IdempotencyKey.MAX_LENGTH);

    assertThatCode(() -> inline().metadata(Map.of("pad", fits)).build()).doesNotThrowAnyException();
    assertThatThrownBy(() -> inline().metadata(Map.of("pad", fits + "x")).build())
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("metadata is");
  }

  @Test
  void countsEscapesAndMultiByteCharactersAsJsonBytes() {
    Map<String, Object> metadata = Map.of("k", "a\"\n\u0001é😀/");

    // "k":"a\"\n\u0001é😀/" = 3 + 1 + 2 + [1 + 2 + 2 + 6 + 2 + 4 + 1] = 24 bytes, plus braces.
    assertThat(JsonValues.serializedBytes(metadata)).isEqualTo(2 + 3 + 1 + 2 + 18);
  }

  @Test
  void refusesSubstitutionDataOver100Kilobytes() {
    String big = "x".repeat((int) Message.MAX_SUBSTITUTION_DATA_BYTES);

    assertThatThrownBy(() -> inline().substitutionData(Map.of("s", big)).build())
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("substitutionData is " + (Message.MAX_SUBSTITUTION_DATA_BYTES + 8) + " bytes")
        .hasMessageContaining("limit of 102400");
  }

  @Test
  void refusesTwoInlineImagesWithOneName() {
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class,
        () -> inline().html("<img src=\"cid:logo\">").inlineImage("logo", "image/png", new byte[] {1})
            .inlineImage("logo", "image/gif", new byte[] {2}).build());

    assertThat(fields(e)).containsExactly("inlineImages[1].name");
    assertThat(e).hasMessageContaining("also the name of inlineImages[0]");
  }

  @Test
  void refusesMoreThanTenTagsOnARecipientCountingTheMessagesTags() {
    List<String> six = List.of("r1", "r2", "r3", "r4", "r5", "r6");
    Message.Builder builder = Message.builder().from("shop@example.com")
        .recipient(Recipient.to(EmailAddress.of("alice@example.com")).withTags(six))
        .subject("Hi").text("Hello");
    for (int i = 1; i <= 5; i++) {
      builder.tag("m" + i);
    }

    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class, builder::build);

    assertThat(fields(e)).containsExactly("recipients[0].tags");
    assertThat(e).hasMessageContaining("11 tags").hasMessageContaining("limit of 10");
  }

  @Test
  void refusesMoreThanTenMessageTags() {
    Message.Builder builder = inline();
    for (int i = 0; i < 11; i++) {
      builder.tag("t" + i);
    }

    assertThatThrownBy(builder::build).isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("tags has 11 tags");
  }

  @Test
  void checksStartTimeAgainstTheGivenNowWithOneMinuteTolerance() {
    Instant now = Instant.parse("2026-12-04T10:00:00Z");

    assertThatCode(() -> inline().startTime(now.plus(Message.MAX_SCHEDULE_AHEAD)).build().checkStartTime(now))
        .doesNotThrowAnyException();
    assertThatCode(() -> inline().startTime(now.minus(Message.START_TIME_TOLERANCE)).build().checkStartTime(now))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> inline().startTime(now.plus(Message.MAX_SCHEDULE_AHEAD).plusSeconds(1)).build()
        .checkStartTime(now))
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("startTime is")
        .hasMessageContaining("more than 3 days after now");
    assertThatThrownBy(() -> inline().startTime(now.minus(Message.START_TIME_TOLERANCE).minusSeconds(1)).build()
        .checkStartTime(now))
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("in the past")
        .hasMessageContaining("tolerance 60 s");
    assertThatCode(() -> inline().build().checkStartTime(now)).doesNotThrowAnyException();
  }

  @Test
  void reportsEveryNewProblemInOneException() {
    List<String> names = new ArrayList<>();
    InvalidMessageException e = catchThrowableOfType(InvalidMessageException.class,
        () -> Message.builder().to("alice@example.com").cc("bob@example.com").template("welcome")
            .performSubstitutions(false).substitutionData(Map.of("s", "x".repeat(200_000))).build());
    e.violations().forEach(v -> names.add(v.field()));

    assertThat(names).containsExactlyInAnyOrder("recipients[1]", "performSubstitutions", "substitutionData");
    assertThat(Duration.ofDays(3)).isEqualTo(Message.MAX_SCHEDULE_AHEAD);
  }

  @Test
  void carriesTheNewFieldsThroughToBuilder() {
    Message message = Message.builder().from("shop@example.com")
        .recipient(Recipient.to(EmailAddress.of("alice@example.com"))
            .withHeaderTo(EmailAddress.of("team@example.com", "Team"))
            .withReturnPath(EmailAddress.of("bounce+alice@example.com")))
        .subject("Hi").text("Hello").initialOpen(true).archive("audit@example.com").build();

    Message copy = message.toBuilder().build();

    assertThat(copy).isEqualTo(message);
    assertThat(copy.options().initialOpen()).isTrue();
    assertThat(copy.archive()).containsExactly(EmailAddress.of("audit@example.com"));
    assertThat(copy.recipients().get(0).headerTo()).isEqualTo(EmailAddress.of("team@example.com", "Team"));
    assertThat(copy.fingerprint()).isNotEqualTo(message.toBuilder().initialOpen(false).build().fingerprint());
  }

  @Test
  void treatsAnAbTestAsStoredContent() {
    Message message = Message.builder().to("alice@example.com").abTest("subject-test").build();

    assertThat(message.contentKind()).isEqualTo(Message.ContentKind.AB_TEST);
    assertThatThrownBy(() -> Message.builder().to("alice@example.com").abTest("t").template("welcome").build())
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("mixes");
    assertThatThrownBy(() -> Message.builder().from("a@example.com").to("alice@example.com").abTest("t").build())
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("a stored A/B test");
  }
}
