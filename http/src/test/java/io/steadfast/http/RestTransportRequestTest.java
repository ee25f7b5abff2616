package io.steadfast.http;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.verify;
import static io.steadfast.http.Fixtures.KEY;
import static io.steadfast.http.Fixtures.TRANSMISSIONS;
import static io.steadfast.http.Fixtures.delivery;
import static io.steadfast.http.Fixtures.minimal;
import static io.steadfast.http.Fixtures.sparkpost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import io.steadfast.Attachment;
import io.steadfast.EmailAddress;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.Recipient;
import io.steadfast.SteadfastConfig;
import io.steadfast.spi.Outcome;
import io.steadfast.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the transport sends: method, path, headers, and the Transmissions JSON for every field of
 * {@link Message}, compared strictly (no extra fields) against samples written to SparkPost's
 * documented shapes, so a field the caller did not set is proven absent.
 */
@WireMockTest
class RestTransportRequestTest {
  private Transport transport;

  @BeforeEach
  void setUp(WireMockRuntimeInfo wireMock) {
    stubFor(post(urlEqualTo(TRANSMISSIONS)).willReturn(aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(sparkpost("responses/200-accepted.json"))));
    transport = RestTransport.create(Fixtures.config(wireMock).build());
  }

  @AfterEach
  void tearDown() {
    transport.close();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void sendsMinimalMessageWithOnlyTheFieldsSet(Mode mode) {
    Outcome outcome = mode.deliver(transport, delivery(minimal().build()));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    verify(sent("requests/minimal.json"));
  }

  @Test
  void sendsEveryOptionAndTransmissionField() {
    Message message = minimal()
        .startTime(Instant.parse("2026-11-25T10:00:00.750Z"))
        .openTracking(true)
        .clickTracking(false)
        .transactional(true)
        .sandbox(false)
        .skipSuppression(true)
        .ipPool("transactional_pool")
        .inlineCss(true)
        .performSubstitutions(false)
        .campaignId("black-friday")
        .description("Order confirmations")
        .returnPath("bounces@shop.example")
        .metadata(Map.of("order_id", 1001, "vip", true, "items", List.of("socks", "hat"),
            "customer", Map.of("tier", "gold")))
        .substitutionData(Map.of("first_name", "Alice", "discount", 0.15))
        .tag("orders")
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/options-and-transmission-fields.json"));
  }

  @Test
  void sendsCcAsRecipientWithHeaderToAndCcHeader() {
    Message message = Message.builder()
        .from("orders@shop.example")
        .to("alice@example.com", "Alice Liddell")
        .to("bob@example.com")
        .cc(EmailAddress.of("carol@example.com", "Carol, Accounts"))
        .cc("dave@example.com")
        .bcc(EmailAddress.of("eve@example.com", "Eve"))
        .subject("Your order has shipped")
        .text("It is on its way.")
        .build();

    transport.deliver(delivery(message));

    // Bcc: a recipient with header_to, and in no header. SparkPost builds a copy's To header as
    // "address.name" <address.header_to> (support article "Using CC and BCC with the REST API"), so
    // every copy carries the primary's name: Carol's copy shows "Alice Liddell <alice@example.com>",
    // not "Carol, Accounts <alice@example.com>" (issue #20 item 1).
    verify(sent("requests/cc-and-bcc.json"));
  }

  @Test
  void sendsInitialOpenRecipientReturnPathAndChosenHeaderTo() {
    // Transmissions API options.initial_open; Recipient Lists API recipient return_path and
    // address.header_to (issue #20 item 4). A chosen header_to without a name shows the recipient's
    // own name (To) or the primary's (Cc); one with a name shows that name.
    Message message = Message.builder()
        .from("orders@shop.example")
        .recipient(Recipient.to(EmailAddress.of("alice@example.com", "Alice"))
            .withHeaderTo(EmailAddress.of("team@example.com"))
            .withReturnPath(EmailAddress.of("bounce+alice@shop.example")))
        .bcc("bob@example.com")
        .recipient(Recipient.bcc(EmailAddress.of("carol@example.com"))
            .withHeaderTo(EmailAddress.of("audit@example.com", "Auditors")))
        .openTracking(true)
        .initialOpen(true)
        .subject("Your order has shipped")
        .text("It is on its way.")
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/documented-fields.json"));
  }

  @Test
  void sendsAbTestContent() {
    Message message = Message.builder().to("alice@example.com").abTest("password-reset-subjects").build();

    transport.deliver(delivery(message));

    verify(sent("requests/ab-test.json"));
  }

  @Test
  void refusesArchiveRecipientsWithoutSendingBecauseRestHasNone() {
    Message message = minimal().archive("audit@example.com").build();

    Outcome outcome = transport.deliver(delivery(message));

    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) outcome).failure().summary()).contains("archive recipients are SMTP-only");
    verify(0, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @Test
  void sendsPerRecipientTagsMetadataAndSubstitutionDataWithMessageTagsMerged() {
    Message message = Message.builder()
        .from("orders@shop.example")
        .recipient(Recipient.to(EmailAddress.of("alice@example.com"))
            .withTags(List.of("vip", "orders"))
            .withMetadata(Map.of("customer_id", 42))
            .withSubstitutionData(Map.of("first_name", "Alice")))
        .bcc("bob@example.com")
        .tag("orders")
        .tag("weekly")
        .subject("Your order has shipped")
        .text("It is on its way.")
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/per-recipient-details.json"));
  }

  @Test
  void sendsInlineContentWithNamesHeadersAttachmentsAndInlineImages() {
    Message message = minimal()
        .from("orders@shop.example", "Shop \"Orders\"")
        .replyTo(EmailAddress.of("support@shop.example", "Support @ Shop"))
        .html("<p>It is on its way. <img src=\"cid:logo.png\"></p>")
        .ampHtml("<!doctype html><html ⚡4email><body>It is on its way.</body></html>")
        .header("X-Order-Id", "1001")
        .header("List-Unsubscribe", "<mailto:unsubscribe@shop.example>")
        .attachment("invoice.pdf", "application/pdf",
            new byte[] {'%', 'P', 'D', 'F', '-', '1', '.', '4', '\n', '%', (byte) 0xC7, (byte) 0xEC})
        .attachment(Attachment.of("notes.txt", "text/plain", "hello world".getBytes(StandardCharsets.US_ASCII)))
        .inlineImage("logo.png", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/inline-content-full.json"));
  }

  @Test
  void sendsDraftTemplateWithSubstitutionData() {
    Message message = Message.builder()
        .to("alice@example.com")
        .template("order-shipped", true)
        .substitutionData(Map.of("first_name", "Alice"))
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/template-draft.json"));
  }

  @Test
  void sendsPublishedTemplateWithoutUseDraftTemplate() {
    Message message = Message.builder().to("alice@example.com").template("order-shipped").build();

    transport.deliver(delivery(message));

    verify(sent("requests/template-published.json"));
  }

  @Test
  void sendsRfc822ContentAsIs() {
    Message message = Message.builder()
        .to("alice@example.com")
        .rfc822("From: orders@shop.example\r\nTo: alice@example.com\r\nSubject: Shipped\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain\r\n\r\nIt is on its way.\r\n")
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/rfc822.json"));
  }

  @Test
  void sendsStoredRecipientListAsListId() {
    Message message = Message.builder()
        .from("news@shop.example")
        .recipientList("weekly-subscribers")
        .campaignId("newsletter")
        .subject("This week")
        .html("<p>News</p>")
        .build();

    transport.deliver(delivery(message));

    verify(sent("requests/recipient-list.json"));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void sendsRawApiKeyIdempotencyKeyAndJsonHeaders(Mode mode) {
    mode.deliver(transport, delivery(minimal().build()));

    verify(postRequestedFor(urlEqualTo(TRANSMISSIONS))
        .withHeader("Authorization", equalTo(Fixtures.API_KEY))
        .withHeader("Content-Type", equalTo("application/json"))
        .withHeader("Accept", equalTo("application/json"))
        .withHeader("Idempotency-Key", equalTo(KEY.value()))
        .withHeader("User-Agent", matching("steadfast/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"))
        .withHeader("X-MSYS-SUBACCOUNT", absent()));
  }

  @Test
  void sendsSubaccountHeaderWhenConfigured(WireMockRuntimeInfo wireMock) {
    try (Transport subaccount = RestTransport.create(Fixtures.config(wireMock).subaccountId(123).build())) {
      subaccount.deliver(delivery(minimal().build()));
    }

    verify(postRequestedFor(urlEqualTo(TRANSMISSIONS)).withHeader("X-MSYS-SUBACCOUNT", equalTo("123")));
  }

  @Test
  void refusesAtOnceAnApiKeyNoHttpHeaderCanCarryWithoutQuotingIt(WireMockRuntimeInfo wireMock) {
    SteadfastConfig config = Fixtures.config(wireMock).apiKey("clé-0123456789abcdef").build();

    assertThatThrownBy(() -> RestTransport.create(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("API key holds a character an HTTP header cannot carry")
        .hasMessageContaining("Configuration > API Keys")
        .hasMessageNotContaining("clé")
        .hasNoCause();
    verify(0, postRequestedFor(urlEqualTo(TRANSMISSIONS)));
  }

  @Test
  void appendsTransmissionsPathToCustomEndpointWithBasePath(WireMockRuntimeInfo wireMock) {
    stubFor(post(urlEqualTo("/sparkpost" + TRANSMISSIONS)).willReturn(aResponse()
        .withStatus(200).withBody(sparkpost("responses/200-accepted.json"))));
    SteadfastConfig config = Fixtures.config(wireMock)
        .endpoint(Endpoint.custom(wireMock.getHttpBaseUrl() + "/sparkpost/"))
        .build();

    try (Transport proxied = RestTransport.create(config)) {
      assertThat(proxied.deliver(delivery(minimal().build()))).isInstanceOf(Outcome.Accepted.class);
    }

    verify(postRequestedFor(urlEqualTo("/sparkpost" + TRANSMISSIONS)));
  }

  @Test
  void namesRouteAfterEndpoint(WireMockRuntimeInfo wireMock) {
    try (Transport us = RestTransport.create(Fixtures.config(wireMock).endpoint(Endpoint.US).build());
        Transport eu = RestTransport.create(Fixtures.config(wireMock).endpoint(Endpoint.EU).build())) {
      assertThat(List.of(us.route(), eu.route(), transport.route())).containsExactly("rest-us", "rest-eu", "rest-custom");
    }
  }

  private static RequestPatternBuilder sent(String expectedJson) {
    // Strict: same array order, no extra fields.
    return postRequestedFor(urlEqualTo(TRANSMISSIONS)).withRequestBody(equalToJson(sparkpost(expectedJson), false, false));
  }
}
