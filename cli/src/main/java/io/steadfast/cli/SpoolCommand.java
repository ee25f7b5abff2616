package io.steadfast.cli;

import io.steadfast.SpoolConfig;
import io.steadfast.spi.Spool;
import io.steadfast.spi.SpoolEntry;
import io.steadfast.spi.SpoolState;
import io.steadfast.spi.SpoolStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** {@code steadfast spool}: looks into a spool directory and fixes dead letters. Needs no API key. */
@Command(name = "spool", mixinStandardHelpOptions = true,
    description = "Inspect and maintain a spool directory: status, list, show, requeue, purge.",
    subcommands = {SpoolCommand.Status.class, SpoolCommand.ListEntries.class, SpoolCommand.Show.class,
        SpoolCommand.Requeue.class, SpoolCommand.Purge.class})
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
      try (Spool spool = openExisting()) {
        return run(spool, out, err);
      } catch (UsageException e) {
        err.println(e.getMessage());
        return Steadfast.USAGE;
      }
    }

    /** Opens the spool, refusing to create one where there was none (a mistyped path should not look empty). */
    private Spool openExisting() throws java.io.IOException {
      java.nio.file.Path directory = spoolOptions.directory(connection);
      if (!java.nio.file.Files.isDirectory(directory)) {
        throw new UsageException("No spool at " + directory + ": the directory does not exist.");
      }
      return spoolOptions.open(connection);
    }

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
      description = "Print the entry counts by state, the bytes held, the oldest pending age and the dead count.")
  static final class Status extends Base {
    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      SpoolStats stats = spool.stats(Instant.now());
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
        printJson(out, result);
      } else {
        for (SpoolState state : SpoolState.values()) {
          out.printf("%-10s %d%n", state.name().toLowerCase(java.util.Locale.ROOT), stats.count(state));
        }
        out.printf("bytes      %d%n", stats.bytes());
        out.printf("oldest pending age %s%n", stats.oldestPendingAge());
        out.printf("dead letters %d%n", stats.deadCount());
      }
      return Steadfast.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List entries: id, key, state, attempts, next attempt, last error.")
  static final class ListEntries extends Base {
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
          out.printf("%d  %s  %s  attempts=%d  next=%s%s%n", entry.id(), entry.idempotencyKey(), entry.state(),
              entry.attempts(), entry.nextAttemptAt(), entry.lastError() == null ? "" : "  error=" + entry.lastError());
        }
      }
      return Steadfast.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print one entry's metadata (never the message content).")
  static final class Show extends Base {
    @Parameters(paramLabel = "ID", description = "The spool id.") long id;

    @Override
    int run(Spool spool, PrintWriter out, PrintWriter err) {
      Map<String, Object> details = summary(entry(spool, id));
      if (json) {
        printJson(out, details);
      } else {
        details.forEach((name, value) -> out.printf("%-16s %s%n", name, value));
      }
      return Steadfast.OK;
    }
  }

  @Command(name = "requeue", mixinStandardHelpOptions = true,
      description = "Move a dead letter back to pending, due now, with a fresh delivery deadline.")
  static final class Requeue extends Base {
    @Parameters(paramLabel = "ID", description = "The spool id of a dead letter.") long id;

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
    result.put("last_error", entry.lastError());
    result.put("size_bytes", entry.sizeBytes());
    result.put("fingerprint", entry.fingerprint());
    result.put("transmission_id", entry.receipt() == null ? null : entry.receipt().transmissionId());
    result.put("confirmed_from_events", entry.receipt() != null && entry.receipt().confirmedFromEvents());
    result.put("reconcile_looks", entry.reconcileLooks());
    result.put("unknown_since", entry.unknownSince() == null ? null : entry.unknownSince().toString());
    return result;
  }
}
