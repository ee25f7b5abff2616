package io.steadfast;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost's per-transmission options. Each is {@code null} unless set, and only options that were
 * set are sent, so SparkPost's account and template defaults apply to the rest.
 *
 * @param transactional whether the message is transactional (not subject to unsubscribe handling),
 *     or {@code null} to use the default
 * @param openTracking whether to track opens, or {@code null} to use the default
 * @param clickTracking whether to track clicks, or {@code null} to use the default
 * @param sandbox whether to send from SparkPost's sandbox domain, or {@code null} to use the default
 * @param skipSuppression whether to ignore the suppression list (Enterprise only), or {@code null}
 * @param inlineCss whether SparkPost inlines the HTML's CSS, or {@code null} to use the default
 * @param performSubstitutions whether to apply substitution data, or {@code null} to use the default
 * @param ipPool the dedicated IP pool to send from, or {@code null} to use the default
 * @param startTime when to send (SparkPost allows up to 3 days ahead), or {@code null} for now
 * @param initialOpen whether to add a second open-tracking pixel at the top of the HTML, so an open
 *     is seen even when a client clips the message before the bottom pixel, or {@code null} to use the
 *     default (Transmissions API {@code options.initial_open}; REST only)
 */
public record MessageOptions(
    @Nullable Boolean transactional,
    @Nullable Boolean openTracking,
    @Nullable Boolean clickTracking,
    @Nullable Boolean sandbox,
    @Nullable Boolean skipSuppression,
    @Nullable Boolean inlineCss,
    @Nullable Boolean performSubstitutions,
    @Nullable String ipPool,
    @Nullable Instant startTime,
    @Nullable Boolean initialOpen) {

  /** No options set: SparkPost's defaults apply. */
  public static final MessageOptions NONE =
      new MessageOptions(null, null, null, null, null, null, null, null, null, null);

  /** Creates options without {@code initialOpen}, the form these options had before it existed. */
  public MessageOptions(@Nullable Boolean transactional, @Nullable Boolean openTracking,
      @Nullable Boolean clickTracking, @Nullable Boolean sandbox, @Nullable Boolean skipSuppression,
      @Nullable Boolean inlineCss, @Nullable Boolean performSubstitutions, @Nullable String ipPool,
      @Nullable Instant startTime) {
    this(transactional, openTracking, clickTracking, sandbox, skipSuppression, inlineCss,
        performSubstitutions, ipPool, startTime, null);
  }

  /** Returns whether no option is set. */
  public boolean isEmpty() {
    // Field by field rather than equals(NONE): every send asks, and the record's equals showed in profiles.
    return transactional == null && openTracking == null && clickTracking == null && sandbox == null
        && skipSuppression == null && inlineCss == null && performSubstitutions == null && ipPool == null
        && startTime == null && initialOpen == null;
  }
}
