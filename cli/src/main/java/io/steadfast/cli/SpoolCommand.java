package io.steadfast.cli;

import io.steadfast.SpoolConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import io.steadfast.spi.WaitReason;
import io.steadfast.spool.SqliteSpool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast spool}: looks into a spool directory, fixes dead letters and clears damage once dealt
 * with. Needs no API key. The reading commands (status, list, show) never move or change a file; the
 * others (requeue, flush, purge) open it as one more writer, as a submitter does. Every one of them works
 * while a dispatcher runs on the spool, which sees a change within moments.
 */
@Command(name = "spool", mixinStandardHelpOptions = true,
    description = "Inspect and maintain a spool directory: status, list, show, requeue, flush, purge, clear-damage.",
    subcommands = {SpoolCommand.Status.class, SpoolCommand.ListEntries.class, SpoolCommand.Show.class,
        SpoolCommand.Requeue.class, SpoolCommand.Flush.class, SpoolCommand.Purge.class,
        SpoolCommand.ClearDamage.class})
final class SpoolCommand {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private SpoolCommand() {}

  /** The options and the spool handling every spool subcommand shares. */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();
    @Mixin SpoolOptions spoolOptions = new SpoolOptions();
    @Option(names = "--json", description = "Print the result as JSON.") boolean json;

    @Override
    public final Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (Spool spool = readOnly() ? spoolOptions.openReadOnly(connection) : spoolOptions.openForChanges(connection)) {
        return run(spool, out, err);
      }
    }

    /**
     * Returns whether this command only reads: it then opens the spool without a lock and changes no
     * file, so a damaged database stays exactly as it is for the salvage a dispatching open does.
     */
    abstract boolean readOnly();

    abstract int run(Spool spool, PrintWriter out, PrintWriter err);

    /** Returns the entry with {@code id}, or fails with where to find the ids. */
    static SpoolEntry entry(Spool spool, long id) {
      return spool.inspect(id).orElseThrow(
          () -> new UsageException("No spool entry with id " + id + "; 'steadfast spool list' shows the ids."));
    }

    void printJson(PrintWriter out, Object value) {
      out.println(JSON.writeValueAsString(value));
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Print the entry counts by state, the bytes held, the oldest pending age and the dead count."
          + " Reads only: no lock, no file changed.", "Exit 1 if the spool is damaged (the file is left as it is;"
          + " 'steadfast drain' salvages it) or was salvaged with unreadable entries not yet cleared"
          + " ('steadfast spool clear-damage')."})
  static final class Status extends Base {
    @Override
    boolean readOnly() {
      return true;
    }

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      SpoolStats stats = spool.stats(Instant.now());
      Optional<SpoolDamage> damage = spool.damage();
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> counts = new LinkedHashMap<>();
        for (SpoolState state : SpoolState.values()) {
          counts.put(state.name().toLowerCase(java.util.Locale.ROOT), stats.count(state));
        }
        result.put("counts", counts);
        result.put("bytes", stats.bytes());
        result.put("oldest_pending_age_seconds", stats.oldestPendingAge().toSeconds());
        result.put("dead", stats.deadCount());
        result.put("damage", damage.map(SpoolCommand::damage).orElse(null));
        printJson(out, result);
      } else {
        for (SpoolState state : SpoolState.values()) {
          out.printf("%-10s %d%n", state.name().toLowerCase(java.util.Locale.ROOT), stats.count(state));
        }
        out.printf("bytes      %d%n", stats.bytes());
        out.printf("oldest pending age %s%n", stats.oldestPendingAge());
        out.printf("dead letters %d%n", stats.deadCount());
        damage.ifPresent(found -> out.println(found.summary()));
      }
      return damage.isPresent() ? Steadfast.PERMANENT : Steadfast.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List entries: id, key, state, attempts, next attempt, last error. Reads only: no lock, no file"
          + " changed.")
  static final class ListEntries extends Base {
    @Override
    boolean readOnly() {
      return true;
    }

    @Option(names = "--state", description = "Only entries in this state: ${COMPLETION-CANDIDATES} (default: all).")
    SpoolState state;
    @Option(names = "--limit", description = "At most this many entries per state (default: ${DEFAULT-VALUE}).")
    int limit = 100;

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      if (limit < 1) {
        throw new UsageException("--limit must be at least 1 but was " + limit);
      }
      List<SpoolEntry> entries = new ArrayList<>();
      for (SpoolState candidate : state == null ? SpoolState.values() : new SpoolState[] {state}) {
        entries.addAll(spool.list(candidate, limit - entries.size()));
        if (entries.size() >= limit) {
          break;
        }
      }
      if (json) {
        printJson(out, entries.stream().map(SpoolCommand::summary).toList());
      } else if (entries.isEmpty()) {
        out.println("No entries.");
      } else {
        for (SpoolEntry entry : entries) {
          String error = entry.lastError() == null ? ""
              : settledBeyond(entry) ? "  earlier failure: " + entry.lastError() : "  error=" + entry.lastError();
          out.printf("%d  %s  %s  attempts=%d  next=%s%s%n", entry.id(), entry.idempotencyKey(), entry.state(),
              entry.attempts(), entry.nextAttemptAt(), error);
        }
      }
      spool.damage().ifPresent(found -> err.println(found.summary()));
      return Steadfast.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print one entry's metadata (never the message content). Reads only: no lock, no file changed.")
  static final class Show extends Base {
    @Parameters(paramLabel = "ID", description = "The spool id.") long id;

    @Override
    boolean readOnly() {
      return true;
    }

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      Map<String, Object> details = summary(entry(spool, id));
      if (json) {
        printJson(out, details);
      } else {
        details.forEach((name, value) -> out.printf("%-16s %s%n", name, value));
      }
      spool.damage().ifPresent(found -> err.println(found.summary()));
      return Steadfast.OK;
    }
  }

  @Command(name = "requeue", mixinStandardHelpOptions = true,
      description = "Move a dead letter back to pending, due now, with a fresh delivery deadline.")
  static final class Requeue extends Base {
    @Parameters(paramLabel = "ID", description = "The spool id of a dead letter.") long id;

    @Override
    boolean readOnly() {
      return false;
    }

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      SpoolEntry entry = entry(spool, id);
      if (entry.state() != SpoolState.DEAD) {
        throw new UsageException("Entry " + id + " is " + entry.state() + "; only dead letters can be requeued.");
      }
      Instant now = Instant.now();
      boolean requeued = spool.requeue(id, now, now.plus(SpoolConfig.DEFAULT_DELIVER_WITHIN));
      if (json) {
        printJson(out, Map.of("spool_id", id, "requeued", requeued));
      } else {
        out.println(requeued ? "Requeued entry " + id + " (key " + entry.idempotencyKey() + ")"
            : "Entry " + id + " was not requeued: it is no longer dead.");
      }
      return requeued ? Steadfast.OK : Steadfast.USAGE;
    }
  }

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = {"Remove delivered entries, all of them or those delivered longer ago than --older-than.",
          "A purged key no longer protects against a duplicate submit: submitting it again sends the message"
              + " again. Pending, in-flight and dead entries are never purged."})
  static final class Purge extends Base {
    @Option(names = "--older-than", paramLabel = "DURATION", converter = DrainCommand.DurationConverter.class,
        description = "Only entries delivered at least this long ago, e.g. 7d, 12h or PT30M (default: all delivered).")
    Duration olderThan = Duration.ZERO;

    @Override
    boolean readOnly() {
      return false;
    }

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      Instant before = Instant.now().minus(olderThan);
      int purged = spool.purgeDelivered(before);
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("purged", purged);
        result.put("delivered_before", before.toString());
        printJson(out, result);
      } else {
        out.printf("Purged %d delivered entr%s%s%n", purged, purged == 1 ? "y" : "ies",
            olderThan.isZero() ? "" : " delivered before " + before);
      }
      return Steadfast.OK;
    }
  }

  @Command(name = "flush", mixinStandardHelpOptions = true,
      description = {"Make every pending entry due now, whatever it waits for (Postfix's 'postqueue -f').",
          "For when SparkPost is back, or a quota or key was fixed, and the backoffs scheduled meanwhile should not"
              + " be waited out. Entries become due at their creation time, so they go out oldest first; in-flight,"
              + " reconciling, delivered and dead entries are left alone. A running 'steadfast dispatch' (or an"
              + " application dispatching this spool) sees the flush within moments and delivers them; otherwise the"
              + " next 'steadfast drain' does."})
  static final class Flush extends Base {
    @Override
    boolean readOnly() {
      return false;
    }

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      Instant now = Instant.now();
      int flushed = spool.flush(now, EnumSet.allOf(WaitReason.class));
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("flushed", flushed);
        result.put("due_at", now.toString());
        printJson(out, result);
      } else {
        out.printf("Flushed %d pending message%s: due now; 'steadfast drain' or the next dispatcher on this spool"
            + " delivers %s.%n", flushed, flushed == 1 ? "" : "s", flushed == 1 ? "it" : "them");
      }
      spool.damage().ifPresent(found -> err.println(found.summary()));
      return Steadfast.OK;
    }
  }

  @Command(name = "clear-damage", mixinStandardHelpOptions = true,
      description = {"Clear the damage reports of a salvaged spool, once its unreadable messages have been re-sent"
          + " or given up. The damaged copies stay in DIR/corrupt/. Afterwards 'spool status' and 'drain' can exit"
          + " 0 again.", "Exit 0, also when there was nothing to clear."})
  static final class ClearDamage implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();
    @Mixin SpoolOptions spoolOptions = new SpoolOptions();
    @Option(names = "--json", description = "Print the result as JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Path directory = spoolOptions.existingDirectory(connection);
      int cleared = SqliteSpool.clearDamage(directory);
      Path corrupt = directory.resolve(SqliteSpool.CORRUPT_DIRECTORY);
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("cleared", cleared);
        result.put("damaged_copies", corrupt.toString());
        out.println(JSON.writeValueAsString(result));
      } else if (cleared == 0) {
        out.println("No damage to clear in " + directory + ".");
      } else {
        out.printf("Cleared %d damage report%s; the damaged %s in %s.%n", cleared, cleared == 1 ? "" : "s",
            cleared == 1 ? "copy stays" : "copies stay", corrupt);
      }
      return Steadfast.OK;
    }
  }

  /**
   * Returns whether {@code entry} was delivered, so that any error it still carries belongs to an
   * attempt before the one SparkPost accepted. A dead letter's error is why it is dead, its state.
   */
  static boolean settledBeyond(SpoolEntry entry) {
    return entry.state() == SpoolState.DELIVERED;
  }

  /** Returns the damage report as JSON fields, the summary sentence first. */
  static Map<String, Object> damage(SpoolDamage damage) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("summary", damage.summary());
    result.put("found_at", damage.foundAt().toString());
    result.put("recovered", damage.recovered());
    result.put("unreadable", damage.unreadable());
    result.put("unreadable_keys", damage.unreadableKeys());
    result.put("damaged_copy", damage.damagedCopy());
    return result;
  }

  /** An entry's metadata; the spool keeps no API key, and the message body is never printed. */
  static Map<String, Object> summary(SpoolEntry entry) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", entry.id());
    result.put("idempotency_key", entry.idempotencyKey().value());
    result.put("state", entry.state().name());
    result.put("attempts", entry.attempts());
    result.put("created_at", entry.createdAt().toString());
    result.put("next_attempt_at", entry.nextAttemptAt().toString());
    result.put("deliver_by", entry.deliverBy().toString());
    result.put("lease_until", entry.leaseUntil() == null ? null : entry.leaseUntil().toString());
    // A delivered entry's last error is from an earlier failed attempt: history, not its state.
    result.put("last_error", settledBeyond(entry) ? null : entry.lastError());
    result.put("earlier_error", settledBeyond(entry) ? entry.lastError() : null);
    result.put("size_bytes", entry.sizeBytes());
    result.put("fingerprint", entry.fingerprint());
    result.put("transmission_id", entry.receipt() == null ? null : entry.receipt().transmissionId());
    result.put("confirmed_from_events", entry.receipt() != null && entry.receipt().confirmedFromEvents());
    result.put("reconcile_looks", entry.reconcileLooks());
    result.put("unknown_since", entry.unknownSince() == null ? null : entry.unknownSince().toString());
    return result;
  }
}
