package io.steadfast.spi;

import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.Recipient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Searches SparkPost's message events for idempotency keys, to learn whether SparkPost accepted a
 * message whose answer was lost, for people who implement a transport module. Steadfast asks before it
 * re-sends an unknown outcome, because SparkPost does not deduplicate (sparkpost.md, "Events API").
 *
 * <p>SparkPost has no filter on metadata, so an implementation searches by recipient (or by campaign or
 * template for a stored recipient list) and time window, and matches the key in each event's
 * {@code rcpt_meta} itself. It may split one search into several requests (URIs are limited to 4,096
 * characters) and must follow the result pages. Failures are results, never exceptions.
 * Implementations are thread-safe.
 */
public interface MessageEvents extends AutoCloseable {

  /**
   * One message to look for.
   *
   * @param idempotencyKey the key the message carried in its metadata
   * @param recipients the recipients' addresses; empty for a stored recipient list
   * @param campaignId the message's campaign, or {@code null}; narrows a stored-list search
   * @param templateId the message's stored template, or {@code null}; narrows a stored-list search
   * @param sentAfter no attempt of the message started before this moment
   */
  record Lookup(IdempotencyKey idempotencyKey, List<String> recipients, @Nullable String campaignId,
      @Nullable String templateId, Instant sentAfter) {
    /** Checks the parts are present and copies the recipients. */
    public Lookup {
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      recipients = List.copyOf(recipients);
      Objects.requireNonNull(sentAfter, "sentAfter");
    }

    /** Returns the lookup for {@code message}, sent with {@code key}, whose first attempt was after {@code sentAfter}. */
    public static Lookup of(Message message, IdempotencyKey key, Instant sentAfter) {
      List<String> addresses = message.recipients().stream().map(Recipient::address)
          .map(address -> address.email()).distinct().toList();
      return new Lookup(key, addresses, message.campaignId(), message.templateId(), sentAfter);
    }
  }

  /** The kinds of event that settle an unknown outcome; SparkPost records one of them for every message it accepted. */
  enum EventType {
    /** {@code injection}: SparkPost accepted the message. */
    INJECTION("injection"),
    /** {@code policy_rejection}: SparkPost received it and refused it by policy (e.g. a suppressed recipient). */
    POLICY_REJECTION("policy_rejection"),
    /** {@code generation_failure}: SparkPost received it and could not generate it (e.g. a substitution error). */
    GENERATION_FAILURE("generation_failure"),
    /** {@code generation_rejection}: SparkPost received it and refused to generate it. */
    GENERATION_REJECTION("generation_rejection");

    private final String wireName;

    EventType(String wireName) {
      this.wireName = wireName;
    }

    /** Returns SparkPost's name for the type, as in the {@code events} parameter and an event's {@code type}. */
    public String wireName() {
      return wireName;
    }
  }

  /**
   * An event that carried a key.
   *
   * @param type what happened
   * @param transmissionId the transmission's id, or {@code null} if the event had none
   * @param reason SparkPost's reason for a rejection or failure, or {@code null}
   * @param timestamp when SparkPost recorded it
   * @param recvMethod how the message reached SparkPost ({@code rest} or {@code esmtp}), or {@code null}
   */
  record Event(EventType type, @Nullable String transmissionId, @Nullable String reason, Instant timestamp,
      @Nullable String recvMethod) {
    /** Checks the parts are present. */
    public Event {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(timestamp, "timestamp");
    }
  }

  /** How a search ended; {@link #requests()} counts the HTTP requests it made. */
  sealed interface Result permits Found, Unavailable, Forbidden {
    /** Returns how many HTTP requests the search made, pages and retries included. */
    int requests();
  }

  /**
   * The search completed.
   *
   * @param events for each key that some event carried, the event that settles it: an {@code injection}
   *     if there is one (SparkPost accepted the message for at least one recipient), otherwise the
   *     earliest rejection or failure; keys no event carried are absent
   * @param requests how many HTTP requests the search made
   */
  record Found(Map<IdempotencyKey, Event> events, int requests) implements Result {
    /** Copies the map. */
    public Found {
      events = Map.copyOf(events);
    }
  }

  /**
   * The Events API could not answer (429, 502, another 5xx, a timeout, or no connection) after the
   * search's own retries: nothing is known yet; search again later.
   *
   * @param failure what was observed
   * @param retryAfter how long SparkPost asked us to wait, or {@code null}
   * @param requests how many HTTP requests the search made
   */
  record Unavailable(Failure failure, @Nullable Duration retryAfter, int requests) implements Result {
    /** Checks the failure is present. */
    public Unavailable {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /**
   * SparkPost refused the search (401, or 403: the API key lacks the "Events Search: Read-only" grant);
   * searching again will not help until the key is changed.
   *
   * @param failure what was observed, with SparkPost's error
   * @param requests how many HTTP requests the search made
   */
  record Forbidden(Failure failure, int requests) implements Result {
    /** Checks the failure is present. */
    public Forbidden {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /**
   * Searches the events from the earliest {@link Lookup#sentAfter()} (less a small margin for clock skew)
   * up to {@code until} for the keys of {@code lookups}, and blocks until the search ends.
   *
   * @return what was found; failures are results, never exceptions
   */
  Result search(List<Lookup> lookups, Instant until);

  /** Releases connections and threads. */
  @Override
  void close();
}
