package io.steadfast;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One email: who sends it, who receives it, what it says, and how SparkPost should treat it.
 *
 * <p>Content comes in one of three forms: inline ({@link Builder#subject subject} plus
 * {@link Builder#text text}, {@link Builder#html html} and/or {@link Builder#ampHtml AMP HTML}), a
 * stored {@link Builder#template(String) template}, or a complete {@link Builder#rfc822 RFC 822}
 * message. Recipients are listed inline or named by a stored {@link Builder#recipientList list}.
 *
 * <pre>{@code
 * Message message = Message.builder()
 *     .from("orders@shop.example", "Shop")
 *     .to("alice@example.com")
 *     .subject("Your order has shipped")
 *     .text("It is on its way.")
 *     .build();
 * }</pre>
 *
 * <p>A {@code Message} is immutable and always valid: the constructor checks every rule (addresses,
 * CR/LF in headers, content, recipients, size) and reports all problems in one
 * {@link InvalidMessageException}.
 *
 * @param from the sender; {@code null} only for template and RFC 822 content, which carry their own
 * @param replyTo the Reply-To address, or {@code null} if replies go to {@code from}
 * @param recipients the inline recipients, in order; empty when a recipient list is used
 * @param recipientListId the id of a stored recipient list, or {@code null} for inline recipients
 * @param subject the subject line, or {@code null} for template and RFC 822 content
 * @param text the plain-text body, or {@code null} if there is none
 * @param html the HTML body, or {@code null} if there is none
 * @param ampHtml the AMP HTML body, or {@code null} if there is none
 * @param headers extra headers, in order; empty if none
 * @param attachments files attached to the message; empty if none
 * @param inlineImages images the HTML refers to as {@code cid:<name>}; empty if none
 * @param templateId the stored template to send, or {@code null} for other content
 * @param useDraftTemplate whether to use the template's draft rather than its published version
 * @param rfc822 a complete MIME message to send as is, or {@code null} for other content
 * @param campaignId the campaign, at most 64 bytes, or {@code null} if none
 * @param description a description of the transmission, at most 1024 bytes, or {@code null}
 * @param returnPath the envelope sender for bounces, or {@code null} for SparkPost's default
 * @param metadata JSON data SparkPost attaches to every event of this message; empty if none
 * @param substitutionData template data for all recipients; empty if none
 * @param tags labels SparkPost attaches to every recipient's events; empty if none
 * @param options SparkPost's transmission options; {@link MessageOptions#NONE} if none is set
 * @param idempotencyKey the caller's key for this message, or {@code null} to have one generated
 * @param abTestId the stored A/B test whose templates SparkPost sends ({@code content.ab_test_id}), or
 *     {@code null} for other content; REST only
 * @param archive addresses that receive an archive copy of what the To recipient gets (SMTP
 *     X-MSYS-API {@code archive}); empty if none. SMTP only: SparkPost's REST API has no archive
 *     recipients (support article "Using CC and BCC with the REST API")
 */
public record Message(
    @Nullable EmailAddress from,
    @Nullable EmailAddress replyTo,
    List<Recipient> recipients,
    @Nullable String recipientListId,
    @Nullable String subject,
    @Nullable String text,
    @Nullable String html,
    @Nullable String ampHtml,
    Map<String, String> headers,
    List<Attachment> attachments,
    List<Attachment> inlineImages,
    @Nullable String templateId,
    boolean useDraftTemplate,
    @Nullable String rfc822,
    @Nullable String campaignId,
    @Nullable String description,
    @Nullable EmailAddress returnPath,
    Map<String, Object> metadata,
    Map<String, Object> substitutionData,
    List<String> tags,
    MessageOptions options,
    @Nullable IdempotencyKey idempotencyKey,
    @Nullable String abTestId,
    List<EmailAddress> archive) {

  /**
   * SparkPost's maximum message size, 20 MB, counted as Steadfast estimates it: bodies, headers and
   * attachments after base64 encoding.
   */
  public static final long MAX_MESSAGE_BYTES = 20L * 1024 * 1024;

  /**
   * SparkPost's limit on transmission metadata, 10 KB, counted as the JSON the REST transport sends:
   * the caller's metadata plus the {@value IdempotencyKey#METADATA_FIELD} field Steadfast adds.
   */
  public static final long MAX_METADATA_BYTES = 10L * 1024;

  /** SparkPost's limit on transmission substitution data, 100 KB of JSON. */
  public static final long MAX_SUBSTITUTION_DATA_BYTES = 100L * 1024;

  /** How far ahead SparkPost lets a transmission be scheduled with {@code start_time}: 3 days. */
  public static final Duration MAX_SCHEDULE_AHEAD = Duration.ofDays(3);

  /**
   * How far in the past a {@code start_time} may lie and still be accepted, as "now": 1 minute, for
   * clock skew and the time between building a message and sending it.
   */
  public static final Duration START_TIME_TOLERANCE = Duration.ofMinutes(1);

  /**
   * Copies every collection and checks every rule.
   *
   * @throws InvalidMessageException listing every problem found
   */
  public Message {
    Objects.requireNonNull(options, "options");
    recipients = List.copyOf(recipients);
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    attachments = List.copyOf(attachments);
    inlineImages = List.copyOf(inlineImages);
    tags = List.copyOf(tags);
    archive = List.copyOf(archive);
    List<InvalidMessageException.Violation> violations = new ArrayList<>();
    metadata = JsonValues.copyObject(metadata, "metadata", violations);
    substitutionData = JsonValues.copyObject(substitutionData, "substitutionData", violations);
    MessageRules.check(from, recipients, recipientListId, subject, text, html, ampHtml, headers,
        attachments, inlineImages, templateId, abTestId, rfc822, campaignId, description, tags, options,
        metadata, substitutionData, violations);
    MessageRules.checkCombinations(replyTo, templateId, abTestId, rfc822, recipientListId, tags, violations);
    MessageRules.checkLimits(recipients, templateId, abTestId, rfc822, inlineImages, tags, options,
        metadata, substitutionData, idempotencyKey, violations);
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
  }

  /** Returns a builder for a new message. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this message's values, to derive a changed copy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns which of the three content forms this message uses. */
  public ContentKind contentKind() {
    if (templateId != null) {
      return ContentKind.TEMPLATE;
    }
    if (abTestId != null) {
      return ContentKind.AB_TEST;
    }
    return rfc822 != null ? ContentKind.RFC822 : ContentKind.INLINE;
  }

  /**
   * Returns Steadfast's estimate of the message's size in bytes as SparkPost counts it: bodies,
   * subject, headers and attachments after base64 encoding.
   */
  public long estimatedSizeBytes() {
    return MessageRules.estimatedSizeBytes(subject, text, html, ampHtml, rfc822, headers, attachments,
        inlineImages);
  }

  /**
   * Returns a SHA-256 fingerprint (64 hex digits) of everything this message says except its
   * idempotency key: equal fingerprints mean the same email. Steadfast uses it to tell a retry of a
   * message (same key, same fingerprint) from a conflicting reuse of a key.
   */
  public String fingerprint() {
    return MessageFingerprint.of(this);
  }

  /**
   * Checks the scheduled {@code start_time} against {@code now}: it may lie at most
   * {@link #MAX_SCHEDULE_AHEAD} ahead and at most {@link #START_TIME_TOLERANCE} behind. Steadfast
   * calls it with the configured clock when {@code send} or {@code submit} accepts the message (not
   * when a spooled message is retried later, which SparkPost then sends at once); a message without
   * a start time always passes.
   *
   * @throws InvalidMessageException naming {@code startTime} and the limit it breaks
   */
  public void checkStartTime(Instant now) {
    Objects.requireNonNull(now, "now");
    List<InvalidMessageException.Violation> violations = new ArrayList<>();
    MessageRules.checkStartTime(options.startTime(), now, violations);
    if (!violations.isEmpty()) {
      throw new InvalidMessageException(violations);
    }
  }

  /** Returns a copy of this message carrying {@code idempotencyKey}. */
  public Message withIdempotencyKey(IdempotencyKey idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return toBuilder().idempotencyKey(idempotencyKey).build();
  }

  /** Returns the sender, the recipient count, the subject's length and the size; never the body. */
  @Override
  public String toString() {
    return "Message[from=" + (from == null ? "(template)" : from.email())
        + ", recipients=" + (recipientListId != null ? "list:" + recipientListId : recipients.size())
        + ", content=" + contentKind()
        + ", attachments=" + attachments.size()
        + ", estimatedSizeBytes=" + estimatedSizeBytes() + "]";
  }

  /** The forms a message's content can take. */
  public enum ContentKind {
    /** Subject and bodies given in the message. */
    INLINE,
    /** A template stored in SparkPost. */
    TEMPLATE,
    /** A complete MIME message. */
    RFC822,
    /** A stored A/B test, which picks one of its templates per recipient. */
    AB_TEST
  }

  /**
   * Builds a {@link Message}. Setters replace; {@code to}, {@code cc}, {@code bcc}, {@code header},
   * {@code attachment}, {@code inlineImage}, {@code tag} and {@code archive} add. Not thread-safe.
   *
   * <p>Addresses given as strings are checked in {@link #build()}, so one call reports every
   * problem.
   */
  public static final class Builder {
    private @Nullable Object from;
    private @Nullable Object replyTo;
    private final List<Object> recipients = new ArrayList<>();
    private @Nullable String recipientListId;
    private @Nullable String subject;
    private @Nullable String text;
    private @Nullable String html;
    private @Nullable String ampHtml;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final List<Object> attachments = new ArrayList<>();
    private final List<Object> inlineImages = new ArrayList<>();
    private @Nullable String templateId;
    private boolean useDraftTemplate;
    private @Nullable String rfc822;
    private @Nullable String campaignId;
    private @Nullable String description;
    private @Nullable Object returnPath;
    private Map<String, ?> metadata = Map.of();
    private Map<String, ?> substitutionData = Map.of();
    private final List<String> tags = new ArrayList<>();
    private @Nullable Boolean transactional;
    private @Nullable Boolean openTracking;
    private @Nullable Boolean clickTracking;
    private @Nullable Boolean sandbox;
    private @Nullable Boolean skipSuppression;
    private @Nullable Boolean inlineCss;
    private @Nullable Boolean performSubstitutions;
    private @Nullable String ipPool;
    private @Nullable Instant startTime;
    private @Nullable IdempotencyKey idempotencyKey;
    private @Nullable Boolean initialOpen;
    private @Nullable String abTestId;
    private final List<Object> archive = new ArrayList<>();

    Builder() {}

    Builder(Message message) {
      from = message.from;
      replyTo = message.replyTo;
      recipients.addAll(message.recipients);
      recipientListId = message.recipientListId;
      subject = message.subject;
      text = message.text;
      html = message.html;
      ampHtml = message.ampHtml;
      headers.putAll(message.headers);
      attachments.addAll(message.attachments);
      inlineImages.addAll(message.inlineImages);
      templateId = message.templateId;
      useDraftTemplate = message.useDraftTemplate;
      rfc822 = message.rfc822;
      campaignId = message.campaignId;
      description = message.description;
      returnPath = message.returnPath;
      metadata = message.metadata;
      substitutionData = message.substitutionData;
      tags.addAll(message.tags);
      options(message.options);
      idempotencyKey = message.idempotencyKey;
      abTestId = message.abTestId;
      archive.addAll(message.archive);
    }

    /** Sets the sender's address. */
    public Builder from(String email) {
      this.from = Objects.requireNonNull(email, "email");
      return this;
    }

    /** Sets the sender's address and display name. */
    public Builder from(String email, String name) {
      this.from = new PendingAddress(Objects.requireNonNull(email, "email"), Objects.requireNonNull(name, "name"));
      return this;
    }

    /** Sets the sender. */
    public Builder from(EmailAddress from) {
      this.from = Objects.requireNonNull(from, "from");
      return this;
    }

    /** Sets the Reply-To address. */
    public Builder replyTo(String email) {
      this.replyTo = Objects.requireNonNull(email, "email");
      return this;
    }

    /** Sets the Reply-To address. */
    public Builder replyTo(EmailAddress replyTo) {
      this.replyTo = Objects.requireNonNull(replyTo, "replyTo");
      return this;
    }

    /** Adds a To recipient. */
    public Builder to(String email) {
      recipients.add(new PendingRecipient(Objects.requireNonNull(email, "email"), null, Recipient.Kind.TO));
      return this;
    }

    /** Adds a To recipient with a display name. */
    public Builder to(String email, String name) {
      recipients.add(new PendingRecipient(Objects.requireNonNull(email, "email"),
          Objects.requireNonNull(name, "name"), Recipient.Kind.TO));
      return this;
    }

    /** Adds a To recipient. */
    public Builder to(EmailAddress address) {
      recipients.add(Recipient.to(address));
      return this;
    }

    /** Adds a Cc recipient. */
    public Builder cc(String email) {
      recipients.add(new PendingRecipient(Objects.requireNonNull(email, "email"), null, Recipient.Kind.CC));
      return this;
    }

    /** Adds a Cc recipient. */
    public Builder cc(EmailAddress address) {
      recipients.add(Recipient.cc(address));
      return this;
    }

    /** Adds a Bcc recipient. */
    public Builder bcc(String email) {
      recipients.add(new PendingRecipient(Objects.requireNonNull(email, "email"), null, Recipient.Kind.BCC));
      return this;
    }

    /** Adds a Bcc recipient. */
    public Builder bcc(EmailAddress address) {
      recipients.add(Recipient.bcc(address));
      return this;
    }

    /** Adds a recipient with its own tags, metadata or substitution data. */
    public Builder recipient(Recipient recipient) {
      recipients.add(Objects.requireNonNull(recipient, "recipient"));
      return this;
    }

    /** Replaces all recipients with {@code recipients}. */
    public Builder recipients(List<Recipient> recipients) {
      this.recipients.clear();
      this.recipients.addAll(List.copyOf(recipients));
      return this;
    }

    /** Sends to the stored recipient list {@code listId} instead of inline recipients. */
    public Builder recipientList(String listId) {
      this.recipientListId = Objects.requireNonNull(listId, "listId");
      return this;
    }

    /** Sets the subject line. */
    public Builder subject(String subject) {
      this.subject = Objects.requireNonNull(subject, "subject");
      return this;
    }

    /** Sets the plain-text body. */
    public Builder text(String text) {
      this.text = Objects.requireNonNull(text, "text");
      return this;
    }

    /** Sets the HTML body. */
    public Builder html(String html) {
      this.html = Objects.requireNonNull(html, "html");
      return this;
    }

    /** Sets the AMP HTML body. */
    public Builder ampHtml(String ampHtml) {
      this.ampHtml = Objects.requireNonNull(ampHtml, "ampHtml");
      return this;
    }

    /** Adds (or replaces) the header {@code name}. */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds an attachment. */
    public Builder attachment(Attachment attachment) {
      attachments.add(Objects.requireNonNull(attachment, "attachment"));
      return this;
    }

    /** Adds an attachment made of {@code content}, checked in {@link #build()}. */
    public Builder attachment(String name, String contentType, byte[] content) {
      attachments.add(new PendingAttachment(name, contentType, content.clone()));
      return this;
    }

    /** Adds an inline image that the HTML refers to as {@code cid:<name>}. */
    public Builder inlineImage(Attachment image) {
      inlineImages.add(Objects.requireNonNull(image, "image"));
      return this;
    }

    /** Adds an inline image made of {@code content}, checked in {@link #build()}. */
    public Builder inlineImage(String name, String contentType, byte[] content) {
      inlineImages.add(new PendingAttachment(name, contentType, content.clone()));
      return this;
    }

    /** Sends the published version of the stored template {@code templateId}. */
    public Builder template(String templateId) {
      return template(templateId, false);
    }

    /** Sends the stored template {@code templateId}, its draft if {@code useDraft}. */
    public Builder template(String templateId, boolean useDraft) {
      this.templateId = Objects.requireNonNull(templateId, "templateId");
      this.useDraftTemplate = useDraft;
      return this;
    }

    /**
     * Sends the stored A/B test {@code abTestId}: SparkPost picks one of its templates for each
     * recipient. REST only.
     */
    public Builder abTest(String abTestId) {
      this.abTestId = Objects.requireNonNull(abTestId, "abTestId");
      return this;
    }

    /** Adds an archive recipient (SMTP only), checked in {@link #build()}. */
    public Builder archive(String email) {
      archive.add(Objects.requireNonNull(email, "email"));
      return this;
    }

    /** Adds an archive recipient (SMTP only). */
    public Builder archive(EmailAddress address) {
      archive.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** Sends {@code mimeMessage}, a complete RFC 822 message with its own headers, as is. */
    public Builder rfc822(String mimeMessage) {
      this.rfc822 = Objects.requireNonNull(mimeMessage, "mimeMessage");
      return this;
    }

    /** Sets the campaign id (at most 64 bytes). */
    public Builder campaignId(String campaignId) {
      this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
      return this;
    }

    /** Sets the transmission's description (at most 1024 bytes). */
    public Builder description(String description) {
      this.description = Objects.requireNonNull(description, "description");
      return this;
    }

    /** Sets the envelope sender that bounces go to. */
    public Builder returnPath(String email) {
      this.returnPath = Objects.requireNonNull(email, "email");
      return this;
    }

    /** Sets the transmission-level metadata (a JSON object of strings, numbers, booleans, lists, maps). */
    public Builder metadata(Map<String, ?> metadata) {
      this.metadata = Objects.requireNonNull(metadata, "metadata");
      return this;
    }

    /** Sets the substitution data for all recipients. */
    public Builder substitutionData(Map<String, ?> substitutionData) {
      this.substitutionData = Objects.requireNonNull(substitutionData, "substitutionData");
      return this;
    }

    /** Adds a tag that SparkPost attaches to every recipient's events. */
    public Builder tag(String tag) {
      tags.add(Objects.requireNonNull(tag, "tag"));
      return this;
    }

    /** Marks the message transactional (or not). */
    public Builder transactional(boolean transactional) {
      this.transactional = transactional;
      return this;
    }

    /** Turns open tracking on or off. */
    public Builder openTracking(boolean openTracking) {
      this.openTracking = openTracking;
      return this;
    }

    /** Turns click tracking on or off. */
    public Builder clickTracking(boolean clickTracking) {
      this.clickTracking = clickTracking;
      return this;
    }

    /** Sends from SparkPost's sandbox domain (or not). */
    public Builder sandbox(boolean sandbox) {
      this.sandbox = sandbox;
      return this;
    }

    /** Ignores (or honours) the suppression list; Enterprise accounts only. */
    public Builder skipSuppression(boolean skipSuppression) {
      this.skipSuppression = skipSuppression;
      return this;
    }

    /** Has SparkPost inline the HTML's CSS (or not). */
    public Builder inlineCss(boolean inlineCss) {
      this.inlineCss = inlineCss;
      return this;
    }

    /** Applies substitution data (or not). */
    public Builder performSubstitutions(boolean performSubstitutions) {
      this.performSubstitutions = performSubstitutions;
      return this;
    }

    /** Sends from the dedicated IP pool {@code ipPool}. */
    public Builder ipPool(String ipPool) {
      this.ipPool = Objects.requireNonNull(ipPool, "ipPool");
      return this;
    }

    /** Schedules the transmission for {@code startTime} (SparkPost allows up to 3 days ahead). */
    public Builder startTime(Instant startTime) {
      this.startTime = Objects.requireNonNull(startTime, "startTime");
      return this;
    }

    /** Adds (or not) an open-tracking pixel at the top of the HTML too ({@code initial_open}; REST only). */
    public Builder initialOpen(boolean initialOpen) {
      this.initialOpen = initialOpen;
      return this;
    }

    /** Replaces all options with {@code options}. */
    public Builder options(MessageOptions options) {
      Objects.requireNonNull(options, "options");
      transactional = options.transactional();
      openTracking = options.openTracking();
      clickTracking = options.clickTracking();
      sandbox = options.sandbox();
      skipSuppression = options.skipSuppression();
      inlineCss = options.inlineCss();
      performSubstitutions = options.performSubstitutions();
      ipPool = options.ipPool();
      startTime = options.startTime();
      initialOpen = options.initialOpen();
      return this;
    }

    /**
     * Sets the message's idempotency key, for a caller that has its own stable identity for the
     * message (an order number, say). If not set, Steadfast generates one when it accepts the message.
     */
    public Builder idempotencyKey(IdempotencyKey idempotencyKey) {
      this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      return this;
    }

    /**
     * Returns the message.
     *
     * @throws InvalidMessageException listing every problem with every field
     */
    public Message build() {
      List<InvalidMessageException.Violation> violations = new ArrayList<>();
      EmailAddress builtFrom = address(from, "from", violations);
      EmailAddress builtReplyTo = address(replyTo, "replyTo", violations);
      EmailAddress builtReturnPath = address(returnPath, "returnPath", violations);
      List<Recipient> builtRecipients = new ArrayList<>();
      int toIndex = 0;
      for (Object pending : recipients) {
        if (pending instanceof Recipient recipient) {
          builtRecipients.add(recipient);
        } else if (pending instanceof PendingRecipient raw) {
          String field = raw.kind().name().toLowerCase(java.util.Locale.ROOT) + "[" + toIndex + "]";
          EmailAddress address = address(new PendingAddress(raw.email(), raw.name()), field, violations);
          if (address != null) {
            builtRecipients.add(new Recipient(address, raw.kind(), List.of(), Map.of(), Map.of()));
          }
        }
        toIndex++;
      }
      List<Attachment> builtAttachments = attachments(attachments, "attachments", violations);
      List<Attachment> builtImages = attachments(inlineImages, "inlineImages", violations);
      MessageOptions options = new MessageOptions(transactional, openTracking, clickTracking, sandbox,
          skipSuppression, inlineCss, performSubstitutions, ipPool, startTime, initialOpen);
      Map<String, Object> meta = JsonValues.copyObject(metadata, "metadata", violations);
      Map<String, Object> subs = JsonValues.copyObject(substitutionData, "substitutionData", violations);
      List<EmailAddress> builtArchive = new ArrayList<>();
      for (int i = 0; i < archive.size(); i++) {
        EmailAddress address = address(archive.get(i), "archive[" + i + "]", violations);
        if (address != null) {
          builtArchive.add(address);
        }
      }
      if (!violations.isEmpty()) {
        // Check the rest too, so one exception names every problem, then report them all.
        List<InvalidMessageException.Violation> more = new ArrayList<>();
        MessageRules.check(builtFrom != null ? builtFrom : (from == null ? null : MessageRules.PLACEHOLDER),
            builtRecipients.isEmpty() && !recipients.isEmpty()
                ? List.of(Recipient.to(MessageRules.PLACEHOLDER)) : builtRecipients,
            recipientListId, subject, text, html, ampHtml, headers, builtAttachments, builtImages,
            templateId, abTestId, rfc822, campaignId, description, tags, options, meta, subs, more);
        MessageRules.checkCombinations(builtReplyTo, templateId, abTestId, rfc822, recipientListId, tags, more);
        MessageRules.checkLimits(builtRecipients, templateId, abTestId, rfc822, builtImages, tags, options,
            meta, subs, idempotencyKey, more);
        violations.addAll(more);
        throw new InvalidMessageException(violations);
      }
      return new Message(builtFrom, builtReplyTo, builtRecipients, recipientListId, subject, text, html,
          ampHtml, headers, builtAttachments, builtImages, templateId, useDraftTemplate, rfc822,
          campaignId, description, builtReturnPath, meta, subs, tags, options, idempotencyKey, abTestId,
          builtArchive);
    }

    private static @Nullable EmailAddress address(
        @Nullable Object value, String field, List<InvalidMessageException.Violation> violations) {
      if (value == null || value instanceof EmailAddress) {
        return (EmailAddress) value;
      }
      String email = value instanceof PendingAddress pending ? pending.email() : (String) value;
      String name = value instanceof PendingAddress pending ? pending.name() : null;
      try {
        return new EmailAddress(email, name);
      } catch (InvalidMessageException e) {
        for (InvalidMessageException.Violation violation : e.violations()) {
          String sub = violation.field().equals("address") ? "" : "." + violation.field();
          violations.add(new InvalidMessageException.Violation(field + sub, violation.problem()));
        }
        return null;
      }
    }

    private static List<Attachment> attachments(
        List<Object> values, String field, List<InvalidMessageException.Violation> violations) {
      List<Attachment> built = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        Object value = values.get(i);
        if (value instanceof Attachment attachment) {
          built.add(attachment);
          continue;
        }
        PendingAttachment raw = (PendingAttachment) value;
        try {
          built.add(new Attachment(raw.name(), raw.contentType(), raw.content()));
        } catch (InvalidMessageException e) {
          for (InvalidMessageException.Violation violation : e.violations()) {
            String sub = violation.field().substring(violation.field().indexOf('.') + 1);
            violations.add(new InvalidMessageException.Violation(field + "[" + i + "]." + sub, violation.problem()));
          }
        }
      }
      return built;
    }

    private record PendingAddress(String email, @Nullable String name) {}

    private record PendingRecipient(String email, @Nullable String name, Recipient.Kind kind) {}

    private record PendingAttachment(String name, String contentType, byte[] content) {}
  }
}
