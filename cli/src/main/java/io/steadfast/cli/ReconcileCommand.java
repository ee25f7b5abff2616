package io.steadfast.cli;

import io.steadfast.AuthenticationFailedException;
import io.steadfast.EmailClient;
import io.steadfast.IdempotencyKey;
import io.steadfast.ProviderUnavailableException;
import io.steadfast.ReconcilePolicy;
import io.steadfast.ReconcileRequest;
import io.steadfast.ReconcileResult;
import io.steadfast.SteadfastConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;


/**
 * {@code steadfast reconcile}: asks SparkPost's message events whether it accepted a message whose
 * answer was lost, by its idempotency key.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    description = {"Ask SparkPost's message events whether it accepted a message whose answer was lost.",
        "SparkPost has no filter on metadata: the search is by recipient (or campaign or template for a stored",
        "list) and time window, and the key is matched in each event. The API key needs the",
        "\"Events Search: Read-only\" grant. Events lag about a minute: 'not found' right after a send means",
        "nothing; found nothing twice, minutes apart, re-send with the same key."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:accepted: SparkPost took it (do not send it again)",
        "1:rejected: SparkPost received it and will not send it; or the key may not search events",
        "2:bad usage or invalid input",
        "3:the Events API could not answer: try again later",
        "4:not found yet: look again in a minute or two; after a second miss, re-send with the same key"})
final class ReconcileCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--idempotency-key", required = true, description = "The message's idempotency key.")
  String key;
  @Option(names = "--recipient", description = "A recipient's address (repeat for each; none for a stored list).")
  List<String> recipients = new ArrayList<>();
  @Option(names = "--campaign", description = "The message's campaign id (narrows a stored-list search).")
  @Nullable String campaign;
  @Option(names = "--template", description = "The message's template id (narrows a stored-list search).")
  @Nullable String template;
  @Option(names = "--since", description = "No attempt was made before this moment, ISO 8601 (default: 10 days "
      + "ago, SparkPost's event retention).")
  @Nullable String since;
  @Option(names = "--json", description = "Print the answer as JSON.") boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ReconcileRequest request;
    SteadfastConfig config;
    try {
      Instant from = since == null ? Instant.now().minus(ReconcilePolicy.EVENT_RETENTION).plus(Duration.ofMinutes(10))
          : Instant.parse(since);
      request = new ReconcileRequest(IdempotencyKey.of(key), recipients, campaign, template, from, null);
      config = SteadfastConfig.builder().apiKey(connection.apiKey()).endpoint(connection.endpoint()).build();
    } catch (DateTimeParseException e) {
      err.println("--since must be an ISO 8601 instant such as 2019-05-23T21:14:00Z but was '" + since + "'");
      return Steadfast.USAGE;
    } catch (IllegalArgumentException | UsageException e) {
      err.println(e.getMessage());
      return Steadfast.USAGE;
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("idempotency_key", key);
    int code;
    try (EmailClient client = EmailClient.create(config)) {
      ReconcileResult result = client.reconcile(request);
      if (result instanceof ReconcileResult.Accepted accepted) {
        answer.put("status", "accepted");
        answer.put("transmission_id", accepted.transmissionId());
        answer.put("accepted_at", accepted.acceptedAt().toString());
        answer.put("recv_method", accepted.recvMethod());
        answer.put("next_step", "nothing: SparkPost accepted it; do not send it again");
        code = Steadfast.OK;
      } else if (result instanceof ReconcileResult.Rejected rejected) {
        answer.put("status", "rejected");
        answer.put("event_type", rejected.eventType());
        answer.put("reason", rejected.reason());
        answer.put("transmission_id", rejected.transmissionId());
        answer.put("next_step", "fix the cause; sending it unchanged will not help");
        code = Steadfast.PERMANENT;
      } else {
        answer.put("status", "not_found");
        answer.put("next_step", "look again in a minute or two (events lag); after a second miss, re-send with "
            + "--idempotency-key " + key);
        code = Steadfast.UNKNOWN;
      }
    } catch (ProviderUnavailableException e) {
      answer.put("status", "unavailable");
      answer.put("message", e.getMessage());
      answer.put("next_step", "try again later");
      code = Steadfast.RETRYABLE;
    } catch (AuthenticationFailedException e) {
      answer.put("status", "forbidden");
      answer.put("message", e.getMessage());
      answer.put("next_step", "give the API key the \"Events Search: Read-only\" grant in SparkPost");
      code = Steadfast.PERMANENT;
    }
    if (json) {
      out.println(JSON.writeValueAsString(answer));
    } else {
      out.println(text(answer));
    }
    return code;
  }

  private static String text(Map<String, Object> answer) {
    StringBuilder line = new StringBuilder();
    switch ((String) answer.get("status")) {
      case "accepted" -> line.append("Accepted: SparkPost took key ").append(answer.get("idempotency_key"))
          .append(" (transmission ").append(answer.get("transmission_id")).append(", ")
          .append(answer.get("accepted_at")).append(", via ").append(answer.get("recv_method")).append(")");
      case "rejected" -> line.append("Rejected: SparkPost received key ").append(answer.get("idempotency_key"))
          .append(" and will not send it: ").append(answer.get("event_type")).append(" (").append(answer.get("reason"))
          .append(")");
      case "not_found" -> line.append("Not found yet: no event carries key ").append(answer.get("idempotency_key"));
      default -> line.append(answer.get("message"));
    }
    return line.append(". Next: ").append(answer.get("next_step")).toString();
  }

  /**
   * Returns the exact command that checks {@code request} later, with the connection flags the user gave
   * (never the key, which comes from the environment or the --config file).
   */
  static String commandFor(ReconcileRequest request, ConnectionOptions connection) {
    StringBuilder command = new StringBuilder("steadfast reconcile --idempotency-key ")
        .append(shellQuote(request.idempotencyKey().value()));
    for (String recipient : request.recipients()) {
      command.append(" --recipient ").append(shellQuote(recipient));
    }
    if (request.recipients().isEmpty() && request.campaignId() != null) {
      command.append(" --campaign ").append(shellQuote(request.campaignId()));
    }
    if (request.recipients().isEmpty() && request.templateId() != null) {
      command.append(" --template ").append(shellQuote(request.templateId()));
    }
    command.append(" --since ").append(request.sentAfter().truncatedTo(ChronoUnit.SECONDS));
    if (connection.endpoint != null) {
      command.append(" --endpoint ").append(shellQuote(connection.endpoint));
    } else if (connection.region != null) {
      command.append(" --region ").append(shellQuote(connection.region));
    }
    if (connection.config != null) {
      command.append(" --config ").append(shellQuote(connection.config.toString()));
    }
    return command.toString();
  }

  private static String shellQuote(String value) {
    return value.matches("[A-Za-z0-9@._:/+=-]+") ? value : "'" + value.replace("'", "'\\''") + "'";
  }
}
