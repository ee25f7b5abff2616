package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeSparkPost;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23 item 3: {@code steadfast doctor} against an SMTP server that never ends its greeting.
 * Every check has a total deadline ({@code --timeout}, short here) and a cap on one reply, and server
 * text is printed escaped and cut. The assertions are about the verdicts and what the server saw,
 * never about elapsed time; without the deadline these tests hang until the class timeout fails them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DoctorCommandTest {
  private static final String KEY = "sk-doctor-test-1234";
  private static final char ESC = 0x1b;

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  private int doctor(HostileSmtpServer smtp, String timeout) throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + KEY + "\nendpoint=" + sparkPost.baseUrl() + "\n");
    return Steadfast.run(new String[] {"doctor", "--config", file.toString(), "--smtp-host", "127.0.0.1",
        "--smtp-port", Integer.toString(smtp.port()), "--timeout", timeout}, new PrintWriter(out, true),
        new PrintWriter(err, true));
  }

  private String line(String verdictTargetCheck) {
    return out.toString().lines().filter(l -> l.startsWith(verdictTargetCheck)).findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + verdictTargetCheck + "' in:\n" + out));
  }

  @Test
  void failsTheGreetingCheckOfAServerThatNeverEndsItsGreetingAtTheTimeout() throws Exception {
    int code;
    try (HostileSmtpServer smtp = HostileSmtpServer.dripping("220-still greeting\r\n", Duration.ofMillis(100))) {
      code = doctor(smtp, "2s");

      assertThat(smtp.awaitClosedConnections(2, Duration.ofMinutes(2)))
          .as("the doctor closed both its TCP check and its conversation").isTrue();
      assertThat(smtp.received()).as("nothing was said to a server that never finished greeting").isEmpty();
    }

    assertThat(code).as(out.toString()).isEqualTo(Steadfast.PERMANENT);
    assertThat(line("PASS  rest  api key")).isNotEmpty();
    assertThat(line("FAIL  smtp  greeting")).contains("The server's greeting did not finish within 2 s (--timeout)")
        .contains("check --smtp-host and --smtp-port");
    assertThat(out.toString()).doesNotContain("smtp  starttls");
  }

  @Test
  void failsTheGreetingCheckOfAFloodAtTheReplyLimit() throws Exception {
    int code;
    try (HostileSmtpServer smtp = HostileSmtpServer.flooding("220-" + ESC + "[2J flood\r\n")) {
      code = doctor(smtp, "5m");

      assertThat(smtp.awaitClosedConnections(2, Duration.ofMinutes(2))).isTrue();
    }

    // The deadline is five minutes away: only the line limit can have ended this within the test's timeout.
    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(line("FAIL  smtp  greeting")).contains("The server's greeting exceeded 100 lines")
        .doesNotContain("did not finish");
  }

  @Test
  void printsServerTextWithControlCharactersEscapedAndCut() throws Exception {
    String hostile = "220 smtp.example " + ESC + "]0;owned" + (char) 0x07 + ESC + "[31m" + "x".repeat(5_000) + "\r\n";
    int code;
    try (HostileSmtpServer smtp = HostileSmtpServer.greeting(hostile)) {
      code = doctor(smtp, "2s");
    }

    String greeting = line("PASS  smtp  greeting");
    assertThat(greeting).contains("220 smtp.example \\x1b]0;owned\\x07\\x1b[31mxxx")
        .endsWith(" more characters)");
    assertThat(greeting.substring(greeting.indexOf("220 "))).hasSizeLessThan(DoctorCommand.MAX_SHOWN + 30);
    assertThat(out.toString()).doesNotContain(String.valueOf(ESC)).doesNotContain(String.valueOf((char) 0x07));
    // The server reads EHLO and never answers: the STARTTLS check meets the deadline.
    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(line("FAIL  smtp  starttls")).contains("did not finish within 2 s");
  }

  @Test
  void escapesEveryControlCharacterAndBackslash() {
    assertThat(DoctorCommand.printable("a" + ESC + "b\r\n\t\\" + (char) 0x7f + (char) 0xe9))
        .isEqualTo("a\\x1bb\\x0d\\x0a\\x09\\\\\\x7f\\xe9");
    assertThat(DoctorCommand.printable("y".repeat(500))).startsWith("y".repeat(DoctorCommand.MAX_SHOWN) + "...")
        .endsWith("(300 more characters)");
  }
}
