package io.steadfast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.smtp.ScriptedSmtpServer;
import io.steadfast.testing.smtp.SmtpAction;
import io.steadfast.testing.smtp.SmtpPhase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SmtpInjectionEventsTest {

  private final FakeSparkPost fake = FakeSparkPost.start(Http.API_KEY);
  private final ScriptedSmtpServer smtp = ScriptedSmtpServer.start().reportInjectionsTo(fake);

  @AfterEach
  void close() {
    smtp.close();
    fake.close();
  }

  @Test
  void messageAcceptedOverSmtpBecomesAnEsmtpInjectionWithTheXMsysApiMetadata() throws IOException {
    String reply =
        sendOverSmtp(
            "X-MSYS-API: {\"campaign_id\":\"c1\",\r\n"
                + " \"metadata\":{\"steadfast_idempotency_key\":\"k-smtp\"}}\r\n");

    assertThat(reply).startsWith("250");
    assertThat(fake.eventsFor("k-smtp")).singleElement().satisfies(event -> {
      assertThat(event.type()).isEqualTo(MessageEvent.INJECTION);
      assertThat(event.recvMethod()).isEqualTo(MessageEvent.ESMTP);
      assertThat(event.rcptTo()).isEqualTo("wilma@example.com");
      assertThat(event.campaignId()).isEqualTo("c1");
      assertThat(event.rcptMeta()).containsEntry("steadfast_idempotency_key", "k-smtp");
    });
  }

  @Test
  void messageRefusedAtEndOfDataProducesNoEvents() throws IOException {
    smtp.on(SmtpPhase.END_OF_DATA, SmtpAction.reply("451 4.3.0 Try again later"));

    String reply =
        sendOverSmtp("X-MSYS-API: {\"metadata\":{\"steadfast_idempotency_key\":\"k-451\"}}\r\n");

    assertThat(reply).startsWith("451");
    assertThat(fake.events()).isEmpty();
  }

  @Test
  void messageWithMalformedXMsysApiProducesNoEvents() throws IOException {
    String reply = sendOverSmtp("X-MSYS-API: {not json\r\n");

    assertThat(reply).startsWith("250");
    assertThat(fake.events()).isEmpty();
  }

  /** Sends one message with {@code extraHeaders} to wilma@example.com; returns the reply to DATA's end. */
  private String sendOverSmtp(String extraHeaders) throws IOException {
    try (Socket socket = new Socket(smtp.host(), smtp.port())) {
      socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      BufferedReader in =
          new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = socket.getOutputStream();
      reply(in);
      command(out, in, "EHLO client.test");
      command(out, in, "MAIL FROM:<fred@example.com>");
      command(out, in, "RCPT TO:<wilma@example.com>");
      command(out, in, "DATA");
      String data =
          "From: fred@example.com\r\nTo: wilma@example.com\r\nSubject: Hi\r\n"
              + extraHeaders
              + "\r\nHello\r\n.";
      String end = command(out, in, data);
      command(out, in, "QUIT");
      return end;
    }
  }

  private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return reply(in);
  }

  /** Reads a possibly multi-line reply and returns its last line. */
  private static String reply(BufferedReader in) throws IOException {
    String line = in.readLine();
    while (line != null && line.length() > 3 && line.charAt(3) == '-') {
      line = in.readLine();
    }
    return line;
  }
}
