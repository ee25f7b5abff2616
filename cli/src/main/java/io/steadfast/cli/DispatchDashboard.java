package io.steadfast.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.steadfast.CircuitState;
import io.steadfast.DeliveryResult;
import io.steadfast.DeliveryListener;
import io.steadfast.SpoolConfig;
import io.steadfast.SpoolOperations;
import io.steadfast.internal.console.CircuitBoard;
import io.steadfast.internal.console.ConsoleHistory;
import io.steadfast.internal.console.ConsoleSource;
import io.steadfast.internal.console.OperatorConsole;
import io.steadfast.spi.SpoolStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' dashboard of {@code steadfast dispatch --ui-port}: the starter's page and its JSON API
 * (the same {@link OperatorConsole}, the same static files from core's jar, the same JSON), served by
 * the JDK's HTTP server at {@code /}:
 *
 * <ul>
 *   <li>{@code GET /} (and {@code /index.html}, {@code /dashboard.js}, {@code /dashboard.css}): the page;
 *   <li>{@code GET /api/overview}; {@code GET /api/entries/{state}?page=0&size=50};
 *   <li>{@code POST /api/requeue} with {@code {"id": 42}} or {@code {"reason": "EXPIRED"}};
 *       {@code POST /api/flush}.
 * </ul>
 *
 * <p>The writes take {@code Content-Type: application/json} only (else 415), which a browser sends
 * cross-site only after a CORS preflight this server does not answer; a write whose {@code Origin}
 * is not this server is refused (403), and on the loopback address a request whose {@code Host} is not
 * a loopback name is too (421), so a page of another site cannot press the buttons for an operator,
 * not even through DNS rebinding. A bad request is answered with 400 and {@code {"error": "..."}}.
 *
 * <p>It is the console's {@link ConsoleSource} and a listener of the dispatch client: it remembers
 * each route's circuit and counts deliveries for the chart.
 */
final class DispatchDashboard extends DeliveryListener implements ConsoleSource, AutoCloseable {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(10);
  /** The largest request body read: a requeue request is a few dozen bytes. */
  private static final int MAX_BODY_BYTES = 16 * 1024;
  private static final Map<String, String> ASSETS = Map.of("index.html", "text/html; charset=utf-8",
      "dashboard.js", "text/javascript; charset=utf-8", "dashboard.css", "text/css; charset=utf-8");
  private static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "[::1]");

  /** An answer with a status and a JSON body. */
  private record Answer(int status, Object body) {
    static Answer error(int status, String message) {
      return new Answer(status, Map.of("error", message));
    }
  }

  private final InetAddress bind;
  private final int port;
  private final Clock clock = Clock.systemUTC();
  private final CircuitBoard circuits = new CircuitBoard(clock);
  private final ConsoleHistory history;
  private final OperatorConsole console;
  private volatile @Nullable SpoolView spool;
  private @Nullable HttpServer server;

  /**
   * Creates the dashboard of a client sending on {@code routes}, their circuits closed, to be served on
   * {@code bind:port} (port 0: a free port).
   */
  DispatchDashboard(List<String> routes, InetAddress bind, int port) {
    this.bind = bind;
    this.port = port;
    circuits.routesStarted(routes, CircuitState.CLOSED);
    history = new ConsoleHistory(this, SAMPLE_INTERVAL);
    console = new OperatorConsole(this, history);
  }

  /**
   * Checks {@code --ui-port} and {@code --ui-bind} and returns the address to listen on: {@code bind},
   * or the loopback address if it is {@code null}.
   *
   * @param port {@code --ui-port}, or {@code null} if not given
   * @param bind {@code --ui-bind}, or {@code null} if not given
   * @param metricsPort {@code --metrics-port}, or {@code null} if not given
   * @throws UsageException if the port is out of range, shared with the metrics, or the address unknown
   */
  static InetAddress bindAddress(@Nullable Integer port, @Nullable String bind, @Nullable Integer metricsPort) {
    if (port == null) {
      if (bind != null) {
        throw new UsageException("--ui-bind " + bind + " needs --ui-port PORT: the dashboard is off without it.");
      }
      return InetAddress.getLoopbackAddress();
    }
    if (port < 0 || port > 65535) {
      throw new UsageException("--ui-port must be between 0 and 65535 but was " + port + ".");
    }
    if (port != 0 && port.equals(metricsPort)) {
      throw new UsageException("--ui-port and --metrics-port are both " + port + "; give the dashboard another port"
          + " (or 0 for any free one).");
    }
    if (bind == null) {
      return InetAddress.getLoopbackAddress();
    }
    try {
      return InetAddress.getByName(bind.strip());
    } catch (IOException e) {
      throw new UsageException("--ui-bind " + bind + " is not an address of this host or a name that resolves;"
          + " give an IP address such as 127.0.0.1 (this host only) or 0.0.0.0 (every interface).");
    }
  }

  /**
   * Starts serving over {@code operations}, and the chart's sampling; returns the page's address, e.g.
   * {@code http://127.0.0.1:8025/}.
   *
   * @param store what holds the spool, {@code sqlite} or {@code postgresql}
   */
  String start(SpoolOperations operations, String store) throws IOException {
    spool = new SpoolView(operations, store, SpoolConfig.DEFAULT_MAX_ENTRIES, SpoolConfig.DEFAULT_MAX_BYTES);
    HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 16);
    boolean loopbackOnly = bind.isLoopbackAddress();
    http.createContext("/", exchange -> serve(exchange, loopbackOnly));
    // Two threads: a slow spool read for one request does not hold up the page's assets.
    http.setExecutor(Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "steadfast-dashboard");
      thread.setDaemon(true);
      return thread;
    }));
    http.start();
    server = http;
    history.start();
    String host = bind.getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.getAddress().getPort() + "/";
  }

  private void serve(HttpExchange exchange, boolean loopbackOnly) throws IOException {
    try (exchange) {
      String host = exchange.getRequestHeaders().getFirst("Host");
      if (loopbackOnly && !isLoopbackHost(host)) {
        json(exchange, Answer.error(421, "This dashboard listens on the loopback address and answers only requests"
            + " for localhost or 127.0.0.1, not for '" + host + "'; open http://127.0.0.1:PORT/ instead"));
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith("/api/")) {
        json(exchange, api(exchange, path.substring("/api/".length())));
        return;
      }
      String name = path.equals("/") ? "index.html" : path.substring(1);
      String type = ASSETS.get(name);
      if (type == null) {
        json(exchange, Answer.error(404, "No such page: " + path + "; the dashboard is at /"));
      } else if (!isRead(exchange)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        json(exchange, Answer.error(405, exchange.getRequestMethod() + " " + path + " is not allowed; use GET"));
      } else {
        send(exchange, 200, type, asset(name));
      }
    }
  }

  private Answer api(HttpExchange exchange, String call) throws IOException {
    try {
      if (call.equals("overview") || call.startsWith("entries/")) {
        if (!isRead(exchange)) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          return Answer.error(405, exchange.getRequestMethod() + " /api/" + call + " is not allowed; use GET");
        }
        if (call.equals("overview")) {
          return new Answer(200, console.overview());
        }
        Map<String, String> query = query(exchange.getRequestURI());
        return new Answer(200, console.entries(call.substring("entries/".length()),
            integer(query, "page"), integer(query, "size")));
      }
      if (call.equals("requeue") || call.equals("flush")) {
        Optional<Answer> refused = refuseWrite(exchange);
        if (refused.isPresent()) {
          return refused.get();
        }
        Map<String, Object> body = body(exchange);
        return new Answer(200, call.equals("flush") ? console.flush() : console.requeue(body));
      }
      return Answer.error(404, "No such call: /api/" + call + "; use overview, entries/{state}, requeue or flush");
    } catch (IllegalArgumentException e) {
      return Answer.error(400, String.valueOf(e.getMessage()));
    } catch (IllegalStateException e) {
      return Answer.error(409, String.valueOf(e.getMessage()));
    }
  }

  /** Returns why a write must be refused: not a POST, not JSON, or sent by another site's page. */
  private static Optional<Answer> refuseWrite(HttpExchange exchange) {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      return Optional.of(Answer.error(405, exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
          + " is not allowed; use POST with a JSON body"));
    }
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json")) {
      return Optional.of(Answer.error(415, "This call takes Content-Type: application/json, not '"
          + (type == null ? "(none)" : type) + "'; send a JSON body, e.g. {\"id\": 42}"));
    }
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    String host = exchange.getRequestHeaders().getFirst("Host");
    // The authority alone: behind a TLS-terminating proxy the page's scheme is https.
    if (origin != null && !authorityOf(origin).equalsIgnoreCase(String.valueOf(host))) {
      return Optional.of(Answer.error(403, "A page of " + origin + " may not change this spool; use the dashboard"
          + " at http://" + host + "/"));
    }
    return Optional.empty();
  }

  private static String authorityOf(String origin) {
    try {
      return String.valueOf(URI.create(origin).getRawAuthority());
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static Map<String, Object> body(HttpExchange exchange) throws IOException {
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new IllegalArgumentException("The body is larger than " + MAX_BODY_BYTES + " bytes; send a small JSON"
          + " object, e.g. {\"id\": 42}");
    }
    if (bytes.length == 0) {
      return Map.of();
    }
    try {
      Object parsed = JSON.readValue(bytes, Object.class);
      if (parsed instanceof Map<?, ?> map) {
        Map<String, Object> object = new HashMap<>();
        map.forEach((key, value) -> object.put(String.valueOf(key), value));
        return object;
      }
    } catch (JacksonException e) {
      // Answered below: the parser's message quotes the input, which says less than what to send.
    }
    throw new IllegalArgumentException("The body is not a JSON object; send e.g. {\"id\": 42} or"
        + " {\"reason\": \"EXPIRED\"}");
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> query = new HashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      query.put(name, equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return query;
  }

  private static @Nullable Integer integer(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number but was '" + value + "'");
    }
  }

  private static boolean isLoopbackHost(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String name = host.toLowerCase(Locale.ROOT);
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf(']')) {
      name = name.substring(0, colon);
    }
    return LOOPBACK_NAMES.contains(name);
  }

  private static boolean isRead(HttpExchange exchange) {
    return "GET".equals(exchange.getRequestMethod()) || "HEAD".equals(exchange.getRequestMethod());
  }

  private static byte[] asset(String name) throws IOException {
    try (InputStream in = OperatorConsole.class.getClassLoader()
        .getResourceAsStream(OperatorConsole.DASHBOARD_ASSETS + name)) {
      if (in == null) {
        throw new IOException("The dashboard's " + name + " is missing from steadfast-core's jar; reinstall Steadfast");
      }
      return in.readAllBytes();
    }
  }

  private static void json(HttpExchange exchange, Answer answer) throws IOException {
    send(exchange, answer.status(), "application/json", JSON.writeValueAsBytes(answer.body()));
  }

  /** Sends {@code body} as {@code type} with {@code status}, or the headers alone for HEAD. */
  static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public boolean running() {
    return spool != null;
  }

  @Override
  public Optional<SpoolView> spool() {
    return Optional.ofNullable(spool);
  }

  @Override
  public Optional<SpoolStats> spoolStats() {
    // Read each time: the chart samples every ten seconds and the page polls every two.
    return spool().map(view -> view.operations().stats());
  }

  @Override
  public void spoolChanged() {
    // Nothing is cached.
  }

  @Override
  public Instant now() {
    return clock.instant();
  }

  @Override
  public CircuitBoard circuits() {
    return circuits;
  }

  @Override
  public String howToAddSpool() {
    return "start 'steadfast dispatch' with --spool DIR or --spool-url";
  }

  @Override
  public void circuitStateChanged(String route, CircuitState from, CircuitState to) {
    circuits.changed(route, to);
  }

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    history.delivered(result);
  }

  /** Stops serving and sampling; the console reads nothing afterwards. */
  @Override
  public void close() {
    history.stop();
    spool = null;
    HttpServer http = server;
    if (http != null) {
      http.stop(0);
      if (http.getExecutor() instanceof ExecutorService executor) {
        executor.shutdownNow();
      }
    }
  }
}
