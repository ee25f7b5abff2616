package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeResponse;
import io.steadfast.testing.FakeSparkPost;
import io.steadfast.testing.UntrustedTlsServer;
import io.steadfast.testing.smtp.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code steadfast send} against SparkPost's answers that a status alone does not tell: a 200 that
 * accepted no recipient, a 200 that refused some (the documented answer with warning code 2000 and
 * {@code rcpt_to_errors}, developers.sparkpost.com/api/transmissions), and an endpoint whose TLS
 * certificate is not trusted or names another host.
 */
class SendCommandAnswersTest extends CliRunner {
  private static final String CANARY = "sk-canary-cli-answers";

  @TempDir Path dir;
  private final FakeSparkPost sparkPost = FakeSparkPost.start(CANARY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  @Test
  void exitsOneListingTheReasonsWhenSparkPostAcceptsNoRecipient() throws IOException {
    sparkPost.alwaysRespond(FakeResponse.allRecipientsRejected(1));

    int code = send(config(sparkPost.baseUrl().toString()));

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).doesNotContain("Sent:");
    assertThat(err.toString()).contains("accepted none of the message's recipients",
        "code 1400: required field is missing (address.email is required for each recipient)");
    assertThat(sparkPost.requests()).hasSize(1);
  }

  @Test
  void printsTheRejectedRecipientsInJsonWhenSparkPostAcceptsNoRecipient() throws IOException {
    sparkPost.alwaysRespond(FakeResponse.allRecipientsRejected(1));

    int code = send(config(sparkPost.baseUrl().toString()), "--json");

    assertThat(code).isEqualTo(Steadfast.PERMANENT);
    assertThat(out.toString()).contains("\"status\":\"permanent\"", "\"recipient_errors\":[{\"code\":\"1400\","
        + "\"message\":\"required field is missing\",\"description\":\"address.email is required for each recipient\"}]");
  }

  @Test
  void warnsAboutRefusedRecipientsOnAPartialAcceptance() throws IOException {
    sparkPost.alwaysRespond(FakeResponse.someRecipientsRejected());

    int code = send(config(sparkPost.baseUrl().toString()));

    assertThat(code).isEqualTo(Steadfast.OK);
    assertThat(out.toString()).contains("Sent: transmission 11668787484950530, 1 recipient(s) accepted, 1 rejected");
    assertThat(err.toString()).contains("Warning: SparkPost refused 1 recipient(s): code 1400: required field is "
        + "missing (address.email is required for each recipient)");
  }

  @Test
  void exitsOneAtOnceNamingTheHostWhenTheCertificateIsNotTrusted() throws IOException {
    try (UntrustedTlsServer server = UntrustedTlsServer.start()) {
      int code = send(config(server.baseUrl()));

      assertThat(code).isEqualTo(Steadfast.PERMANENT);
      assertThat(err.toString()).contains("Could not verify SparkPost's server",
          "localhost:" + server.port(), "is not trusted", "trust store").doesNotContain(CANARY);
      // Not retried: SteadfastConfig's default policy would have made three attempts.
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  @Test
  void exitsOneAtOnceWhenATrustedCertificateNamesAnotherHost() throws Exception {
    // The JVM's default trust store is read from system properties, so the client runs in a child JVM
    // that trusts the test certificates: only the host name can fail.
    Path trustStore = dir.resolve("truststore.p12");
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      TestCertificates.trustStore().store(out, TestCertificates.PASSWORD.toCharArray());
    }
    try (UntrustedTlsServer server = UntrustedTlsServer.startWrongHost()) {
      ChildCli.Run run = new ChildCli()
          .jvm("-Djavax.net.ssl.trustStore=" + trustStore)
          .jvm("-Djavax.net.ssl.trustStorePassword=" + TestCertificates.PASSWORD)
          .jvm("-Djavax.net.ssl.trustStoreType=PKCS12")
          .run(sendArguments(config(server.baseUrl())));

      assertThat(run.exitCode()).as(run.err()).isEqualTo(Steadfast.PERMANENT);
      assertThat(run.err()).contains("Could not verify SparkPost's server",
          "the TLS certificate of localhost:" + server.port() + " is not issued for that host",
          "Nothing was sent").doesNotContain(CANARY);
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  private int send(String config, String... more) {
    return run(sendArguments(config, more));
  }

  /** The one message every test here sends, with {@code more} options after it. */
  private static String[] sendArguments(String config, String... more) {
    String[] args = {"send", "--config", config, "--from", "shop@example.com", "--to", "alice@example.com",
        "--subject", "Hi", "--text", "Hello"};
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  private String config(String endpoint) throws IOException {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, "api-key=" + CANARY + "\nendpoint=" + endpoint + "\n");
    return file.toString();
  }
}
