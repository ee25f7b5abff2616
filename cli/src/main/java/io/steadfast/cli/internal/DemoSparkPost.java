package io.steadfast.cli.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small SparkPost on the JDK's HTTP server, for {@code steadfast demo outage} and {@code steadfast
 * send --dry-run}: it speaks the real JSON of the two endpoints the SDK calls, {@code POST
 * /api/v1/transmissions} (success {@code {"results": {"total_rejected_recipients", "total_accepted_recipients",
 * "id"}}}, errors {@code {"errors": [{"message"}]}}) and {@code GET /api/v1/events/message} (an {@code
 * injection} event per accepted recipient, carrying the transmission's metadata in {@code rcpt_meta},
 * searchable by {@code from}, {@code to}, {@code recipients} and {@code events} once {@link #eventLag}
 * has passed), and plays a {@link DemoOutage}.
 *
 * <p>It is deliberately not test-support's {@code FakeSparkPost}: it checks no more of a transmission
 * than that it is JSON with the right key, and serves one page of events (the SDK's searches name their
 * recipients, so a page of 1000 is never full here). Tests use {@code FakeSparkPost}.
 *
 * <p>A dropped reply or a connection reset closes the connection after the request was read and before
 * any byte of an answer, so the client cannot know whether SparkPost took the message.
 */
public final class DemoSparkPost implements AutoCloseable {
  private static final String TRANSMISSIONS = "/api/v1/transmissions";
  private static final String EVENTS = "/api/v1/events/message";
  /** The metadata field that carries a message's idempotency key (the SDK's {@code IdempotencyKey.METADATA_FIELD}). */
  private static final String KEY_FIELD = "steadfast_idempotency_key";
  private static final int THREADS = 16;
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /**
   * One transmission the fake accepted.
   *
   * @param id the transmission id it answered with (or would have, for a dropped reply)
   * @param idempotencyKey the message's idempotency key, or {@code null} if it carried none
   * @param receivedAt when it arrived, on the system clock
   * @param body the request body as sent
   */
  public record Transmission(String id, @Nullable String idempotencyKey, Instant receivedAt, JsonNode body) {}

  /** An {@code injection} event, visible to searches from {@code visibleAt}. */
  private record Event(String rcptTo, Instant timestamp, Instant visibleAt, Map<String, Object> wire) {}

  static {
    // The JDK's server writes the headers and the body of an answer separately; with Nagle's algorithm
    // on, the body then waits for the client's delayed ACK (40 ms on Linux), which caps a keep-alive
    // connection at 25 answers a second and made the demo's recovery drain ten times slower than on
    // WireMock. The server reads this once, when it first starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final String apiKey;
  private final HttpServer server;
  private final ExecutorService threads;
  private final URI baseUrl;
  private final Clock clock = Clock.systemUTC();

  // Guarded by this.
  private final List<Transmission> transmissions = new ArrayList<>();
  private final Map<String, Integer> acceptedByKey = new HashMap<>();
  private final List<Event> events = new ArrayList<>();
  private int requests;
  private int duplicates;
  private long nextId = 70_000_000_000_000_000L;
  private Duration eventLag = Duration.ZERO;
  private DemoOutage.@Nullable Run playing;

  private DemoSparkPost(String apiKey) throws IOException {
    this.apiKey = apiKey;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    AtomicInteger count = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(THREADS, task -> {
      Thread thread = new Thread(task, "demo-sparkpost-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
    this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Starts a fake on a free port of the loopback interface that accepts only {@code apiKey}.
   *
   * @param apiKey the one key it accepts in the {@code Authorization} header
   * @return the running fake; close it to stop it
   * @throws IOException if no port could be bound
   */
  public static DemoSparkPost start(String apiKey) throws IOException {
    Objects.requireNonNull(apiKey, "apiKey");
    return new DemoSparkPost(apiKey);
  }

  /**
   * Returns the base URL, such as {@code http://127.0.0.1:41234}, for {@code Endpoint.custom}.
   *
   * @return the base URL
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * Plays {@code scenario} from now on its clock, replacing whatever played before.
   *
   * @param scenario the outage to play
   */
  public synchronized void play(DemoOutage scenario) {
    Objects.requireNonNull(scenario, "scenario");
    playing = scenario.new Run(scenario.clock().instant());
  }

  /**
   * Returns the name of the phase the playing scenario is in.
   *
   * @return the phase, or empty if nothing plays
   */
  public synchronized Optional<String> currentPhase() {
    DemoOutage.Run run = playing;
    return run == null ? Optional.empty() : Optional.of(run.phase());
  }

  /**
   * Sets how long after acceptance a message's events become visible to searches.
   *
   * @param lag the delay, on the system clock
   */
  public synchronized void eventLag(Duration lag) {
    if (lag.isNegative()) {
      throw new IllegalArgumentException("lag must not be negative but was " + lag);
    }
    this.eventLag = lag;
  }

  /** Forgets every transmission, event and count, stops the scenario and makes events visible at once. */
  public synchronized void reset() {
    transmissions.clear();
    acceptedByKey.clear();
    events.clear();
    requests = 0;
    duplicates = 0;
    eventLag = Duration.ZERO;
    playing = null;
  }

  /**
   * Returns the accepted transmissions, in order of arrival (a dropped reply's included).
   *
   * @return a copy
   */
  public synchronized List<Transmission> transmissions() {
    return List.copyOf(transmissions);
  }

  /**
   * Returns how many times a transmission with {@code idempotencyKey} was accepted.
   *
   * @param idempotencyKey the key
   * @return 0 if never
   */
  public synchronized int transmissionCountFor(String idempotencyKey) {
    return acceptedByKey.getOrDefault(idempotencyKey, 0);
  }

  /**
   * Returns how many accepted transmissions repeated a key accepted before (SparkPost does not deduplicate).
   *
   * @return the number of duplicates
   */
  public synchronized int duplicateCount() {
    return duplicates;
  }

  /**
   * Returns how many distinct keys were accepted.
   *
   * @return the number of keys
   */
  public synchronized int acceptedKeyCount() {
    return acceptedByKey.size();
  }

  /**
   * Returns how many requests the transmissions endpoint saw, answered or not.
   *
   * @return the count
   */
  public synchronized int requestCount() {
    return requests;
  }

  /** Stops the server at once and its threads with it. */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().getPath();
      if (path.length() > 1 && path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      String method = exchange.getRequestMethod();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      if (authorization == null || !apiKey.equals(authorization.strip())) {
        respond(exchange, 401, error("Unauthorized."));
      } else if (path.equals(TRANSMISSIONS) && method.equals("POST")) {
        transmission(exchange, body);
      } else if (path.equals(EVENTS) && method.equals("GET")) {
        respond(exchange, 200, events(exchange.getRequestURI().getRawQuery()));
      } else {
        respond(exchange, 404, error("invalid URI: this fake serves only POST " + TRANSMISSIONS + " and GET " + EVENTS));
      }
    } catch (RuntimeException e) {
      respond(exchange, 500, error("the demo's fake SparkPost failed: " + e));
    } finally {
      // Without a response sent, this closes the connection: the dropped reply and the reset.
      exchange.close();
    }
  }

  private void transmission(HttpExchange exchange, byte[] bytes) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      synchronized (this) {
        requests++;
      }
      respond(exchange, 422, error("Problems parsing request as json"));
      return;
    }
    JsonNode keyNode = root.path("metadata").path(KEY_FIELD);
    String key = keyNode.isString() ? keyNode.stringValue() : exchange.getRequestHeaders().getFirst("Idempotency-Key");
    DemoOutage.Answer answer;
    String id = null;
    synchronized (this) {
      requests++;
      DemoOutage.Run run = playing;
      answer = run == null ? DemoOutage.Answer.ACCEPTED : run.draw();
      if (answer == DemoOutage.Answer.ACCEPTED || answer == DemoOutage.Answer.ACCEPTED_THEN_DROPPED) {
        id = Long.toString(nextId++);
        accept(id, key, root);
      }
    }
    switch (answer) {
      case ACCEPTED -> {
        ObjectNode success = JSON.createObjectNode();
        ObjectNode results = success.putObject("results");
        results.put("total_rejected_recipients", 0);
        results.put("total_accepted_recipients", root.path("recipients").size());
        results.put("id", id);
        respond(exchange, 200, success);
      }
      case SERVER_ERROR_500 -> respond(exchange, 500, error("Internal Server Error"));
      case SERVER_ERROR_502 -> respond(exchange, 502, error("Bad Gateway"));
      case SERVER_ERROR_503 -> respond(exchange, 503, error("Service Unavailable"));
      case SERVER_ERROR_504 -> respond(exchange, 504, error("Gateway Timeout"));
      case RATE_LIMITED -> {
        exchange.getResponseHeaders().set("Retry-After", "0");
        respond(exchange, 429, error("Too many requests"));
      }
      // No answer at all: handle() closes the connection.
      case ACCEPTED_THEN_DROPPED, CONNECTION_RESET -> { }
      default -> throw new AssertionError(answer);
    }
  }

  /** Records an accepted transmission and an {@code injection} event per recipient. Guarded by this. */
  private void accept(String id, @Nullable String key, JsonNode root) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    transmissions.add(new Transmission(id, key, now, root));
    if (key != null && acceptedByKey.merge(key, 1, Integer::sum) > 1) {
      duplicates++;
    }
    JsonNode metadata = root.path("metadata").isObject() ? root.get("metadata") : JSON.createObjectNode();
    for (JsonNode recipient : root.path("recipients").values()) {
      JsonNode address = recipient.path("address");
      String email = address.isString() ? address.stringValue() : address.path("email").asString("");
      if (email.isEmpty()) {
        continue;
      }
      Map<String, Object> wire = new LinkedHashMap<>();
      wire.put("type", "injection");
      wire.put("event_id", Long.toString(nextId++));
      wire.put("timestamp", TIMESTAMP.format(now));
      wire.put("injection_time", TIMESTAMP.format(now));
      wire.put("transmission_id", id);
      wire.put("message_id", UUID.randomUUID().toString().replace("-", "").substring(0, 20));
      wire.put("rcpt_to", email.toLowerCase(Locale.ROOT));
      wire.put("raw_rcpt_to", email);
      wire.put("rcpt_meta", metadata);
      wire.put("rcpt_tags", List.of());
      wire.put("recv_method", "rest");
      events.add(new Event(email.toLowerCase(Locale.ROOT), now, now.plus(eventLag), wire));
    }
  }

  /** Answers a search: the visible events in [from, to) of the listed recipients and types, newest first. */
  private ObjectNode events(@Nullable String query) {
    Map<String, String> parameters = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0) {
          parameters.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
        }
      }
    }
    Instant now = clock.instant();
    Instant to = instant(parameters.get("to"), now.plusMillis(1));
    Instant from = instant(parameters.get("from"), to.minus(Duration.ofHours(24)));
    Set<String> recipients = list(parameters.get("recipients"));
    Set<String> types = list(parameters.get("events"));
    List<Event> matching = new ArrayList<>();
    synchronized (this) {
      for (Event event : events) {
        if (!event.visibleAt().isAfter(now) && !event.timestamp().isBefore(from) && event.timestamp().isBefore(to)
            && (recipients.isEmpty() || recipients.contains(event.rcptTo()))
            && (types.isEmpty() || types.contains("injection"))) {
          matching.add(event);
        }
      }
    }
    matching.sort(Comparator.comparing(Event::timestamp).reversed());
    ObjectNode root = JSON.createObjectNode();
    ArrayNode results = root.putArray("results");
    matching.forEach(event -> results.add(JSON.valueToTree(event.wire())));
    root.put("total_count", matching.size());
    root.putObject("links");
    return root;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static Instant instant(@Nullable String text, Instant otherwise) {
    if (text == null) {
      return otherwise;
    }
    try {
      return OffsetDateTime.parse(text.strip()).toInstant();
    } catch (DateTimeParseException e) {
      return otherwise;
    }
  }

  private static Set<String> list(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return Set.of();
    }
    Set<String> items = new HashSet<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.strip().toLowerCase(Locale.ROOT));
      }
    }
    return items;
  }

  private static ObjectNode error(String message) {
    ObjectNode root = JSON.createObjectNode();
    root.putArray("errors").addObject().put("message", message);
    return root;
  }

  private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("X-SparkPost-Request-Id", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
