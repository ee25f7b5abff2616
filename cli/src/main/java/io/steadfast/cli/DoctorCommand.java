package io.steadfast.cli;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code steadfast doctor}: checks DNS, TCP, TLS and the API key for the REST endpoint, and DNS, TCP,
 * greeting and STARTTLS for SMTP injection, each with a verdict and what to do.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check that SparkPost's REST and SMTP endpoints are reachable and the API key works. Sends no email.")
final class DoctorCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** One check's result. */
  record Check(String target, String name, String verdict, String detail) {}

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--smtp-host", description = "SMTP host (default: the region's).") @Nullable String smtpHost;
  @Option(names = "--smtp-port", description = "SMTP port: 587 or 2525 (default: 587).") int smtpPort = 587;
  @Option(names = "--skip-smtp", description = "Check only the REST endpoint.") boolean skipSmtp;
  @Option(names = "--json", description = "Print the results as JSON.") boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Endpoint endpoint;
    try {
      endpoint = connection.endpoint();
    } catch (UsageException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return Steadfast.USAGE;
    }
    List<Check> checks = new ArrayList<>();
    ApiKey key = null;
    try {
      key = connection.apiKey();
    } catch (UsageException e) {
      checks.add(new Check("rest", "api key", "FAIL", e.getMessage()));
    }
    checkRest(endpoint, key, checks);
    if (!skipSmtp) {
      checkSmtp(smtpHost != null ? smtpHost : endpoint.smtpHost(), smtpPort, checks);
    }
    if (json) {
      List<Map<String, String>> rows = new ArrayList<>();
      for (Check check : checks) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("target", check.target());
        row.put("check", check.name());
        row.put("verdict", check.verdict());
        row.put("detail", check.detail());
        rows.add(row);
      }
      out.println(JsonMapper.builder().build().writeValueAsString(rows));
    } else {
      for (Check check : checks) {
        out.printf("%-5s %-5s %-10s %s%n", check.verdict(), check.target(), check.name(), check.detail());
      }
    }
    return checks.stream().anyMatch(c -> c.verdict().equals("FAIL")) ? Steadfast.PERMANENT : Steadfast.OK;
  }

  private static void checkRest(Endpoint endpoint, @Nullable ApiKey key, List<Check> checks) {
    URI base = endpoint.restBaseUrl();
    boolean https = base.getScheme().equals("https");
    int port = base.getPort() > 0 ? base.getPort() : (https ? 443 : 80);
    if (!dnsAndTcp("rest", base.getHost(), port, checks)) {
      return;
    }
    if (https) {
      try (SSLSocket socket = tls(new Socket(), base.getHost(), port, true)) {
        checks.add(new Check("rest", "tls", "PASS", socket.getSession().getProtocol() + ", certificate valid for "
            + base.getHost()));
      } catch (IOException e) {
        checks.add(new Check("rest", "tls", "FAIL", "TLS handshake failed (" + e.getMessage()
            + "). Check the JVM trust store and any TLS-intercepting proxy."));
        return;
      }
    }
    if (key == null) {
      return;
    }
    // An empty transmission: SparkPost checks the key first (401/403) and then refuses the body
    // (400/422), so the key is tested without sending anything.
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/transmissions"))
          .timeout(TIMEOUT).header("Authorization", key.value()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 400 || status == 422) {
        checks.add(new Check("rest", "api key", "PASS", "SparkPost accepted the key (HTTP " + status
            + " for an empty test request; nothing was sent)"));
        checkEvents(base, key, checks);
      } else if (status == 401) {
        checks.add(new Check("rest", "api key", "FAIL", "SparkPost rejected the key (HTTP 401). Keys are per region:"
            + " check --region and STEADFAST_API_KEY."));
      } else if (status == 403) {
        checks.add(new Check("rest", "api key", "FAIL", "The key lacks the 'Transmissions: Read/Write' permission"
            + " (HTTP 403). Grant it in SparkPost."));
      } else {
        checks.add(new Check("rest", "api key", "WARN", "Unexpected HTTP " + status
            + " for the test request; SparkPost may be degraded (retry later)."));
      }
    } catch (IOException e) {
      checks.add(new Check("rest", "api key", "FAIL", "No answer to the test request (" + e.getMessage() + ")."));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Checks the key may search SparkPost's message events, which Steadfast reads before it re-sends a
   * message whose answer was lost: without the grant, those messages follow the reconcile policy's
   * fallback instead of being settled. A one-second window for a recipient that gets no mail reads
   * nothing of substance.
   */
  private static void checkEvents(URI base, ApiKey key, List<Check> checks) {
    try {
      java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/events/message?events=injection"
              + "&recipients=steadfast-doctor%40example.invalid&per_page=1&from=" + now.minusSeconds(1) + "&to=" + now))
          .timeout(TIMEOUT).header("Authorization", key.value()).GET().build();
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 200) {
        checks.add(new Check("rest", "events", "PASS", "the key may search message events, so lost answers are "
            + "checked before any re-send"));
      } else if (status == 401 || status == 403) {
        checks.add(new Check("rest", "events", "WARN", "The key lacks the \"Events Search: Read-only\" grant (HTTP "
            + status + "): a message whose answer is lost cannot be checked in SparkPost's events and follows the "
            + "reconcile policy's fallback (re-sent, possibly twice, or dead-lettered). Grant it in SparkPost."));
      } else {
        checks.add(new Check("rest", "events", "WARN", "Unexpected HTTP " + status
            + " from the events search; SparkPost may be degraded (retry later)."));
      }
    } catch (IOException e) {
      checks.add(new Check("rest", "events", "WARN", "No answer from the events search (" + e.getMessage() + ")."));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void checkSmtp(String host, int port, List<Check> checks) {
    if (!dnsAndTcp("smtp", host, port, checks)) {
      return;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = socket.getOutputStream();
      String greeting = reply(in);
      if (!greeting.startsWith("220")) {
        checks.add(new Check("smtp", "greeting", "FAIL", "The server greeted with '" + greeting
            + "' instead of 220; SparkPost may be degraded (retry later)."));
        return;
      }
      checks.add(new Check("smtp", "greeting", "PASS", greeting));
      out.write("EHLO steadfast-doctor\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String ehlo = reply(in);
      if (!ehlo.toUpperCase(java.util.Locale.ROOT).contains("STARTTLS")) {
        checks.add(new Check("smtp", "starttls", "FAIL", "The server does not offer STARTTLS; Steadfast will not send"
            + " the API key over it. Check --smtp-host and --smtp-port (587 or 2525)."));
        return;
      }
      out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String ready = reply(in);
      if (!ready.startsWith("220")) {
        checks.add(new Check("smtp", "starttls", "FAIL", "STARTTLS was refused: " + ready));
        return;
      }
      try (SSLSocket tls = tls(socket, host, port, false)) {
        checks.add(new Check("smtp", "starttls", "PASS", tls.getSession().getProtocol() + ", certificate valid for " + host));
      }
    } catch (IOException e) {
      checks.add(new Check("smtp", "starttls", "FAIL", "The SMTP conversation failed (" + e.getMessage() + ")."));
    }
  }

  private static boolean dnsAndTcp(String target, String host, int port, List<Check> checks) {
    try {
      InetAddress[] addresses = InetAddress.getAllByName(host);
      checks.add(new Check(target, "dns", "PASS", host + " -> "
          + Arrays.stream(addresses).map(InetAddress::getHostAddress).toList()));
    } catch (IOException e) {
      checks.add(new Check(target, "dns", "FAIL", "Cannot resolve " + host + ". Check DNS and the region or endpoint."));
      return false;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
      checks.add(new Check(target, "tcp", "PASS", "connected to " + host + ":" + port));
      return true;
    } catch (IOException e) {
      checks.add(new Check(target, "tcp", "FAIL", "Cannot connect to " + host + ":" + port + " (" + e.getMessage()
          + "). Check firewalls; for SMTP try port 2525 where 587 is blocked."));
      return false;
    }
  }

  private static SSLSocket tls(Socket plain, String host, int port, boolean connect) throws IOException {
    if (connect) {
      plain.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
    }
    SSLSocket socket = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setServerNames(List.of(new SNIHostName(host)));
    socket.setSSLParameters(parameters);
    socket.setSoTimeout((int) TIMEOUT.toMillis());
    socket.startHandshake();
    return socket;
  }

  /** Reads one (possibly multi-line) SMTP reply and returns it joined with spaces. */
  private static String reply(BufferedReader in) throws IOException {
    StringBuilder text = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      text.append(text.length() == 0 ? "" : " ").append(line);
      if (line.length() < 4 || line.charAt(3) != '-') {
        break;
      }
    }
    return text.toString();
  }
}
