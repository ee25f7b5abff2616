package io.steadfast.cli;

import io.steadfast.ApiKey;
import io.steadfast.Endpoint;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>Every check has a total deadline ({@code --timeout}, 10 seconds by default), enforced by closing
 * its socket or abandoning its request when it passes: a read timeout alone is per read, and a server
 * that keeps sending {@code 220-} continuation lines would otherwise hold the doctor forever while
 * its memory grew (issue #23). One SMTP reply may have at most {@link #MAX_REPLY_BYTES} bytes and
 * {@link #MAX_REPLY_LINES} lines, as in the SMTP transport. Text from a server is printed with control
 * characters escaped ({@code \x1b}) and cut to {@link #MAX_SHOWN} characters, so a hostile server
 * cannot write escape sequences to the operator's terminal or flood it.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check that SparkPost's REST and SMTP endpoints are reachable and the API key works. Sends no email.")
final class DoctorCommand implements Callable<Integer> {
  /** How long each check may take in all, unless {@code --timeout} says otherwise. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** The most bytes one SMTP reply may have: 64 KiB, as in the SMTP transport. */
  static final int MAX_REPLY_BYTES = 64 * 1024;
  /** The most lines one SMTP reply may have (SparkPost's EHLO reply, the longest, has about ten). */
  static final int MAX_REPLY_LINES = 100;
  /** The most characters of server text printed in one detail. */
  static final int MAX_SHOWN = 200;

  /** One check's result. */
  record Check(String target, String name, String verdict, String detail) {}

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Option(names = "--smtp-host", description = "SMTP host (default: the region's).") @Nullable String smtpHost;
  @Option(names = "--smtp-port", description = "SMTP port: 587 or 2525 (default: 587).") int smtpPort = 587;
  @Option(names = "--skip-smtp", description = "Check only the REST endpoint.") boolean skipSmtp;
  @Option(names = "--json", description = "Print the results as JSON.") boolean json;
  @Option(names = "--timeout", converter = DrainCommand.DurationConverter.class, paramLabel = "DURATION",
      description = "How long each check may take in all, e.g. 10s or 500ms (default: 10s).")
  Duration timeout = DEFAULT_TIMEOUT;

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
    if (timeout.isZero() || timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
      spec.commandLine().getErr().println("--timeout must be between 1ms and 24d but was " + timeout);
      return Steadfast.USAGE;
    }
    List<Check> checks = new ArrayList<>();
    ApiKey key = null;
    try {
      key = connection.apiKey();
    } catch (UsageException e) {
      checks.add(new Check("rest", "api key", "FAIL", e.getMessage()));
    }
    try (Checks run = new Checks(timeout, checks)) {
      run.rest(endpoint, key);
      if (!skipSmtp) {
        run.smtp(smtpHost != null ? smtpHost : endpoint.smtpHost(), smtpPort);
      }
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

  /**
   * Returns {@code text} safe to print: control characters and anything outside printable ASCII
   * escaped as {@code \xHH} (a backslash as {@code \\}), cut to {@link #MAX_SHOWN} characters.
   */
  static String printable(@Nullable String text) {
    if (text == null) {
      return "";
    }
    StringBuilder shown = new StringBuilder();
    int i = 0;
    for (; i < text.length() && shown.length() < MAX_SHOWN; i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        shown.append("\\\\");
      } else if (c < 0x20 || c >= 0x7f) {
        shown.append(c <= 0xff ? String.format(Locale.ROOT, "\\x%02x", (int) c) : String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        shown.append(c);
      }
    }
    if (i < text.length()) {
      shown.append("... (").append(text.length() - i).append(" more characters)");
    }
    return shown.toString();
  }

  /** An SMTP reply that went over {@link #MAX_REPLY_BYTES} or {@link #MAX_REPLY_LINES}. */
  static final class ReplyTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    ReplyTooLongException(String message) {
      super(message);
    }
  }

  /**
   * The checks of one run, and the threads that enforce their deadlines: one timer that closes a
   * check's socket when its deadline passes, and one thread for DNS lookups, which nothing can break.
   */
  static final class Checks implements AutoCloseable {
    private final Duration timeout;
    private final List<Check> checks;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        runnable -> daemon(runnable, "steadfast-doctor-timer"));
    private final ExecutorService lookups = Executors.newCachedThreadPool(
        runnable -> daemon(runnable, "steadfast-doctor-dns"));

    Checks(Duration timeout, List<Check> checks) {
      this.timeout = timeout;
      this.checks = checks;
    }

    private static Thread daemon(Runnable runnable, String name) {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    }

    private String seconds() {
      long millis = timeout.toMillis();
      return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private int millis() {
      return (int) Math.max(1, timeout.toMillis());
    }

    /** Closes {@code socket} when this check's deadline passes, unless {@link Guard#close()} came first. */
    private Guard guard(Socket socket) {
      Guard guard = new Guard();
      guard.closer = timer.schedule(() -> {
        guard.expired = true; // before closing, so the reading thread sees why its socket closed
        try {
          socket.close();
        } catch (IOException ignored) {
          // Closing was the point; the check reports the deadline.
        }
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      return guard;
    }

    /** A deadline armed over one socket. */
    private static final class Guard implements AutoCloseable {
      private volatile boolean expired;
      private volatile @Nullable ScheduledFuture<?> closer;

      boolean expired() {
        return expired;
      }

      @Override
      public void close() {
        ScheduledFuture<?> pending = closer;
        if (pending != null) {
          pending.cancel(false);
        }
      }
    }

    void rest(Endpoint endpoint, @Nullable ApiKey key) {
      URI base = endpoint.restBaseUrl();
      boolean https = base.getScheme().equals("https");
      int port = base.getPort() > 0 ? base.getPort() : (https ? 443 : 80);
      if (!dnsAndTcp("rest", base.getHost(), port)) {
        return;
      }
      if (https) {
        Socket plain = new Socket();
        try (plain; Guard guard = guard(plain)) {
          try {
            plain.connect(new InetSocketAddress(base.getHost(), port), millis());
            SSLSocket socket = tls(plain, base.getHost(), port);
            checks.add(new Check("rest", "tls", "PASS", socket.getSession().getProtocol() + ", certificate valid for "
                + base.getHost()));
          } catch (IOException e) {
            checks.add(new Check("rest", "tls", "FAIL", (guard.expired()
                ? "The TLS handshake did not finish within " + seconds() + "."
                : "TLS handshake failed (" + printable(e.getMessage()) + ").")
                + " Check the JVM trust store and any TLS-intercepting proxy."));
            return;
          }
        } catch (IOException e) {
          // Closing the socket failed; the verdict stands.
        }
      }
      if (key == null) {
        return;
      }
      // An empty transmission: SparkPost checks the key first (401/403) and then refuses the body
      // (400/422), so the key is tested without sending anything.
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/transmissions"))
          .timeout(timeout).header("Authorization", key.value()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
      Integer status = status(request, "api key", "No answer to the test request");
      if (status == null) {
        return;
      }
      if (status == 400 || status == 422) {
        checks.add(new Check("rest", "api key", "PASS", "SparkPost accepted the key (HTTP " + status
            + " for an empty test request; nothing was sent)"));
        events(base, key);
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
    }

    /**
     * Checks the key may search SparkPost's message events, which Steadfast reads before it re-sends a
     * message whose answer was lost: without the grant, those messages follow the reconcile policy's
     * fallback instead of being settled. A one-second window for a recipient that gets no mail reads
     * nothing of substance.
     */
    private void events(URI base, ApiKey key) {
      java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/events/message?events=injection"
              + "&recipients=steadfast-doctor%40example.invalid&per_page=1&from=" + now.minusSeconds(1) + "&to=" + now))
          .timeout(timeout).header("Authorization", key.value()).GET().build();
      Integer status = status(request, "events", null);
      if (status == null) {
        return;
      }
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
    }

    /**
     * Sends {@code request} and returns the status once the whole response arrived within the
     * deadline (the request timeout covers only the headers, and a body may be endless), or records
     * the failure and returns {@code null}. {@code failPrefix} null means a failure is only a WARN.
     */
    private @Nullable Integer status(HttpRequest request, String name, @Nullable String failPrefix) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
      CompletableFuture<HttpResponse<Void>> call = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
      String verdict = failPrefix == null ? "WARN" : "FAIL";
      String what = failPrefix == null ? "No answer from the events search" : failPrefix;
      try {
        return call.get(timeout.toNanos(), TimeUnit.NANOSECONDS).statusCode();
      } catch (TimeoutException e) {
        call.cancel(true);
        checks.add(new Check("rest", name, verdict, what + " within " + seconds() + "."));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        checks.add(new Check("rest", name, verdict, what + " (" + printable(String.valueOf(cause.getMessage()))
            + ")."));
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
      }
      return null;
    }

    void smtp(String host, int port) {
      if (!dnsAndTcp("smtp", host, port)) {
        return;
      }
      Socket socket = new Socket();
      try (socket) {
        InputStream in;
        OutputStream out;
        String greeting;
        try (Guard guard = guard(socket)) {
          try {
            socket.connect(new InetSocketAddress(host, port), millis());
            socket.setSoTimeout(millis());
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            greeting = reply(in);
          } catch (IOException e) {
            checks.add(new Check("smtp", "greeting", "FAIL", failure("The server's greeting", guard, e)));
            return;
          }
        }
        if (!greeting.startsWith("220")) {
          checks.add(new Check("smtp", "greeting", "FAIL", "The server greeted with '" + printable(greeting)
              + "' instead of 220; SparkPost may be degraded (retry later)."));
          return;
        }
        checks.add(new Check("smtp", "greeting", "PASS", printable(greeting)));
        try (Guard guard = guard(socket)) {
          try {
            out.write("EHLO steadfast-doctor\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String ehlo = reply(in);
            if (!ehlo.toUpperCase(Locale.ROOT).contains("STARTTLS")) {
              checks.add(new Check("smtp", "starttls", "FAIL", "The server does not offer STARTTLS; Steadfast will not"
                  + " send the API key over it. Check --smtp-host and --smtp-port (587 or 2525)."));
              return;
            }
            out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String ready = reply(in);
            if (!ready.startsWith("220")) {
              checks.add(new Check("smtp", "starttls", "FAIL", "STARTTLS was refused: " + printable(ready)));
              return;
            }
            SSLSocket tls = tls(socket, host, port);
            checks.add(new Check("smtp", "starttls", "PASS", tls.getSession().getProtocol() + ", certificate valid for "
                + host));
          } catch (IOException e) {
            checks.add(new Check("smtp", "starttls", "FAIL", failure("The SMTP conversation", guard, e)));
          }
        }
      } catch (IOException e) {
        // Closing the socket failed; the verdicts stand.
      }
    }

    private String failure(String what, Guard guard, IOException e) {
      if (e instanceof ReplyTooLongException) {
        return what + " " + e.getMessage() + ", more than any SMTP server sends. Check --smtp-host and --smtp-port"
            + " (587 or 2525).";
      }
      // A read timeout is as long as the whole deadline, so it means the same: whichever fires first.
      if (guard.expired() || e instanceof SocketTimeoutException) {
        return what + " did not finish within " + seconds() + " (--timeout). The server is slow or is not"
            + " answering as SMTP servers do; check --smtp-host and --smtp-port (587 or 2525).";
      }
      return what + " failed (" + printable(e.getMessage()) + ").";
    }

    private boolean dnsAndTcp(String target, String host, int port) {
      CompletableFuture<InetAddress[]> lookup = CompletableFuture.supplyAsync(() -> {
        try {
          return InetAddress.getAllByName(host);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, lookups);
      try {
        InetAddress[] addresses = lookup.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        checks.add(new Check(target, "dns", "PASS", host + " -> "
            + Arrays.stream(addresses).map(InetAddress::getHostAddress).toList()));
      } catch (TimeoutException e) {
        checks.add(new Check(target, "dns", "FAIL", "No DNS answer for " + host + " within " + seconds()
            + ". Check DNS."));
        return false;
      } catch (ExecutionException e) {
        checks.add(new Check(target, "dns", "FAIL", "Cannot resolve " + host + ". Check DNS and the region or endpoint."));
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), millis());
        checks.add(new Check(target, "tcp", "PASS", "connected to " + host + ":" + port));
        return true;
      } catch (IOException e) {
        checks.add(new Check(target, "tcp", "FAIL", "Cannot connect to " + host + ":" + port + " ("
            + printable(e.getMessage()) + "). Check firewalls; for SMTP try port 2525 where 587 is blocked."));
        return false;
      }
    }

    private SSLSocket tls(Socket plain, String host, int port) throws IOException {
      SSLSocket socket = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
          .createSocket(plain, host, port, true);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      parameters.setServerNames(List.of(new SNIHostName(host)));
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(millis());
      socket.startHandshake();
      return socket;
    }

    @Override
    public void close() {
      timer.shutdownNow();
      lookups.shutdownNow();
    }
  }

  /**
   * Reads one (possibly multi-line) SMTP reply and returns it with its lines joined by spaces.
   *
   * @throws ReplyTooLongException if the reply goes over {@link #MAX_REPLY_BYTES} or {@link #MAX_REPLY_LINES}
   * @throws IOException if reading fails, or the server closes the connection before the reply ends
   */
  static String reply(InputStream in) throws IOException {
    StringBuilder text = new StringBuilder();
    StringBuilder line = new StringBuilder();
    int bytes = 0;
    int lines = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (text.length() == 0 && line.length() == 0) {
          throw new IOException("the server closed the connection without a reply");
        }
        throw new IOException("the server closed the connection in the middle of its reply");
      }
      if (++bytes > MAX_REPLY_BYTES) {
        throw new ReplyTooLongException("exceeded " + MAX_REPLY_BYTES + " bytes");
      }
      if (b != '\n') {
        line.append((char) b); // ISO-8859-1: each byte one char, escaped when printed
        continue;
      }
      if (++lines > MAX_REPLY_LINES) {
        throw new ReplyTooLongException("exceeded " + MAX_REPLY_LINES + " lines");
      }
      int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
      String current = line.substring(0, end);
      line.setLength(0);
      text.append(text.length() == 0 ? "" : " ").append(current);
      if (current.length() < 4 || current.charAt(3) != '-') {
        return text.toString();
      }
    }
  }
}
