package io.steadfast.internal;

import io.steadfast.IdempotencyKey;
import io.steadfast.spi.MessageEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A message-events search whose answers are scripted per search, and which records every search it was
 * asked: what the tests of reconciliation talk to instead of SparkPost's Events API.
 */
public final class ScriptedEvents implements MessageEvents {
  /** Guarded by {@code this}. */
  private final List<Function<List<Lookup>, Result>> script = new ArrayList<>();
  /** Guarded by {@code this}. */
  private final List<List<Lookup>> searches = new ArrayList<>();
  /** Guarded by {@code this}. */
  private final List<Instant> untils = new ArrayList<>();
  /** Guarded by {@code this}: what every search finds once the script has run out. */
  private final Map<IdempotencyKey, Event> standing = new HashMap<>();

  /** Answers the next search with the events in {@code events}; keys not in it are not found. */
  public synchronized ScriptedEvents thenFind(Map<IdempotencyKey, Event> events) {
    script.add(lookups -> new Found(events, 1));
    return this;
  }

  /** Answers the next search with nothing found. */
  public synchronized ScriptedEvents thenNothing() {
    return thenFind(Map.of());
  }

  /** Answers the next search with {@code result}. */
  public synchronized ScriptedEvents then(Result result) {
    script.add(lookups -> result);
    return this;
  }

  /** Makes every search after the script find {@code event} for {@code key}. */
  public synchronized ScriptedEvents always(IdempotencyKey key, Event event) {
    standing.put(key, event);
    return this;
  }

  @Override
  public synchronized Result search(List<Lookup> lookups, Instant until) {
    searches.add(List.copyOf(lookups));
    untils.add(until);
    if (!script.isEmpty()) {
      return script.remove(0).apply(lookups);
    }
    Map<IdempotencyKey, Event> found = new HashMap<>();
    for (Lookup lookup : lookups) {
      Event event = standing.get(lookup.idempotencyKey());
      if (event != null) {
        found.put(lookup.idempotencyKey(), event);
      }
    }
    return new Found(found, 1);
  }

  /** Returns every search asked so far, each as its lookups. */
  public synchronized List<List<Lookup>> searches() {
    return List.copyOf(searches);
  }

  /** Returns the {@code until} of every search so far. */
  public synchronized List<Instant> untils() {
    return List.copyOf(untils);
  }

  /** Returns an injection event for transmission {@code transmissionId}. */
  public static Event injection(String transmissionId, Instant at) {
    return new Event(EventType.INJECTION, transmissionId, null, at, "rest");
  }

  /** Returns a policy rejection with {@code reason}. */
  public static Event policyRejection(String reason, Instant at) {
    return new Event(EventType.POLICY_REJECTION, "tx-rejected", reason, at, "rest");
  }

  @Override
  public void close() {}
}
