package io.steadfast.cli;

import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.SubmitReceipt;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast submit}: stores one message durably in the spool and returns; {@code dispatch} (which
 * may be running on the same spool) or {@code drain} delivers it. The client only submits: no dispatcher
 * starts, so this process never connects to SparkPost and can never exit in the middle of a delivery
 * attempt; it opens the spool as one of any number of submitters.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = {"Store one message durably in a spool directory and return; 'steadfast dispatch' (running"
        + " beside it) or 'steadfast drain' delivers it.",
        "Takes the same message flags as 'send'. Prints the spool id and the idempotency key. Never connects to"
            + " SparkPost. Any number of submits may run at once, also while a dispatcher runs on the spool.",
        "Exit 3 if the spool's write lock stays taken longer than --lock-timeout, or the spool is full or cannot"
            + " write (disk full, file-size limit): nothing was stored; submit again later with the same"
            + " --idempotency-key."})
final class SubmitCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  /** Closing a submit-only client waits for no delivery; this bounds only the spool's own close. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();
  @Mixin SpoolOptions spoolOptions = new SpoolOptions();
  @Mixin MessageOptions messageOptions = new MessageOptions();
  @Option(names = "--json", description = "Print the result as JSON.") boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Message message = messageOptions.message();
    try (EmailClient client = spoolOptions.client(connection, CLOSE_TIMEOUT, true)) {
      SubmitReceipt receipt = client.submit(message);
      // Durable now: printed before closing, so that an acknowledged id is never withheld.
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "spooled");
        result.put("spool_id", receipt.spoolId());
        result.put("idempotency_key", receipt.idempotencyKey().value());
        result.put("accepted_at", receipt.acceptedAt().toString());
        out.println(JSON.writeValueAsString(result));
      } else {
        out.printf("Spooled: id %d, key %s%n", receipt.spoolId(), receipt.idempotencyKey());
      }
      out.flush();
      // Damage found on opening does not undo the submit, but whoever runs it must hear of it.
      client.spoolOperations().damage().ifPresent(damage -> err.println(damage.summary()));
      return Steadfast.OK;
    }
  }
}
