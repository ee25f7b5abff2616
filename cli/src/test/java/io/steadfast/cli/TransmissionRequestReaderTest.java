package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.RecordedTransmission;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code send --message FILE} replays SparkPost's own Transmissions request bodies (issue #20 item 8)
 * against FakeSparkPost, asserting what was sent. The bodies in {@code src/test/resources/sparkpost-docs}
 * are the request examples of SparkPost's Transmissions API page (developers.sparkpost.com/api/transmissions,
 * "Create a Transmission": inline content, stored template, stored recipient list with attachments
 * and inline images, RFC 822 content) and of its support article "Using CC and BCC with the REST API"
 * (support.sparkpost.com/docs/faq/cc-bcc-with-rest-api), copied as they are.
 */
class TransmissionRequestReaderTest extends CliRunner {
  private static final String CANARY = "sk-canary-reader-51c0";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(CANARY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + sparkPost.baseUrl() + "\n");
    return file.toString();
  }

  private Path documented(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/sparkpost-docs/" + name)) {
      Files.write(file, Objects.requireNonNull(in, name).readAllBytes());
    }
    return file;
  }

  private Path body(String json) throws IOException {
    Path file = dir.resolve("body.json");
    Files.writeString(file, json);
    return file;
  }

  private RecordedTransmission sendDocumented(String name) throws IOException {
    int code = run("send", "--config", config(), "--message", documented(name).toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(sparkPost.transmissions()).hasSize(1);
    return sparkPost.transmissions().get(0);
  }

  @Test
  void replaysTheDocumentedInlineContentExample() throws IOException {
    RecordedTransmission sent = sendDocumented("inline-content.json");

    assertThat(sent.at("/campaign_id")).isEqualTo("christmas_campaign");
    assertThat(sent.at("/return_path")).isEqualTo("bounces-christmas-campaign@sp.mailer.example.com");
    assertThat(sent.at("/options")).isEqualTo(Map.of("open_tracking", true, "click_tracking", true));
    assertThat(sent.at("/metadata/education_level")).isEqualTo("college");
    assertThat(sent.at("/substitution_data/holiday_name")).isEqualTo("Christmas");
    assertThat(sent.at("/recipients/0/address")).isEqualTo(
        Map.of("email", "wilma@flintstone.com", "name", "Wilma Flintstone"));
    assertThat(sent.at("/recipients/0/tags")).isEqualTo(List.of("greeting", "prehistoric", "fred", "flintstone"));
    assertThat(sent.at("/recipients/0/metadata/place")).isEqualTo("Bedrock");
    assertThat(sent.at("/recipients/0/substitution_data/year")).isEqualTo("Freshman");
    assertThat(sent.at("/content/from")).isEqualTo(Map.of("email", "fred@flintstone.com", "name", "Fred Flintstone"));
    assertThat(sent.at("/content/reply_to")).isEqualTo("Christmas Sales <sales@flintstone.com>");
    assertThat(sent.at("/content/headers/X-Customer-Campaign-ID")).isEqualTo("christmas_campaign");
    assertThat((String) sent.at("/content/text")).startsWith("Hi {{address.name}} \nSave big");
    assertThat((String) sent.at("/content/html")).endsWith("<p>{{sender}}</p>");
    assertThat(sent.at("/metadata/steadfast_idempotency_key")).isNotNull();
  }

  @Test
  void replaysTheDocumentedStoredTemplateExampleWithItsDraft() throws IOException {
    RecordedTransmission sent = sendDocumented("stored-template.json");

    assertThat(sent.at("/content")).isEqualTo(Map.of("template_id", "christmas_offer", "use_draft_template", true));
    assertThat(sent.at("/recipients/0/substitution_data/customer_type")).isEqualTo("Platinum");
  }

  @Test
  void replaysTheDocumentedStoredListExampleWithAttachmentsAndInlineImages() throws IOException {
    RecordedTransmission sent = sendDocumented("stored-recipient-list.json");

    assertThat(sent.at("/recipients")).isEqualTo(Map.of("list_id", "christmas_sales_2015"));
    assertThat(sent.at("/content/attachments/0")).isEqualTo(Map.of("name", "billing.pdf", "type", "application/pdf",
        "data", "Q29uZ3JhdHVsYXRpb25zLCB5b3UgY2FuIGJhc2U2NCBkZWNvZGUh"));
    assertThat(sent.at("/content/inline_images/0/name")).isEqualTo("my_image.jpeg");
  }

  @Test
  void replaysTheDocumentedRfc822Example() throws IOException {
    RecordedTransmission sent = sendDocumented("rfc822.json");

    assertThat((String) sent.at("/content/email_rfc822")).startsWith("Content-Type: text/plain\r\nTo: ");
    assertThat(sent.at("/recipients/0/address/email")).isEqualTo("wilma@flintstone.com");
  }

  @Test
  void turnsTheSupportArticlesCcAndBccIntoCopiesOfTheToRecipient() throws IOException {
    RecordedTransmission sent = sendDocumented("cc.json");

    assertThat(sent.at("/recipients/1/address")).isEqualTo(
        Map.of("email", "cc@thatperson.com", "header_to", "to@thisperson.com"));
    assertThat(sent.at("/recipients/2/address")).isEqualTo(
        Map.of("email", "bcc@thatperson.com", "header_to", "to@thisperson.com"));
    assertThat(sent.at("/content/headers")).isEqualTo(Map.of("CC", "cc@thatperson.com"));
  }

  @Test
  void takesTheIdempotencyKeyFromSteadfastsMetadataField() throws IOException {
    Path file = body("{\"metadata\":{\"order\":7,\"steadfast_idempotency_key\":\"order-7\"},"
        + "\"recipients\":[{\"address\":\"a@example.com\"}],"
        + "\"content\":{\"from\":\"shop@example.com\",\"subject\":\"Hi\",\"text\":\"Hello\"}}");

    int code = run("send", "--config", config(), "--message", file.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(sparkPost.transmissionCountFor("order-7")).isEqualTo(1);
    assertThat(sparkPost.transmissions().get(0).at("/metadata"))
        .isEqualTo(Map.of("order", 7, "steadfast_idempotency_key", "order-7"));
  }

  @Test
  void readsOptionsStartTimeNowAndInitialOpen() throws IOException {
    Path file = body("{\"options\":{\"start_time\":\"now\",\"initial_open\":true,\"transactional\":true,"
        + "\"ip_pool\":\"pool-1\"},\"recipients\":[{\"address\":{\"email\":\"a@example.com\",\"name\":\"A\"},"
        + "\"return_path\":\"bounce+a@example.com\"}],"
        + "\"content\":{\"from\":\"shop@example.com\",\"subject\":\"Hi\",\"text\":\"Hello\"}}");

    int code = run("send", "--config", config(), "--message", file.toString());

    assertThat(code).as(err.toString()).isZero();
    RecordedTransmission sent = sparkPost.transmissions().get(0);
    assertThat(sent.at("/options")).isEqualTo(Map.of("initial_open", true, "transactional", true, "ip_pool", "pool-1"));
    assertThat(sent.at("/recipients/0/return_path")).isEqualTo("bounce+a@example.com");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown top-level field | {\"recipients\":[{\"address\":\"a@example.com\"}],\"content\":{\"template_id\":\"t\"},"
          + "\"bogus\":1} | bogus is not a Transmissions field",
      "unknown option | {\"options\":{\"open_trackin\":true},\"recipients\":[{\"address\":\"a@example.com\"}],"
          + "\"content\":{\"template_id\":\"t\"}} | options.open_trackin is not an option",
      "unknown content field | {\"recipients\":[{\"address\":\"a@example.com\"}],"
          + "\"content\":{\"template_id\":\"t\",\"x\":1}} | content.x is not a Transmissions field",
      "wrong type | {\"recipients\":[{\"address\":\"a@example.com\",\"tags\":\"vip\"}],"
          + "\"content\":{\"template_id\":\"t\"}} | recipients[0].tags must be an array of strings",
      "CC header naming no recipient | {\"recipients\":[{\"address\":\"a@example.com\"}],\"content\":{"
          + "\"from\":\"s@example.com\",\"subject\":\"s\",\"text\":\"t\",\"headers\":{\"CC\":\"c@example.com\"}}}"
          + " | content.headers.CC lists c@example.com",
      "bad base64 | {\"recipients\":[{\"address\":\"a@example.com\"}],\"content\":{\"from\":\"s@example.com\","
          + "\"subject\":\"s\",\"text\":\"t\",\"attachments\":[{\"name\":\"a\",\"type\":\"text/plain\","
          + "\"data\":\"!!\"}]}} | content.attachments[0].data is not base64",
      "bad idempotency key | {\"recipients\":[{\"address\":\"a@example.com\"}],\"content\":{\"template_id\":\"t\"},"
          + "\"metadata\":{\"steadfast_idempotency_key\":\"not a key\"}}"
          + " | metadata.steadfast_idempotency_key must be printable ASCII without spaces (bad character at index 3)",
  })
  void refusesWhatItCannotSendWithOneErrorNamingTheField(String rule, String json, String expected)
      throws IOException {
    int code = run("send", "--config", config(), "--message", body(json).toString());

    assertThat(code).as(rule).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).as(rule).contains(expected);
    assertThat(sparkPost.transmissions()).isEmpty();
  }
}
