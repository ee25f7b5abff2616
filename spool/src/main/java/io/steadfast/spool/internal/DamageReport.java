package io.steadfast.spool.internal;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What one salvage of a damaged SQLite spool found, as kept beside the damaged copy in {@code corrupt/}:
 * a small properties file an operator can read with {@code cat}.
 *
 * <pre>
 * # Steadfast spool damage report ...
 * damaged-copy=spool.db.1796320532262
 * found-at=2026-12-03T17:55:32.262Z
 * cause=SQLITE_CORRUPT: database disk image is malformed
 * recovered=7
 * rebuilt=0
 * unreadable=5
 * unreadable-keys=order-17 order-18 order-19 order-20 order-21
 * delivered-unreadable=0
 * cleared=false
 * cleared-at=
 * </pre>
 *
 * @param damagedCopy the damaged file's name inside {@code corrupt/} (its {@code -wal} and {@code -shm} sit beside it)
 * @param foundAt when the damage was found
 * @param cause what showed the damage (the integrity check's first complaint, or SQLite's error)
 * @param recovered entries copied into the fresh spool, delivered ones included
 * @param rebuilt of those, entries whose row was lost, rebuilt from their body and the indexes
 * @param unreadable entries not delivered (or of unknown state) that could not be read, at least; -1 if unknown
 * @param unreadableKeys the idempotency keys of unreadable entries that an index still named
 * @param deliveredUnreadable delivered entries (idempotency ledger rows) that could not be read
 * @param cleared whether an operator has cleared the report
 * @param clearedAt when it was cleared, or {@code null}
 */
public record DamageReport(String damagedCopy, Instant foundAt, String cause, long recovered, long rebuilt,
    long unreadable, List<String> unreadableKeys, long deliveredUnreadable, boolean cleared,
    @Nullable Instant clearedAt) {

  /** Checks the parts and copies the keys. */
  public DamageReport {
    Objects.requireNonNull(damagedCopy, "damagedCopy");
    Objects.requireNonNull(foundAt, "foundAt");
    Objects.requireNonNull(cause, "cause");
    unreadableKeys = List.copyOf(unreadableKeys);
  }

  /** Returns this report marked cleared at {@code now}. */
  public DamageReport clear(Instant now) {
    return new DamageReport(damagedCopy, foundAt, cause, recovered, rebuilt, unreadable, unreadableKeys,
        deliveredUnreadable, true, now);
  }

  /** Returns whether the report still stands for mail Steadfast cannot deliver: not cleared, something unread. */
  public boolean outstanding() {
    return !cleared && unreadable != 0;
  }

  /** Returns the report as the text of its file. */
  public String toText() {
    StringBuilder text = new StringBuilder();
    text.append("# Steadfast spool damage report. The damaged file is kept unchanged beside this one.\n");
    text.append("# unreadable: entries not yet delivered that could not be read (-1: unknown); re-send or give\n");
    text.append("# them up, then run 'steadfast spool clear-damage' (cleared=true) to end the report.\n");
    line(text, "damaged-copy", damagedCopy);
    line(text, "found-at", foundAt.toString());
    line(text, "cause", cause);
    line(text, "recovered", Long.toString(recovered));
    line(text, "rebuilt", Long.toString(rebuilt));
    line(text, "unreadable", Long.toString(unreadable));
    line(text, "unreadable-keys", String.join(" ", unreadableKeys));
    line(text, "delivered-unreadable", Long.toString(deliveredUnreadable));
    line(text, "cleared", Boolean.toString(cleared));
    line(text, "cleared-at", clearedAt == null ? "" : clearedAt.toString());
    return text.toString();
  }

  /**
   * Reads a report from the text of its file.
   *
   * @throws IllegalArgumentException if a required field is missing or malformed
   */
  public static DamageReport parse(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a damage report: " + e.getMessage(), e);
    }
    String keys = p.getProperty("unreadable-keys", "").trim();
    String clearedAt = p.getProperty("cleared-at", "").trim();
    try {
      return new DamageReport(required(p, "damaged-copy"), Instant.parse(required(p, "found-at")),
          p.getProperty("cause", ""), Long.parseLong(required(p, "recovered")),
          Long.parseLong(p.getProperty("rebuilt", "0").trim()), Long.parseLong(required(p, "unreadable")), keys.isEmpty() ? List.of() : Arrays.asList(keys.split("\\s+")),
          Long.parseLong(p.getProperty("delivered-unreadable", "0").trim()),
          Boolean.parseBoolean(p.getProperty("cleared", "false").trim()),
          clearedAt.isEmpty() ? null : Instant.parse(clearedAt));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed damage report: " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key) {
    String value = p.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing " + key);
    }
    return value.trim();
  }

  /** Appends {@code key=value} escaped as {@link Properties#load} reads it. */
  private static void line(StringBuilder text, String key, String value) {
    text.append(key).append('=');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> text.append("\\\\");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        case '\t' -> text.append("\\t");
        default -> {
          if (c < 0x20 || c > 0x7e || (i == 0 && c == ' ')) {
            text.append(String.format("\\u%04x", (int) c));
          } else {
            text.append(c);
          }
        }
      }
    }
    text.append('\n');
  }
}
