package io.steadfast.testing;

import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How FakeSparkPost validates request bodies against SparkPost's documented format. */
class TransmissionValidationTest {

  private static final String REQUIRED = "1400";
  private static final String INVALID = "1300";
  private static final String COMBINATION = "1301";

  private static final String TEMPLATE =
      "{\"recipients\":[{\"address\":{\"email\":\"wilma@example.com\"}}],"
          + "\"content\":{\"template_id\":\"black_friday\"}}";

  private static final String ATTACHMENT =
      "[{\"name\":\"billing.pdf\",\"type\":\"application/pdf\",\"data\":\"SGVsbG8=\"}]";

  private final FakeSparkPost fake = FakeSparkPost.start(Http.API_KEY);

  @AfterEach
  void closeFake() {
    fake.close();
  }

  /** Each case: a body that breaks one rule, the error code and the field the error must name. */
  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        // recipients
        invalid("missing recipients", Http.without(VALID, "/recipients"), REQUIRED, "recipients"),
        invalid("null recipients", Http.with(VALID, "/recipients", "null"), REQUIRED, "recipients"),
        invalid("empty recipients", Http.with(VALID, "/recipients", "[]"), REQUIRED, "recipients"),
        invalid(
            "recipients string",
            Http.with(VALID, "/recipients", "\"a@example.com\""),
            INVALID,
            "recipients"),
        invalid(
            "recipient not an object",
            Http.with(VALID, "/recipients/0", "\"a@example.com\""),
            INVALID,
            "recipients[0]"),
        invalid(
            "missing address",
            Http.with(VALID, "/recipients/0", "{\"tags\":[]}"),
            REQUIRED,
            "recipients[0].address"),
        invalid(
            "address number",
            Http.with(VALID, "/recipients/0/address", "7"),
            INVALID,
            "recipients[0].address"),
        invalid(
            "address string not an email",
            Http.with(VALID, "/recipients/0/address", "\"wilma\""),
            INVALID,
            "recipients[0].address"),
        invalid(
            "missing address.email",
            Http.with(VALID, "/recipients/0/address", "{\"name\":\"W\"}"),
            REQUIRED,
            "recipients[0].address.email"),
        invalid(
            "address.email not an email",
            Http.with(VALID, "/recipients/0/address/email", "\"wilma at example.com\""),
            INVALID,
            "recipients[0].address.email"),
        invalid(
            "address.email number",
            Http.with(VALID, "/recipients/0/address/email", "1"),
            INVALID,
            "recipients[0].address.email"),
        invalid(
            "address.name number",
            Http.with(VALID, "/recipients/0/address/name", "1"),
            INVALID,
            "recipients[0].address.name"),
        invalid(
            "address.header_to array",
            Http.with(VALID, "/recipients/0/address/header_to", "[\"a@example.com\"]"),
            INVALID,
            "recipients[0].address.header_to"),
        invalid(
            "tags string",
            Http.with(VALID, "/recipients/0/tags", "\"vip\""),
            INVALID,
            "recipients[0].tags"),
        invalid(
            "tag number",
            Http.with(VALID, "/recipients/0/tags", "[\"vip\",3]"),
            INVALID,
            "recipients[0].tags[1]"),
        invalid(
            "recipient metadata array",
            Http.with(VALID, "/recipients/0/metadata", "[]"),
            INVALID,
            "recipients[0].metadata"),
        invalid(
            "recipient substitution_data string",
            Http.with(VALID, "/recipients/0/substitution_data", "\"x\""),
            INVALID,
            "recipients[0].substitution_data"),
        invalid(
            "recipient return_path number",
            Http.with(VALID, "/recipients/0/return_path", "1"),
            INVALID,
            "recipients[0].return_path"),
        invalid(
            "stored list without list_id",
            Http.with(VALID, "/recipients", "{\"id\":\"x\"}"),
            REQUIRED,
            "recipients.list_id"),
        invalid(
            "list_id number",
            Http.with(VALID, "/recipients", "{\"list_id\":5}"),
            INVALID,
            "recipients.list_id"),
        // content: presence and kind
        invalid("missing content", Http.without(VALID, "/content"), REQUIRED, "content"),
        invalid("content array", Http.with(VALID, "/content", "[]"), INVALID, "content"),
        invalid("empty content", Http.with(VALID, "/content", "{}"), REQUIRED, "content"),
        invalid(
            "inline and template",
            Http.with(VALID, "/content/template_id", "\"t\""),
            COMBINATION,
            "content.template_id"),
        invalid(
            "inline and rfc822",
            Http.with(VALID, "/content/email_rfc822", "\"Subject: x\""),
            COMBINATION,
            "content.email_rfc822"),
        invalid(
            "template and rfc822",
            Http.with(TEMPLATE, "/content/email_rfc822", "\"x\""),
            COMBINATION,
            "content.email_rfc822"),
        invalid(
            "template and A/B test",
            Http.with(TEMPLATE, "/content/ab_test_id", "\"ab\""),
            COMBINATION,
            "content.ab_test_id"),
        // inline content
        invalid("missing from", Http.without(VALID, "/content/from"), REQUIRED, "content.from"),
        invalid("empty from", Http.with(VALID, "/content/from", "\"\""), REQUIRED, "content.from"),
        invalid("from number", Http.with(VALID, "/content/from", "1"), INVALID, "content.from"),
        invalid(
            "from object without email",
            Http.with(VALID, "/content/from", "{\"name\":\"Fred\"}"),
            REQUIRED,
            "content.from.email"),
        invalid(
            "from.name number",
            Http.with(VALID, "/content/from", "{\"email\":\"f@example.com\",\"name\":1}"),
            INVALID,
            "content.from.name"),
        invalid(
            "missing subject",
            Http.without(VALID, "/content/subject"),
            REQUIRED,
            "content.subject"),
        invalid(
            "subject number",
            Http.with(VALID, "/content/subject", "1"),
            INVALID,
            "content.subject"),
        invalid(
            "no text, html or amp_html",
            Http.without(VALID, "/content/text"),
            REQUIRED,
            "content.text"),
        invalid("html number", Http.with(VALID, "/content/html", "1"), INVALID, "content.html"),
        invalid(
            "amp_html boolean",
            Http.with(VALID, "/content/amp_html", "true"),
            INVALID,
            "content.amp_html"),
        invalid("text null", Http.with(VALID, "/content/text", "null"), INVALID, "content.text"),
        invalid(
            "reply_to object",
            Http.with(VALID, "/content/reply_to", "{}"),
            INVALID,
            "content.reply_to"),
        invalid(
            "headers array",
            Http.with(VALID, "/content/headers", "[]"),
            INVALID,
            "content.headers"),
        invalid(
            "headers null",
            Http.with(VALID, "/content/headers", "null"),
            INVALID,
            "content.headers"),
        invalid(
            "header value number",
            Http.with(VALID, "/content/headers", "{\"X-Campaign\":7}"),
            INVALID,
            "content.headers.X-Campaign"),
        invalid(
            "generated header",
            Http.with(VALID, "/content/headers", "{\"content-type\":\"text/plain\"}"),
            INVALID,
            "content.headers.content-type"),
        // attachments and inline images
        invalid(
            "attachments object",
            Http.with(VALID, "/content/attachments", "{}"),
            INVALID,
            "content.attachments"),
        invalid(
            "attachment not an object",
            Http.with(VALID, "/content/attachments", "[\"a\"]"),
            INVALID,
            "content.attachments[0]"),
        invalid(
            "attachment without name",
            Http.without(
                Http.with(VALID, "/content/attachments", ATTACHMENT),
                "/content/attachments/0/name"),
            REQUIRED,
            "content.attachments[0].name"),
        invalid(
            "attachment without type",
            Http.without(
                Http.with(VALID, "/content/attachments", ATTACHMENT),
                "/content/attachments/0/type"),
            REQUIRED,
            "content.attachments[0].type"),
        invalid(
            "attachment without data",
            Http.without(
                Http.with(VALID, "/content/attachments", ATTACHMENT),
                "/content/attachments/0/data"),
            REQUIRED,
            "content.attachments[0].data"),
        invalid(
            "attachment data not base64",
            Http.with(
                Http.with(VALID, "/content/attachments", ATTACHMENT),
                "/content/attachments/0/data",
                "\"not base64!\""),
            INVALID,
            "content.attachments[0].data"),
        invalid(
            "attachment name over 255 bytes",
            Http.with(
                Http.with(VALID, "/content/attachments", ATTACHMENT),
                "/content/attachments/0/name",
                "\"" + "n".repeat(256) + "\""),
            INVALID,
            "content.attachments[0].name"),
        invalid(
            "inline image data with line break",
            Http.with(
                Http.with(VALID, "/content/inline_images", ATTACHMENT),
                "/content/inline_images/0/data",
                "\"SGVs\\r\\nbG8=\""),
            INVALID,
            "content.inline_images[0].data"),
        // stored template, A/B test, RFC 822
        invalid(
            "use_draft_template without template_id",
            Http.with(VALID, "/content", "{\"use_draft_template\":true}"),
            REQUIRED,
            "content.template_id"),
        invalid(
            "template_id number",
            Http.with(TEMPLATE, "/content/template_id", "1"),
            INVALID,
            "content.template_id"),
        invalid(
            "template_id over 64 bytes",
            Http.with(TEMPLATE, "/content/template_id", "\"" + "t".repeat(65) + "\""),
            INVALID,
            "content.template_id"),
        invalid(
            "use_draft_template string",
            Http.with(TEMPLATE, "/content/use_draft_template", "\"true\""),
            INVALID,
            "content.use_draft_template"),
        invalid(
            "ab_test_id number",
            Http.with(VALID, "/content", "{\"ab_test_id\":1}"),
            INVALID,
            "content.ab_test_id"),
        invalid(
            "email_rfc822 number",
            Http.with(VALID, "/content", "{\"email_rfc822\":1}"),
            INVALID,
            "content.email_rfc822"),
        invalid(
            "email_rfc822 empty",
            Http.with(VALID, "/content", "{\"email_rfc822\":\"\"}"),
            REQUIRED,
            "content.email_rfc822"),
        // options
        invalid("options array", Http.with(VALID, "/options", "[]"), INVALID, "options"),
        invalid(
            "unknown option",
            Http.with(VALID, "/options", "{\"open_traking\":true}"),
            INVALID,
            "options.open_traking"),
        invalid(
            "start_time not a date",
            Http.with(VALID, "/options", "{\"start_time\":\"tomorrow\"}"),
            INVALID,
            "options.start_time"),
        invalid(
            "ip_pool number",
            Http.with(VALID, "/options", "{\"ip_pool\":1}"),
            INVALID,
            "options.ip_pool"),
        // top level
        invalid("body is an array", "[]", INVALID, "the request body"),
        invalid(
            "campaign_id over 64 bytes",
            Http.with(VALID, "/campaign_id", "\"" + "c".repeat(65) + "\""),
            INVALID,
            "campaign_id"),
        invalid(
            "campaign_id of 33 two-byte characters",
            Http.with(VALID, "/campaign_id", "\"" + "\u00e9".repeat(33) + "\""),
            INVALID,
            "campaign_id"),
        invalid(
            "campaign_id number", Http.with(VALID, "/campaign_id", "1"), INVALID, "campaign_id"),
        invalid(
            "description over 1024 bytes",
            Http.with(VALID, "/description", "\"" + "d".repeat(1025) + "\""),
            INVALID,
            "description"),
        invalid("metadata array", Http.with(VALID, "/metadata", "[]"), INVALID, "metadata"),
        invalid(
            "substitution_data string",
            Http.with(VALID, "/substitution_data", "\"x\""),
            INVALID,
            "substitution_data"),
        invalid(
            "return_path number", Http.with(VALID, "/return_path", "1"), INVALID, "return_path"),
        // Issue #20 item 3: the limits Steadfast checks at build() hold here too.
        invalid(
            "amp_html alone",
            Http.with(Http.without(VALID, "/content/text"), "/content/amp_html", "\"<html amp4email>\""),
            REQUIRED,
            "content.amp_html"),
        invalid(
            "perform_substitutions false with a template",
            Http.with(TEMPLATE, "/options", "{\"perform_substitutions\":false}"),
            COMBINATION,
            "options.perform_substitutions"),
        invalid(
            "metadata over 10 KB",
            Http.with(VALID, "/metadata", "{\"pad\":\"" + "m".repeat(10 * 1024) + "\"}"),
            INVALID,
            "metadata"),
        invalid(
            "substitution_data over 100 KB",
            Http.with(VALID, "/substitution_data", "{\"pad\":\"" + "s".repeat(100 * 1024) + "\"}"),
            INVALID,
            "substitution_data"),
        invalid(
            "two inline images with one name",
            Http.with(
                VALID,
                "/content/inline_images",
                "[{\"name\":\"logo\",\"type\":\"image/png\",\"data\":\"SGVsbG8=\"},"
                    + "{\"name\":\"logo\",\"type\":\"image/png\",\"data\":\"SGVsbG8=\"}]"),
            INVALID,
            "content.inline_images[1].name"),
        invalid(
            "11 tags on a recipient",
            Http.with(
                VALID,
                "/recipients/0/tags",
                "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]"),
            INVALID,
            "recipients[0].tags"));
  }

  @Test
  void acceptsInitialOpenAndAmpHtmlBesideText() {
    String body =
        Http.with(
            Http.with(VALID, "/options", "{\"initial_open\":true}"),
            "/content/amp_html",
            "\"<html amp4email>\"");

    assertThat(Http.post(fake, body).statusCode()).isEqualTo(200);
  }

  private static Arguments invalid(String rule, String body, String code, String field) {
    return Arguments.of(rule, body, code, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBodies")
  void rejectsBodyBreakingARuleWith422NamingTheField(
      String rule, String body, String code, String field) {
    HttpResponse<String> response = Http.post(fake, body);

    assertThat(response.statusCode()).as(rule).isEqualTo(422);
    assertThat(Http.errors(response))
        .as(response.body())
        .anySatisfy(
            error -> {
              assertThat(error.path("code").stringValue()).isEqualTo(code);
              assertThat(error.path("message").stringValue()).isNotBlank();
              assertThat(error.path("description").stringValue()).contains(field);
            });
    assertThat(fake.transmissions()).isEmpty();
  }

  @Test
  void rejectsMissingRecipientsWith422() {
    HttpResponse<String> response = Http.post(fake, Http.without(VALID, "/recipients"));

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(Http.json(response).toString())
        .isEqualTo(
            "{\"errors\":[{\"message\":\"required field is missing\",\"code\":\"1400\","
                + "\"description\":\"field 'recipients' is required\"}]}");
  }

  @Test
  void wordsTypeErrorsAsSparkPostDoes() {
    HttpResponse<String> response = Http.post(fake, Http.with(VALID, "/content/headers", "[]"));

    assertThat(Http.errors(response))
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.path("message").stringValue()).isEqualTo("invalid data format/type");
              assertThat(error.path("description").stringValue())
                  .isEqualTo(
                      "field 'content.headers' is of type 'json_array', but needs to be of type"
                          + " 'json_object'");
            });
  }

  @Test
  void reportsEveryProblemNotOnlyTheFirst() {
    String broken =
        Http.with(Http.without(VALID, "/content/subject"), "/recipients/0/address/email", "\"x\"");

    HttpResponse<String> response = Http.post(fake, broken);

    assertThat(Http.errors(response))
        .extracting(error -> error.path("description").stringValue())
        .hasSize(2)
        .anySatisfy(d -> assertThat(d).contains("recipients[0].address.email"))
        .anySatisfy(d -> assertThat(d).contains("content.subject"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "open_tracking",
        "click_tracking",
        "transactional",
        "sandbox",
        "skip_suppression",
        "inline_css",
        "perform_substitutions"
      })
  void acceptsBooleanOptionAndRejectsOtherTypes(String option) {
    HttpResponse<String> asBoolean =
        Http.post(fake, Http.with(VALID, "/options", "{\"" + option + "\":false}"));
    HttpResponse<String> asString =
        Http.post(fake, Http.with(VALID, "/options", "{\"" + option + "\":\"false\"}"));

    assertThat(asBoolean.statusCode()).isEqualTo(200);
    assertThat(asString.statusCode()).isEqualTo(422);
    assertThat(Http.errors(asString))
        .singleElement()
        .satisfies(
            e -> assertThat(e.path("description").stringValue()).contains("options." + option));
  }

  @ParameterizedTest
  @ValueSource(strings = {"now", "2015-02-11T08:00:00-04:00", "2026-12-01T09:30:00+00:00"})
  void acceptsDocumentedStartTimes(String startTime) {
    HttpResponse<String> response =
        Http.post(fake, Http.with(VALID, "/options", "{\"start_time\":\"" + startTime + "\"}"));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"address\":\"wilma@example.com\"}",
        "{\"address\":{\"email\":\"wilma@example.com\",\"name\":\"Wilma\","
            + "\"header_to\":\"fred@example.com\"}}",
        "{\"address\":{\"email\":\"wilma@example.com\"},\"tags\":[\"a\",\"b\"],"
            + "\"metadata\":{\"k\":1},\"substitution_data\":{\"n\":\"W\"},"
            + "\"return_path\":\"bounce@example.com\"}"
      })
  void acceptsDocumentedRecipientShapes(String recipient) {
    HttpResponse<String> response = Http.post(fake, Http.with(VALID, "/recipients/0", recipient));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"from\":\"f@example.com\",\"subject\":\"s\",\"html\":\"<p>h</p>\"}",
        // amp_html needs text or html beside it (issue #20 item 3).
        "{\"from\":\"f@example.com\",\"subject\":\"s\",\"text\":\"t\",\"amp_html\":\"<html amp4email></html>\"}",
        "{\"from\":{\"email\":\"f@example.com\",\"name\":\"Fred\"},\"subject\":\"s\","
            + "\"text\":\"t\",\"reply_to\":\"r@example.com\","
            + "\"headers\":{\"CC\":\"c@example.com\"}}",
        "{\"from\":\"{{sender}}\",\"subject\":\"s\",\"text\":\"t\"}",
        "{\"template_id\":\"black_friday\"}",
        "{\"template_id\":\"black_friday\",\"use_draft_template\":false}",
        "{\"ab_test_id\":\"password_reset\"}",
        "{\"email_rfc822\":\"Subject: hi\\r\\n\\r\\nHello\"}"
      })
  void acceptsEachKindOfContent(String content) {
    HttpResponse<String> response = Http.post(fake, Http.with(VALID, "/content", content));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void ignoresUnknownTopLevelFieldsAsSparkPostDoes() {
    HttpResponse<String> response = Http.post(fake, Http.with(VALID, "/name", "\"Fall Sale\""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fake.transmissions().get(0).at("/name")).isEqualTo("Fall Sale");
  }

  @Test
  void countsCampaignIdInBytesNotCharacters() {
    String thirtyTwoTwoByteCharacters = "\u00e9".repeat(32);

    HttpResponse<String> response =
        Http.post(fake, Http.with(VALID, "/campaign_id", "\"" + thirtyTwoTwoByteCharacters + "\""));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "inline-content.json",
        "inline-content-full.json",
        "inline-content-cc-bcc.json",
        "template.json",
        "ab-test.json",
        "rfc822.json",
        "scheduled.json",
        "stored-recipient-list.json",
        "attachments.json",
        "inline-images.json"
      })
  void acceptsSparkPostsDocumentedExamples(String example) {
    HttpResponse<String> response = Http.post(fake, Http.example(example));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(fake.transmissions())
        .singleElement()
        .satisfies(t -> assertThat(t.json()).isEqualTo(Http.example(example)));
  }

  @Test
  void countsEveryCcAndBccRecipientAsAccepted() {
    HttpResponse<String> response = Http.post(fake, Http.example("inline-content-cc-bcc.json"));

    assertThat(Http.json(response).at("/results/total_accepted_recipients").intValue())
        .isEqualTo(6);
  }
}
