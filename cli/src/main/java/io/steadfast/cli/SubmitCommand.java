package io.steadfast.cli;

import io.steadfast.EmailClient;
import io.steadfast.IdempotencyConflictException;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.SpoolFullException;
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

/** {@code steadfast submit}: stores one message durably in the spool; {@code drain} delivers it later. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = {"Store one message durably in a spool directory and return; 'steadfast drain' delivers it.",
        "Takes the same message flags as 'send'. Prints the spool id and the idempotency key."})
final class SubmitCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  /** How long closing waits for a delivery the dispatcher may have started meanwhile. */
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
    try {
      Message message = messageOptions.message();
      SubmitReceipt receipt;
      try (EmailClient client = spoolOptions.client(connection, CLOSE_TIMEOUT)) {
        receipt = client.submit(message);
      }
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
      return Steadfast.OK;
    } catch (UsageException | InvalidMessageException | IdempotencyConflictException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    } catch (SpoolFullException e) {
      err.println(e.getMessage());
      return Steadfast.RETRYABLE;
    }
  }
}
