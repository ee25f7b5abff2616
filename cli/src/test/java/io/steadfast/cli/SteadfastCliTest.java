package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every command in-process against an embedded FakeSparkPost. */
class SteadfastCliTest {
  private static final String CANARY = "sk-canary-cli-7f3a";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(CANARY);
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private int run(String... args) {
    return Steadfast.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private String config() throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + sparkPost.baseUrl() + "\n");
    return file.toString();
  }

  @Test
  void sendDeliversAMessageFromFlagsAndPrintsJson() throws IOException {
    int code = run("send", "--config", config(), "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", "cli-1", "--json");

    assertThat(code).isZero();
    assertThat(out.toString()).contains("\"status\":\"sent\"").contains("\"idempotency_key\":\"cli-1\"");
    assertThat(sparkPost.transmissionCountFor("cli-1")).isEqualTo(1);
  }

  @Test
  void sendReadsAJsonMessageFileAndAttachments() throws IOException {
    Path message = dir.resolve("message.json");
    Files.writeString(message, "{\"from\":\"shop@example.com\",\"to\":[\"a@example.com\",\"b@example.com\"],"
        + "\"subject\":\"Report\",\"html\":\"<p>Hi</p>\",\"tags\":[\"weekly\"],\"metadata\":{\"week\":47}}");
    Path attachment = dir.resolve("report.txt");
    Files.writeString(attachment, "numbers");

    int code = run("send", "--config", config(), "--message", message.toString(), "--attach", attachment.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(sparkPost.transmissions()).singleElement().satisfies(t -> {
      assertThat(t.at("/recipients/1/address/email")).isEqualTo("b@example.com");
      assertThat(t.at("/metadata/week")).isEqualTo(47);
      assertThat(t.at("/content/attachments/0/name")).isEqualTo("report.txt");
    });
  }

  @Test
  void dryRunPrintsTheRequestAndSendsNothing() throws IOException {
    int code = run("send", "--config", config(), "--dry-run", "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "Hello");

    assertThat(code).isZero();
    assertThat(out.toString()).contains("POST /api/v1/transmissions").contains("\"subject\" : \"Hi\"");
    assertThat(sparkPost.requests()).isEmpty();
  }

  @Test
  void invalidInputIsAUsageErrorNamingEveryField() throws IOException {
    int code = run("send", "--config", config(), "--from", "not-an-address", "--to", "a@example.com");

    assertThat(code).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("from").contains("subject").contains("content");
    assertThat(sparkPost.requests()).isEmpty();
  }

  @Test
  void outageGivesTheRetryableExitCodeAndTheKeyToReuse() throws IOException {
    sparkPost.alwaysRespond(FakeResponse.serverError(503));

    int code = run("send", "--config", config(), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "Hello", "--idempotency-key", "cli-2");

    assertThat(code).isEqualTo(Steadfast.RETRYABLE);
    assertThat(err.toString()).contains("SparkPost is unavailable").contains("cli-2");
  }

  @Test
  void missingApiKeySaysWhereToSetIt() {
    int code = run("send", "--endpoint", sparkPost.baseUrl().toString(), "--from", "shop@example.com",
        "--to", "a@example.com", "--subject", "Hi", "--text", "Hello");

    assertThat(code).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("STEADFAST_API_KEY");
  }

  @Test
  void aMalformedConfigFileIsAUsageErrorNotABug() throws IOException {
    Path file = dir.resolve("broken.properties");
    Files.writeString(file, "api-key=\\u12zz\n");

    int code = run("send", "--config", file.toString(), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "Hello");

    assertThat(code).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("is not a valid properties file").doesNotContain("\tat ");
    assertThat(sparkPost.requests()).isEmpty();
  }

  @Test
  void doctorChecksDnsTcpAndTheKeyWithoutSending() throws IOException {
    int code = run("doctor", "--config", config(), "--skip-smtp");

    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("PASS  rest  dns").contains("PASS  rest  tcp").contains("PASS  rest  api key");
    assertThat(sparkPost.transmissions()).isEmpty();
  }

  @Test
  void doctorReportsARejectedKey() throws IOException {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "api-key=wrong\nendpoint=" + sparkPost.baseUrl() + "\n");

    int code = run("doctor", "--config", file.toString(), "--skip-smtp", "--json");

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("\"verdict\":\"FAIL\"").contains("HTTP 401");
  }

  @Test
  void everyCommandHasHelpAndUnknownOptionsAreUsageErrors() {
    assertThat(run("send", "--help")).isZero();
    assertThat(run("doctor", "--help")).isZero();
    assertThat(run("demo", "outage", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: steadfast send").contains("--dry-run");

    assertThat(run("send", "--bogus")).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).contains("Unknown option").contains("--help");
  }

  @Test
  void theApiKeyNeverAppearsInAnyOutput() throws IOException {
    String config = config();
    sparkPost.enqueue(FakeResponse.status(401, "{\"errors\":[{\"message\":\"Unauthorized.\"}]}", "application/json"));
    run("send", "--config", config, "--from", "shop@example.com", "--to", "a@example.com", "--subject", "Hi", "--text", "x");
    run("send", "--config", config, "--from", "shop@example.com", "--to", "a@example.com", "--subject", "Hi", "--text", "x",
        "--json");
    run("doctor", "--config", config, "--skip-smtp");
    run("send", "--config", config, "--dry-run", "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "x");

    assertThat(out.toString() + err.toString()).doesNotContain(CANARY);
  }
}
