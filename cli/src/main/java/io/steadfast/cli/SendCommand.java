package io.steadfast.cli;

import io.steadfast.DeliveryUnknownException;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.InvalidMessageException;
import io.steadfast.Message;
import io.steadfast.PermanentException;
import io.steadfast.RecipientError;
import io.steadfast.RejectedByProviderException;
import io.steadfast.RetryableException;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import io.steadfast.SteadfastConfig;
import io.steadfast.cli.internal.CliLog;
import io.steadfast.cli.internal.DemoSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
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

/** {@code steadfast send}: sends one message now, through the REST API, with retries. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Send one message now through SparkPost's REST API, retrying 5xx, 429 and timeouts.",
        "The message comes from flags, a JSON file (--message) or an .eml file (--eml)."})
final class SendCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Mixin MessageOptions messageOptions = new MessageOptions();
  @Option(names = "--dry-run", description = "Validate and print the Transmissions request; send nothing.")
  boolean dryRun;
  @Option(names = "--json", description = "Print the result as JSON.") boolean json;
  @Option(names = "--reconcile", description = {"If the answer is lost, look the key up in SparkPost's message",
      "events before giving up (waits the settle delay, about 90 s; the key needs the \"Events Search: Read-only\"",
      "grant) instead of exiting 4 at once."})
  boolean reconcile;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Message message;
    try {
      message = messageOptions.message();
    } catch (InvalidMessageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    } catch (UsageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    }
    try {
      return dryRun ? dryRun(message, out) : send(message, out, err);
    } catch (UsageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    }
  }

  private int send(Message message, PrintWriter out, PrintWriter err) throws IOException {
    SteadfastConfig config = SteadfastConfig.builder()
        .apiKey(connection.apiKey()).endpoint(connection.endpoint()).reconcilePolicy(connection.reconcilePolicy())
        .build();
    try (EmailClient client = EmailClient.create(config)) {
      SendReceipt receipt = client.send(message, SendOptions.NONE.withReconcile(reconcile));
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "sent");
        result.put("transmission_id", receipt.transmissionId());
        result.put("idempotency_key", receipt.idempotencyKey().value());
        result.put("accepted_recipients", receipt.acceptedRecipients());
        result.put("rejected_recipients", receipt.rejectedRecipients());
        result.put("route", receipt.route());
        result.put("attempts", receipt.attempts());
        result.put("confirmed_from_events", receipt.confirmedFromEvents());
        if (!receipt.recipientErrors().isEmpty()) {
          result.put("recipient_errors", recipientErrors(receipt.recipientErrors()));
        }
        out.println(JSON.writeValueAsString(result));
      } else {
        out.printf("Sent: transmission %s, %d recipient(s) accepted, %d rejected, route %s, %d attempt(s), key %s%n",
            receipt.transmissionId(), receipt.acceptedRecipients(), receipt.rejectedRecipients(), receipt.route(),
            receipt.attempts(), receipt.idempotencyKey());
        if (receipt.confirmedFromEvents()) {
          out.println("The answer was lost; SparkPost's events show it accepted the message, so it was not sent again.");
        }
        if (receipt.rejectedRecipients() > 0) {
          // A partial acceptance is a success, but the refused recipients get nothing: say so where it is seen.
          err.println("Warning: SparkPost refused " + receipt.rejectedRecipients() + " recipient(s)"
              + (receipt.recipientErrors().isEmpty() ? "; it did not say why."
                  : ": " + receipt.recipientErrors().stream().map(RecipientError::describe)
                      .collect(java.util.stream.Collectors.joining("; "))));
        }
      }
      return Steadfast.OK;
    } catch (DeliveryUnknownException e) {
      return failure(out, err, "unknown", e, Steadfast.UNKNOWN);
    } catch (RetryableException e) {
      return failure(out, err, "retryable", e, Steadfast.RETRYABLE);
    } catch (PermanentException e) {
      return failure(out, err, "permanent", e, Steadfast.PERMANENT);
    }
  }

  private int failure(PrintWriter out, PrintWriter err, String kind, io.steadfast.SteadfastException e, int code) {
    CliLog.reported(e);
    // The transports already clean what a server echoed; this is the last guard before the terminal.
    String message = CliLog.redact(String.valueOf(e.getMessage()));
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("status", kind);
      result.put("message", message);
      e.idempotencyKey().ifPresent(key -> result.put("idempotency_key", key.value()));
      e.statusCode().ifPresent(status -> result.put("status_code", status));
      e.providerCode().ifPresent(providerCode -> result.put("provider_code", providerCode));
      e.requestId().ifPresent(requestId -> result.put("request_id", requestId));
      if (e instanceof RejectedByProviderException rejected && !rejected.recipientErrors().isEmpty()) {
        result.put("recipient_errors", recipientErrors(rejected.recipientErrors()));
      }
      checkLater(e).ifPresent(command -> result.put("check_later", command));
      out.println(JSON.writeValueAsString(result));
    } else {
      err.println(message);
      e.idempotencyKey().ifPresent(key -> err.println("Idempotency key: " + key + " (reuse it with --idempotency-key)"));
      checkLater(e).ifPresent(command -> err.println("SparkPost may have accepted it. In a minute or two, check with:"
          + System.lineSeparator() + "  " + command + System.lineSeparator()
          + "Exit 0 there means it was sent (do not send again); 4 means not found yet; re-send with the same key "
          + "only after a second miss."));
    }
    return code;
  }

  /** Returns SparkPost's per-recipient errors as JSON objects with its own field names. */
  private static java.util.List<Map<String, Object>> recipientErrors(java.util.List<RecipientError> errors) {
    return errors.stream().map(error -> {
      Map<String, Object> entry = new LinkedHashMap<>();
      if (error.address() != null) {
        entry.put("address", error.address());
      }
      entry.put("code", error.code());
      entry.put("message", error.message());
      entry.put("description", error.description());
      return entry;
    }).toList();
  }

  /** Returns the command that checks a lost answer later, for an unknown outcome. */
  private java.util.Optional<String> checkLater(io.steadfast.SteadfastException e) {
    return e instanceof DeliveryUnknownException unknown
        ? unknown.reconcileRequest().map(request -> ReconcileCommand.commandFor(request, connection))
        : java.util.Optional.empty();
  }

  /** Sends to an embedded fake SparkPost and prints exactly the JSON the REST transport produced. */
  private int dryRun(Message message, PrintWriter out) throws IOException {
    try (DemoSparkPost fake = DemoSparkPost.start("dry-run");
        EmailClient client = EmailClient.create(SteadfastConfig.builder()
            .apiKey("dry-run").endpoint(Endpoint.custom(fake.baseUrl())).build())) {
      client.send(message);
      DemoSparkPost.Transmission request = fake.transmissions().get(0);
      out.println("POST /api/v1/transmissions");
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(request.body()));
      return Steadfast.OK;
    } catch (PermanentException e) {
      out.println("SparkPost would refuse this request: " + e.getMessage());
      return Steadfast.PERMANENT;
    }
  }
}
