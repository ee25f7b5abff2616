package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.steadfast.ApiKey;
import io.steadfast.EmailClient;
import io.steadfast.Endpoint;
import io.steadfast.Message;
import io.steadfast.SteadfastConfig;
import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libraries' log lines reach the user (issue #23 item 2): WARN and ERROR on stderr by default, one line
 * each, DEBUG with {@code --verbose}, and the API key in none of them, in no form a server echoed it in.
 */
class CliLoggingTest extends CliRunner {
  /** Letters of both cases and characters a URL encoder changes, so that every form differs. */
  private static final String KEY = "sk-Canary+/Log=7f3a";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  /** Everything every run printed, stdout and stderr. */
  private final List<String> printed = new ArrayList<>();

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  @Override
  protected int run(String... args) {
    int code = super.run(args);
    printed.add(out.toString());
    printed.add(err.toString());
    return code;
  }

  private String config(Path spool) throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\nspool-dir=" + spool + "\n");
    return file.toString();
  }

  private static String[] send(String config, String... more) {
    List<String> args = new ArrayList<>(List.of("send", "--config", config, "--from", "shop@example.com",
        "--to", "a@example.com", "--subject", "Hi", "--text", "Hello"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void aSpoolDirectoryOthersCanReadIsAWarningOnStderr() throws IOException {
    Path spool = Files.createDirectory(dir.resolve("spool"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxr-xr-x"));

    int code = run("submit", "--config", config(spool), "--from", "shop@example.com", "--to", "a@example.com",
        "--subject", "Hi", "--text", "Hello");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Spooled: id ");
    assertThat(err.toString().lines()).as(err.toString())
        .anySatisfy(line -> assertThat(line).startsWith("WARN  Spool directory " + spool)
            .contains("is readable by others (rwxr-xr-x)").contains("chmod 700"))
        .allSatisfy(line -> assertThat(line).matches("(WARN |ERROR) .*"));
  }

  @Test
  void debugAndInfoLinesOnlyWithVerbose() throws IOException {
    String config = config(dir.resolve("unused"));

    assertThat(run(send(config))).as(err.toString()).isZero();
    assertThat(err.toString()).isEmpty();

    assertThat(run(send(config, "--verbose"))).as(err.toString()).isZero();
    String afterTheCommand = err.toString();
    assertThat(run(prepend("--verbose", send(config)))).as(err.toString()).isZero();
    String beforeTheCommand = err.toString();

    for (String log : List.of(afterTheCommand, beforeTheCommand)) {
      assertThat(log).containsPattern("(?m)^DEBUG Message \\S+ attempt 1 on route 'rest-custom': POST ")
          .containsPattern("(?m)^INFO  Steadfast client started");
    }
  }

  @Test
  void theKeyAServerEchoesUpperCasedOrUrlEncodedAppearsNowhere() throws IOException {
    String encoded = URLEncoder.encode(KEY, StandardCharsets.UTF_8);
    String upper = KEY.toUpperCase(Locale.ROOT);
    FakeResponse echo = FakeResponse.status(401, "{\"errors\":[{\"message\":\"Unauthorized key " + upper
        + "\",\"description\":\"key=" + encoded + " or " + encoded.toLowerCase(Locale.ROOT) + " is not valid\","
        + "\"code\":\"" + upper + "\"}]}", "application/json");
    String config = config(dir.resolve("unused"));

    sparkPost.alwaysRespond(echo);
    assertThat(run(send(config))).isEqualTo(Steadfast.PERMANENT);
    assertThat(err.toString()).contains("401");
    run(send(config, "--json"));
    run(send(config, "--verbose"));
    run("--verbose", "doctor", "--config", config, "--skip-smtp");
    Throwable thrown;
    try (EmailClient client = EmailClient.create(SteadfastConfig.builder().apiKey(KEY)
        .endpoint(Endpoint.custom(sparkPost.baseUrl())).build())) {
      thrown = catchThrowable(() -> client.send(Message.builder()
          .from("shop@example.com").to("a@example.com").subject("Hi").text("Hello").build()));
    }

    assertThat(thrown).isNotNull();
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      printed.add(String.valueOf(t.getMessage()));
      printed.add(t.toString());
    }
    String all = String.join("\n", printed);
    assertThat(all).contains("[redacted]").doesNotContainIgnoringCase(KEY).doesNotContainIgnoringCase(encoded)
        .doesNotContainIgnoringCase("Canary");
    assertThat(ApiKey.of(KEY).redact(all)).as("no form of the key is left").isEqualTo(all);
  }

  @Test
  void aFailureHasItsStackTraceOnlyWithVerbose() throws IOException {
    String config = config(dir.resolve("spool"));
    String missing = dir.resolve("none.eml").toString();

    int plain = run("submit", "--config", config, "--to", "a@example.com", "--eml", missing);
    String plainErr = err.toString();
    int verbose = run("submit", "--verbose", "--config", config, "--to", "a@example.com", "--eml", missing);

    assertThat(plain).isEqualTo(Steadfast.USAGE);
    assertThat(plainErr).hasLineCount(1).contains("--eml " + missing + " does not exist").doesNotContain("\tat ");
    assertThat(verbose).isEqualTo(Steadfast.USAGE);
    assertThat(err.toString()).startsWith(plainErr).contains("\tat io.steadfast.cli.");
  }

  private static String[] prepend(String first, String[] rest) {
    String[] args = new String[rest.length + 1];
    args[0] = first;
    System.arraycopy(rest, 0, args, 1, rest.length);
    return args;
  }
}
