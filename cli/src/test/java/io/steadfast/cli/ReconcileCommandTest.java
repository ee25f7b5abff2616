package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code steadfast reconcile}, and {@code steadfast send} when the answer is lost, against FakeSparkPost's events. */
class ReconcileCommandTest extends CliRunner {
  private static final String CANARY = "sk-canary-cli-reconcile-5c1e";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(CANARY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + sparkPost.baseUrl() + "\n");
    return file.toString();
  }

  private int send(String key) throws IOException {
    return run("send", "--config", config(), "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", key);
  }

  /** Splits the printed command as a shell would (it quotes only what needs it). */
  private static String[] arguments(String command) {
    List<String> words = new ArrayList<>();
    Matcher matcher = Pattern.compile("'([^']*)'|(\\S+)").matcher(command);
    while (matcher.find()) {
      words.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
    }
    assertThat(words.get(0)).isEqualTo("steadfast");
    return words.subList(1, words.size()).toArray(String[]::new);
  }

  @Test
  void aLostAnswerExitsFourAndPrintsTheCommandThatConfirmsTheMessageWasSent() throws IOException {
    sparkPost.enqueue(FakeResponse.acceptedThenDropped());

    int code = send("cli-lost-1");

    assertThat(code).isEqualTo(Steadfast.UNKNOWN);
    assertThat(sparkPost.transmissionCountFor("cli-lost-1")).isEqualTo(1);
    Matcher command = Pattern.compile("steadfast reconcile [^\\n]+").matcher(err.toString());
    assertThat(command.find()).as(err.toString()).isTrue();
    assertThat(command.group()).contains("--idempotency-key cli-lost-1").contains("--recipient alice@example.com")
        .contains("--since ").contains("--config ").doesNotContain(CANARY);

    int checked = run(arguments(command.group()));

    assertThat(checked).as(out + "" + err).isEqualTo(Steadfast.OK);
    assertThat(out.toString()).startsWith("Accepted: SparkPost took key cli-lost-1");
    assertThat(sparkPost.transmissionCountFor("cli-lost-1")).as("nothing was sent again").isEqualTo(1);
  }

  @Test
  void sendWithReconcileConfirmsTheLostAnswerFromEventsAndExitsZero() throws IOException {
    Path file = dir.resolve("fast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + sparkPost.baseUrl()
        + "\nreconcile-settle-delay=0s\nreconcile-recheck-delay=0s\n");
    sparkPost.enqueue(FakeResponse.acceptedThenDropped());

    int code = run("send", "--config", file.toString(), "--reconcile", "--json", "--from", "shop@example.com",
        "--to", "alice@example.com", "--subject", "Hi", "--text", "Hello", "--idempotency-key", "cli-lost-2");

    assertThat(code).as(err.toString()).isEqualTo(Steadfast.OK);
    assertThat(out.toString()).contains("\"confirmed_from_events\":true");
    assertThat(sparkPost.transmissionCountFor("cli-lost-2")).isEqualTo(1);
  }

  @Test
  void aKeyNoEventCarriesIsNotFoundYetWithExitFour() throws IOException {
    int code = run("reconcile", "--config", config(), "--idempotency-key", "never-sent", "--recipient",
        "alice@example.com", "--json");

    assertThat(code).isEqualTo(Steadfast.UNKNOWN);
    assertThat(out.toString()).contains("\"status\":\"not_found\"").contains("re-send with --idempotency-key never-sent");
    assertThat(sparkPost.eventsRequests()).singleElement()
        .satisfies(request -> assertThat(request.parameter("recipients")).isEqualTo("alice@example.com"));
  }

  @Test
  void aSuppressedRecipientIsRejectedWithExitOneAndSparkPostsReason() throws IOException {
    sparkPost.suppress("alice@example.com");
    assertThat(send("cli-suppressed")).isZero();

    int code = run("reconcile", "--config", config(), "--idempotency-key", "cli-suppressed", "--recipient",
        "alice@example.com", "--json");

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("\"status\":\"rejected\"").contains("\"event_type\":\"policy_rejection\"");
  }

  @Test
  void aKeyWithoutTheEventsGrantIsForbiddenWithExitOneAndTheKeyNeverPrinted() throws IOException {
    sparkPost.alwaysRespondToEvents(FakeResponse.forbidden());

    int code = run("reconcile", "--config", config(), "--idempotency-key", "k", "--recipient", "a@example.com");

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("Events Search: Read-only").doesNotContain(CANARY);
    assertThat(err.toString()).doesNotContain(CANARY);
  }

  @Test
  void anEventsOutageIsRetryableWithExitThree() throws IOException {
    sparkPost.alwaysRespondToEvents(FakeResponse.serverError(503));

    int code = run("reconcile", "--config", config(), "--idempotency-key", "k", "--recipient", "a@example.com",
        "--json");

    assertThat(code).isEqualTo(Steadfast.RETRYABLE);
    assertThat(out.toString()).contains("\"status\":\"unavailable\"");
  }

  @Test
  void doctorWarnsWhenTheKeyLacksTheEventsGrant() throws IOException {
    sparkPost.alwaysRespondToEvents(FakeResponse.forbidden());

    int code = run("doctor", "--config", config(), "--skip-smtp");

    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("WARN  rest  events").contains("Events Search: Read-only");
  }

  @Test
  void aBadSinceIsAUsageError() throws IOException {
    int code = run("reconcile", "--config", config(), "--idempotency-key", "k", "--since", "yesterday");

    assertThat(code).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("--since must be an ISO 8601 instant");
  }
}
