package io.steadfast.http.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The request body of {@code POST /api/v1/transmissions}, field for field as SparkPost documents it
 * (developers.sparkpost.com/api/transmissions, "Transmission Attributes"). A {@code null} component
 * is left out of the JSON, so only what the caller set is sent and SparkPost's account and template
 * defaults apply to the rest.
 *
 * @param recipients a {@code List<RecipientJson>} or a {@link ListIdJson}
 * @param content an {@link InlineContentJson}, {@link TemplateContentJson} or {@link Rfc822ContentJson}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TransmissionJson(
    @JsonProperty("options") @Nullable OptionsJson options,
    @JsonProperty("campaign_id") @Nullable String campaignId,
    @JsonProperty("description") @Nullable String description,
    @JsonProperty("return_path") @Nullable String returnPath,
    @JsonProperty("metadata") Map<String, Object> metadata,
    @JsonProperty("substitution_data") @Nullable Map<String, Object> substitutionData,
    @JsonProperty("recipients") Object recipients,
    @JsonProperty("content") Object content) {

  /** {@code options}: only the options the caller set. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record OptionsJson(
      @JsonProperty("start_time") @Nullable String startTime,
      @JsonProperty("open_tracking") @Nullable Boolean openTracking,
      @JsonProperty("click_tracking") @Nullable Boolean clickTracking,
      @JsonProperty("transactional") @Nullable Boolean transactional,
      @JsonProperty("sandbox") @Nullable Boolean sandbox,
      @JsonProperty("skip_suppression") @Nullable Boolean skipSuppression,
      @JsonProperty("ip_pool") @Nullable String ipPool,
      @JsonProperty("inline_css") @Nullable Boolean inlineCss,
      @JsonProperty("perform_substitutions") @Nullable Boolean performSubstitutions) {}

  /** {@code recipients} as a stored recipient list. */
  record ListIdJson(@JsonProperty("list_id") String listId) {}

  /** One inline recipient (Recipient Lists API, "Recipient Object"). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RecipientJson(
      @JsonProperty("address") AddressJson address,
      @JsonProperty("tags") @Nullable List<String> tags,
      @JsonProperty("metadata") @Nullable Map<String, Object> metadata,
      @JsonProperty("substitution_data") @Nullable Map<String, Object> substitutionData) {}

  /**
   * A recipient's address ("Address Object").
   *
   * @param headerTo for Cc and Bcc copies, the address shown in their {@code To} header
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record AddressJson(
      @JsonProperty("email") String email,
      @JsonProperty("name") @Nullable String name,
      @JsonProperty("header_to") @Nullable String headerTo) {}

  /** The sender as an object, used when it has a display name; otherwise {@code from} is a string. */
  record FromJson(@JsonProperty("email") String email, @JsonProperty("name") String name) {}

  /**
   * {@code content} given inline ("Inline Content Attributes").
   *
   * @param from a {@code String} or a {@link FromJson}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record InlineContentJson(
      @JsonProperty("from") Object from,
      @JsonProperty("subject") String subject,
      @JsonProperty("text") @Nullable String text,
      @JsonProperty("html") @Nullable String html,
      @JsonProperty("amp_html") @Nullable String ampHtml,
      @JsonProperty("reply_to") @Nullable String replyTo,
      @JsonProperty("headers") @Nullable Map<String, String> headers,
      @JsonProperty("attachments") @Nullable List<AttachmentJson> attachments,
      @JsonProperty("inline_images") @Nullable List<AttachmentJson> inlineImages) {}

  /** An attachment or inline image ("Attachment Attributes"): {@code data} is base64 without line breaks. */
  record AttachmentJson(
      @JsonProperty("name") String name,
      @JsonProperty("type") String type,
      @JsonProperty("data") String data) {}

  /** {@code content} as a stored template ("Using a Stored Template"). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record TemplateContentJson(
      @JsonProperty("template_id") String templateId,
      @JsonProperty("use_draft_template") @Nullable Boolean useDraftTemplate) {}

  /** {@code content} as a complete MIME message ("email_rfc822 Notes"). */
  record Rfc822ContentJson(@JsonProperty("email_rfc822") String emailRfc822) {}
}
