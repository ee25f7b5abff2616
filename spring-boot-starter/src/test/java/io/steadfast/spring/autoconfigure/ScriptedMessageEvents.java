package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.MessageEvents;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A SparkPost events search that answers every search with the result a test gives, and records the lookups. */
final class ScriptedMessageEvents implements MessageEvents {

  final List<Lookup> looked = new CopyOnWriteArrayList<>();
  private final Result answer;

  ScriptedMessageEvents(Result answer) {
    this.answer = answer;
  }

  @Override
  public Result search(List<Lookup> lookups, Instant until) {
    looked.addAll(lookups);
    return answer;
  }

  @Override
  public void close() {}
}
