package io.steadfast.cli;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import io.steadfast.EmailClient;
import io.steadfast.SpoolOperations;
import io.steadfast.cli.internal.CliLog;
import io.steadfast.spi.SpoolDamage;
import io.steadfast.spi.SpoolStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast drain}: delivers what the spool holds, then exits with what is left. Opening a
 * damaged spool salvages its readable entries; while damage is reported and not cleared, drain never
 * exits 0, because acknowledged mail may be unreadable.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
    description = {"Deliver the spooled messages that are due until none is pending or --timeout passes.",
        "Exit 0 if everything was delivered, 3 if some remain pending (drain again later), 1 if any went dead or"
            + " the spool was damaged and its damage is not cleared ('steadfast spool clear-damage')."})
final class DrainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();
  @Mixin SpoolOptions spoolOptions = new SpoolOptions();
  @Option(names = "--timeout", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Stop waiting after this long, e.g. 30s, 5m, 1h or PT5M (default: 5m).")
  Duration timeout = Duration.ofMinutes(5);
  @Option(names = "--json", description = "Print the final summary as JSON.") boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // A drain may run for minutes: the library's warnings go out as they happen, beside its progress lines.
    CliLog.live();
    if (spoolOptions.url(connection) == null) {
      spoolOptions.existingDirectory(connection); // a mistyped path must not drain a fresh, empty spool
    }
    // Counted as they happen: the dispatcher starts with the client, so a spool count taken after opening
    // would miss what it delivered in between.
    Finished finished = new Finished();
    try (EmailClient client = spoolOptions.client(connection, false, builder -> builder.closeTimeout(CLOSE_TIMEOUT),
        finished)) {
      SpoolOperations spool = client.spoolOperations();
      // Told first: salvage happened while opening, and a long drain should not hide it until the end.
      Optional<SpoolDamage> damage = spool.damage();
      damage.ifPresent(found -> err.println(found.summary()));
      err.flush();
      Instant deadline = Instant.now().plus(timeout);
      SpoolStats stats = spool.stats();
      String last = "";
      while (true) {
        String progress = "delivered " + finished.delivered.get() + " / pending " + stats.undeliveredCount()
            + " / dead " + finished.dead.get();
        if (!json && !progress.equals(last)) {
          out.println(progress);
          out.flush();
          last = progress;
        }
        if (stats.undeliveredCount() == 0 || !Instant.now().isBefore(deadline)) {
          break;
        }
        Thread.sleep(POLL.toMillis());
        stats = spool.stats();
      }
      long delivered = finished.delivered.get();
      long pending = stats.undeliveredCount();
      long dead = finished.dead.get();
      damage = spool.damage();
      int code = dead > 0 || damage.isPresent() ? Steadfast.PERMANENT
          : pending > 0 ? Steadfast.RETRYABLE : Steadfast.OK;
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", damage.isPresent() ? "damaged" : dead > 0 ? "dead" : pending > 0 ? "pending" : "drained");
        result.put("delivered", delivered);
        result.put("pending", pending);
        result.put("dead", dead);
        result.put("damage", damage.map(SpoolCommand::damage).orElse(null));
        out.println(JSON.writeValueAsString(result));
      } else {
        out.printf("Drained: %d delivered, %d still pending, %d dead.%s%s%n", delivered, pending, dead,
            dead > 0 ? " See 'steadfast spool list --state DEAD'." : pending > 0 ? " Run drain again later." : "",
            damage.isPresent() ? " The spool's damage is not cleared (see above)." : "");
      }
      return code;
    }
  }

  /** Counts this run's deliveries and dead letters. */
  private static final class Finished extends DeliveryListener {
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong dead = new AtomicLong();

    @Override
    public void delivered(DeliveryResult.Delivered result) {
      delivered.incrementAndGet();
    }

    @Override
    public void deadLettered(DeliveryResult.DeadLettered result) {
      dead.incrementAndGet();
    }
  }

  /** Parses 30s, 5m, 1h, 7d, 250ms or an ISO-8601 duration such as PT5M. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String text = value.strip().toLowerCase(Locale.ROOT);
      try {
        Duration duration;
        if (text.startsWith("pt") || text.startsWith("p")) {
          duration = Duration.parse(text.toUpperCase(Locale.ROOT));
        } else if (text.endsWith("ms")) {
          duration = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        } else if (text.endsWith("s")) {
          duration = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
        } else if (text.endsWith("m")) {
          duration = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
        } else if (text.endsWith("h")) {
          duration = Duration.ofHours(Long.parseLong(text.substring(0, text.length() - 1)));
        } else if (text.endsWith("d")) {
          duration = Duration.ofDays(Long.parseLong(text.substring(0, text.length() - 1)));
        } else {
          throw new IllegalArgumentException();
        }
        if (duration.isNegative()) {
          throw new IllegalArgumentException();
        }
        return duration;
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a duration; use e.g. 30s, 5m, 1h, 7d or PT5M");
      }
    }
  }
}
