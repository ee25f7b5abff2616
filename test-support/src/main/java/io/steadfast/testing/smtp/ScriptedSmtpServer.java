package io.steadfast.testing.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import io.steadfast.testing.FakeSparkPost;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP server on a real loopback socket whose every answer a test can script: any reply code at
 * any phase, a dropped connection, a stall, a missing {@code STARTTLS}. It records what it received,
 * including whether a client sent credentials before TLS was in place.
 *
 * <p>Normally it behaves like SparkPost's SMTP injection endpoint: it offers {@code STARTTLS} with
 * {@link TestCertificates#serverKeyStore()}, {@code AUTH LOGIN} (and {@code PLAIN}) with any
 * credentials, and accepts every message with {@code 250 2.0.0 OK <queue id>}. It advertises {@code
 * AUTH} even before TLS, so a test can prove the client does not take the bait.
 *
 * <pre>{@code
 * try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
 *   server.on(SmtpPhase.RCPT, SmtpAction.reply("550 5.7.1 Relaying denied"));
 *   // point the client under test at server.host() and server.port(), trusting
 *   // TestCertificates.trustStore(), and send one message
 *   assertThat(server.messages()).isEmpty();
 *   assertThat(server.sessions().get(0).authBeforeTls()).isFalse();
 * }
 * }</pre>
 *
 * <p>Scripted actions come from a one-shot queue per phase ({@link #enqueue}) first, then from the
 * standing rule ({@link #on}); recipient rules ({@link #onRecipient}) come before both for {@code
 * RCPT}. Instances are thread-safe: clients may connect from many threads while the test scripts and
 * inspects. Only the JDK is used, so the server works in any test class path.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

  private static final String HOST_NAME = "scripted.test";

  private final ServerSocket serverSocket;
  private final Thread acceptor;

  /** Guarded by {@code this}. */
  private final Map<SmtpPhase, SmtpAction> rules = new EnumMap<>(SmtpPhase.class);
  /** Guarded by {@code this}. */
  private final Map<SmtpPhase, Deque<SmtpAction>> queued = new EnumMap<>(SmtpPhase.class);
  /** Guarded by {@code this}. */
  private final Map<String, SmtpAction> recipientRules = new LinkedHashMap<>();
  /** Guarded by {@code this}. */
  private boolean offerStartTls = true;
  /** Guarded by {@code this}. */
  private boolean offerAuth = true;
  /** Guarded by {@code this}. */
  private SSLContext tlsContext = TestCertificates.serverContext(TestCertificates.serverKeyStore());
  /** Guarded by {@code this}. */
  private final List<Session> sessions = new ArrayList<>();
  /** Guarded by {@code this}. */
  private final List<RecordedSmtpMessage> messages = new ArrayList<>();
  /** Guarded by {@code this}. */
  private int open;
  /** Guarded by {@code this}. */
  private int maxOpen;
  /** Guarded by {@code this}. */
  private int waiting;
  /** Guarded by {@code this}. */
  private boolean closed;
  /** Where accepted messages are recorded as SMTP injection events, or {@code null}. Guarded by {@code this}. */
  private FakeSparkPost injections;

  private ScriptedSmtpServer(ServerSocket serverSocket) {
    this.serverSocket = serverSocket;
    this.acceptor = new Thread(this::acceptLoop, "scripted-smtp-accept-" + serverSocket.getLocalPort());
    acceptor.setDaemon(true);
  }

  /**
   * Starts a server on an ephemeral loopback port.
   *
   * @return the running server
   * @throws UncheckedIOException if no port can be opened
   */
  public static ScriptedSmtpServer start() {
    try {
      ServerSocket socket = new ServerSocket();
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      ScriptedSmtpServer server = new ScriptedSmtpServer(socket);
      server.acceptor.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback port for the scripted SMTP server", e);
    }
  }

  /**
   * Returns the address to connect to, a loopback IP literal such as {@code 127.0.0.1}.
   *
   * @return the host address
   */
  public String host() {
    return serverSocket.getInetAddress().getHostAddress();
  }

  /**
   * Returns the port to connect to.
   *
   * @return the port
   */
  public int port() {
    return serverSocket.getLocalPort();
  }

  /**
   * Makes {@code action} the answer at {@code phase} on every connection until changed; returns this.
   *
   * @param phase the phase to script
   * @param action what to do there
   * @return this server
   */
  public synchronized ScriptedSmtpServer on(SmtpPhase phase, SmtpAction action) {
    rules.put(Objects.requireNonNull(phase, "phase"), Objects.requireNonNull(action, "action"));
    return this;
  }

  /**
   * Adds {@code action} as the answer at the next occurrence of {@code phase}, on any connection; returns this.
   *
   * @param phase the phase to script
   * @param action what to do there
   * @return this server
   */
  public synchronized ScriptedSmtpServer enqueue(SmtpPhase phase, SmtpAction action) {
    queued.computeIfAbsent(Objects.requireNonNull(phase, "phase"), p -> new ArrayDeque<>())
        .add(Objects.requireNonNull(action, "action"));
    return this;
  }

  /**
   * Makes {@code action} the answer to {@code RCPT TO} for {@code address} (case-insensitive); returns this.
   *
   * @param address the recipient address
   * @param action what to do there
   * @return this server
   */
  public synchronized ScriptedSmtpServer onRecipient(String address, SmtpAction action) {
    recipientRules.put(address.toLowerCase(Locale.ROOT), Objects.requireNonNull(action, "action"));
    return this;
  }

  /**
   * Removes every scripted action, so the server answers normally again; returns this.
   *
   * @return this server
   */
  public synchronized ScriptedSmtpServer reset() {
    rules.clear();
    queued.clear();
    recipientRules.clear();
    return this;
  }

  /**
   * Sets whether {@code EHLO} offers {@code STARTTLS} (it does unless told otherwise); returns this.
   *
   * @param offer whether to offer it
   * @return this server
   */
  public synchronized ScriptedSmtpServer offerStartTls(boolean offer) {
    this.offerStartTls = offer;
    return this;
  }

  /**
   * Sets whether {@code EHLO} offers {@code AUTH LOGIN PLAIN} (it does unless told otherwise); returns this.
   *
   * @param offer whether to offer it
   * @return this server
   */
  public synchronized ScriptedSmtpServer offerAuth(boolean offer) {
    this.offerAuth = offer;
    return this;
  }

  /**
   * Presents the certificate in {@code keyStore} (password {@link TestCertificates#PASSWORD}) after
   * {@code STARTTLS}, e.g. {@link TestCertificates#wrongHostKeyStore()}; returns this.
   *
   * @param keyStore the key store holding the certificate and key
   * @return this server
   */
  public synchronized ScriptedSmtpServer certificate(KeyStore keyStore) {
    this.tlsContext = TestCertificates.serverContext(Objects.requireNonNull(keyStore, "keyStore"));
    return this;
  }

  /**
   * Records every message this server accepts from now on in {@code fake}'s event store, as
   * SparkPost's SMTP injection would: {@link FakeSparkPost#recordSmtpInjection} with the message's
   * {@code X-MSYS-API} header and its accepted envelope recipients, so the fake's Events API finds
   * {@code esmtp} injections carrying the header's metadata. Returns this.
   *
   * <p>A message whose {@code X-MSYS-API} header is not a JSON object produces no events (SparkPost
   * would have refused it with {@code 550 5.6.0}, which a test can script with {@link #on}).
   *
   * @param fake the fake whose Events API should report the messages
   * @return this server
   */
  public synchronized ScriptedSmtpServer reportInjectionsTo(FakeSparkPost fake) {
    this.injections = Objects.requireNonNull(fake, "fake");
    return this;
  }

  /**
   * Returns a snapshot of every connection so far, in the order they were accepted.
   *
   * @return an unmodifiable snapshot
   */
  public synchronized List<RecordedSmtpSession> sessions() {
    List<RecordedSmtpSession> snapshot = new ArrayList<>(sessions.size());
    for (Session session : sessions) {
      snapshot.add(session.snapshot());
    }
    return List.copyOf(snapshot);
  }

  /**
   * Returns the messages accepted so far, in order.
   *
   * @return an unmodifiable snapshot
   */
  public synchronized List<RecordedSmtpMessage> messages() {
    return List.copyOf(messages);
  }

  /**
   * Returns how many connections were accepted so far.
   *
   * @return the count
   */
  public synchronized int connectionCount() {
    return sessions.size();
  }

  /**
   * Returns how many connections are open now.
   *
   * @return the count
   */
  public synchronized int openConnections() {
    return open;
  }

  /**
   * Returns the most connections that were open at the same time.
   *
   * @return the count
   */
  public synchronized int maxOpenConnections() {
    return maxOpen;
  }

  /**
   * Waits until {@code count} connections are held by {@link SmtpAction#waitFor} at once.
   *
   * @param count the number of connections
   * @param timeout how long to wait at most
   * @return whether that happened within {@code timeout}
   * @throws InterruptedException if the waiting thread is interrupted
   */
  /** Waits, holding this server's lock between looks, until {@code condition} holds or {@code timeout} passes. */
  private synchronized boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  public synchronized boolean awaitWaiting(int count, Duration timeout) throws InterruptedException {
    return await(() -> waiting >= count, timeout);
  }

  /**
   * Waits until at least {@code count} messages were accepted. The server records a message just after
   * it sent its {@code 250}, so a client may hear of the acceptance before {@link #messages()} shows it.
   *
   * @param count the number of messages
   * @param timeout how long to wait at most
   * @return whether that happened within {@code timeout}
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public synchronized boolean awaitMessages(int count, Duration timeout) throws InterruptedException {
    return await(() -> messages.size() >= count, timeout);
  }

  /**
   * Waits until exactly {@code count} connections are open, e.g. 0 after a client closed its
   * connection.
   *
   * @param count the number of connections
   * @param timeout how long to wait at most
   * @return whether that happened within {@code timeout}
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public synchronized boolean awaitOpenConnections(int count, Duration timeout) throws InterruptedException {
    return await(() -> open == count, timeout);
  }

  /**
   * Closes every open connection from the server's side, as SparkPost does to a connection idle for
   * a minute; the client finds out on its next read or write.
   */
  public void dropAllConnections() {
    List<Session> live;
    synchronized (this) {
      live = new ArrayList<>(sessions);
    }
    for (Session session : live) {
      session.closeSocket();
    }
  }

  /** Stops accepting, closes every connection and waits briefly for the connection threads. */
  @Override
  public void close() {
    List<Session> live;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      live = new ArrayList<>(sessions);
      notifyAll();
    }
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // Closing is best effort; the port is released either way.
    }
    for (Session session : live) {
      session.closeSocket();
      session.thread.interrupt();
    }
    try {
      acceptor.join(2_000);
      for (Session session : live) {
        session.thread.join(2_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ScriptedSmtpServer[" + host() + ":" + port() + "]";
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return; // closed
      }
      Session session;
      synchronized (this) {
        if (closed) {
          closeQuietly(socket);
          return;
        }
        session = new Session(sessions.size(), socket);
        sessions.add(session);
        open++;
        maxOpen = Math.max(maxOpen, open);
        notifyAll();
      }
      session.thread.start();
    }
  }

  private synchronized SmtpAction scripted(SmtpPhase phase, String recipient) {
    if (recipient != null) {
      SmtpAction byRecipient = recipientRules.get(recipient.toLowerCase(Locale.ROOT));
      if (byRecipient != null) {
        return byRecipient;
      }
    }
    Deque<SmtpAction> queue = queued.get(phase);
    if (queue != null && !queue.isEmpty()) {
      return queue.poll();
    }
    return rules.get(phase);
  }

  private synchronized void sessionEnded() {
    open--;
    notifyAll();
  }

  private synchronized void waitingChanged(int delta) {
    waiting += delta;
    notifyAll();
  }

  private void accepted(RecordedSmtpMessage message) {
    FakeSparkPost sink;
    synchronized (this) {
      messages.add(message);
      sink = injections;
      notifyAll();
    }
    if (sink != null) {
      String header = message.header("X-MSYS-API");
      try {
        // Outside this server's lock: the fake takes its own.
        sink.recordSmtpInjection(header == null ? "" : header, message.recipients());
      } catch (IllegalArgumentException malformedHeader) {
        // SparkPost would not have accepted it, so it has no events (see reportInjectionsTo).
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing useful to do: the socket is gone either way.
    }
  }

  private static String between(String line, char open, char close) {
    int start = line.indexOf(open);
    int end = line.indexOf(close, start + 1);
    if (start < 0 || end < 0) {
      int colon = line.indexOf(':');
      return colon < 0 ? "" : line.substring(colon + 1).trim();
    }
    return line.substring(start + 1, end);
  }

  /** One connection: its thread, its socket and what it recorded. */
  private final class Session {
    final int index;
    final Thread thread;
    /** Guarded by {@code this}. */
    private Socket socket;
    /** Guarded by {@code this}. */
    private final List<String> commands = new ArrayList<>();
    /** Guarded by {@code this}. */
    private boolean tls;
    /** Guarded by {@code this}. */
    private boolean authAttempted;
    /** Guarded by {@code this}. */
    private boolean authBeforeTls;
    /** Guarded by {@code this}. */
    private String authUser;
    /** Guarded by {@code this}. */
    private String authPassword;
    /** Guarded by {@code this}. */
    private boolean open = true;

    private InputStream in;
    private OutputStream out;
    private int messageCount;

    Session(int index, Socket socket) {
      this.index = index;
      this.socket = socket;
      this.thread = new Thread(this::run, "scripted-smtp-session-" + index);
      thread.setDaemon(true);
    }

    synchronized RecordedSmtpSession snapshot() {
      return new RecordedSmtpSession(index, commands, tls, authAttempted, authBeforeTls, authUser, authPassword, open);
    }

    synchronized void closeSocket() {
      closeQuietly(socket);
    }

    private synchronized void record(String command) {
      commands.add(command);
    }

    private void run() {
      try {
        bindStreams();
        serve();
      } catch (IOException | RuntimeException e) {
        // A client that vanished or a socket closed by the test ends the session; nothing to report.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        synchronized (this) {
          open = false;
          closeQuietly(socket);
        }
        sessionEnded();
      }
    }

    private void bindStreams() throws IOException {
      Socket current;
      synchronized (this) {
        current = socket;
      }
      in = new java.io.BufferedInputStream(current.getInputStream());
      out = current.getOutputStream();
    }

    private void serve() throws IOException, InterruptedException {
      if (answer(SmtpPhase.GREETING, null, "220 " + HOST_NAME + " ESMTP ScriptedSmtpServer") < 0) {
        return;
      }
      String mailFrom = null;
      List<String> recipients = new ArrayList<>();
      while (true) {
        String line = SmtpLines.readText(in);
        if (line == null) {
          return;
        }
        String verb = verb(line);
        record(verb.equals("AUTH") ? redactAuth(line) : line);
        switch (verb) {
          case "EHLO", "HELO" -> {
            if (answer(SmtpPhase.EHLO, null, ehloReply(verb)) < 0) {
              return;
            }
          }
          case "STARTTLS" -> {
            if (!startTls()) {
              return;
            }
          }
          case "AUTH" -> {
            if (!auth(line)) {
              return;
            }
          }
          case "MAIL" -> {
            mailFrom = between(line, '<', '>');
            recipients.clear();
            if (answer(SmtpPhase.MAIL, null, "250 2.1.0 Ok") < 0) {
              return;
            }
          }
          case "RCPT" -> {
            String recipient = between(line, '<', '>');
            int code = answer(SmtpPhase.RCPT, recipient, "250 2.1.5 Ok");
            if (code < 0) {
              return;
            }
            if (code / 100 == 2) {
              recipients.add(recipient);
            }
          }
          case "DATA" -> {
            int code = answer(SmtpPhase.DATA, null, "354 End data with <CR><LF>.<CR><LF>");
            if (code < 0) {
              return;
            }
            if (code == 354) {
              String data = readData();
              if (data == null) {
                return;
              }
              messageCount++;
              String queueId = String.format(Locale.ROOT, "%02d/%02d-%05d-%08X", index % 100, messageCount % 100,
                  index, messageCount);
              int end = answer(SmtpPhase.END_OF_DATA, null, "250 2.0.0 OK " + queueId);
              if (end / 100 == 2 || end == ACCEPTED_THEN_DROPPED) {
                accepted(new RecordedSmtpMessage(index, mailFrom == null ? "" : mailFrom, recipients, data, queueId));
              }
              mailFrom = null;
              recipients.clear();
              if (end < 0) {
                return;
              }
            }
          }
          case "NOOP" -> {
            if (answer(SmtpPhase.NOOP, null, "250 2.0.0 Ok") < 0) {
              return;
            }
          }
          case "RSET" -> {
            mailFrom = null;
            recipients.clear();
            if (answer(SmtpPhase.RSET, null, "250 2.0.0 Ok") < 0) {
              return;
            }
          }
          case "QUIT" -> {
            SmtpLines.write(out, "221 2.0.0 Bye");
            return;
          }
          default -> SmtpLines.write(out, "502 5.5.2 Error: command not recognized");
        }
      }
    }

    private String ehloReply(String verb) {
      boolean offerTls;
      boolean auth;
      boolean inTls;
      synchronized (ScriptedSmtpServer.this) {
        offerTls = offerStartTls;
        auth = offerAuth;
      }
      synchronized (this) {
        inTls = tls;
      }
      if (verb.equals("HELO")) {
        return "250 " + HOST_NAME;
      }
      List<String> lines = new ArrayList<>();
      lines.add(HOST_NAME + " Hello");
      lines.add("8BITMIME");
      lines.add("ENHANCEDSTATUSCODES");
      if (offerTls && !inTls) {
        lines.add("STARTTLS");
      }
      if (auth) {
        lines.add("AUTH LOGIN PLAIN");
      }
      StringBuilder reply = new StringBuilder();
      for (int i = 0; i < lines.size(); i++) {
        reply.append(i == lines.size() - 1 ? "250 " : "250-").append(lines.get(i));
        if (i < lines.size() - 1) {
          reply.append('\n');
        }
      }
      return reply.toString();
    }

    private boolean startTls() throws IOException, InterruptedException {
      boolean offered;
      SSLContext context;
      synchronized (ScriptedSmtpServer.this) {
        offered = offerStartTls;
        context = tlsContext;
      }
      boolean inTls;
      synchronized (this) {
        inTls = tls;
      }
      if (!offered || inTls) {
        SmtpLines.write(out, "502 5.5.1 STARTTLS not offered");
        return true;
      }
      int code = answer(SmtpPhase.STARTTLS, null, "220 2.0.0 Ready to start TLS");
      if (code != 220) {
        return code >= 0;
      }
      Socket plain;
      synchronized (this) {
        plain = socket;
      }
      SSLSocket secure = (SSLSocket) context.getSocketFactory()
          .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
      secure.setUseClientMode(false);
      synchronized (this) {
        socket = secure;
      }
      secure.startHandshake(); // a client that refuses the certificate ends the session here
      synchronized (this) {
        tls = true;
      }
      bindStreams();
      return true;
    }

    private boolean auth(String line) throws IOException, InterruptedException {
      String[] parts = line.trim().split("\\s+");
      String mechanism = parts.length > 1 ? parts[1].toUpperCase(Locale.ROOT) : "";
      String user;
      String password;
      if (mechanism.equals("LOGIN")) {
        String first = parts.length > 2 ? parts[2] : challenge("334 VXNlcm5hbWU6");
        if (first == null) {
          return false;
        }
        user = decode(first);
        String second = challenge("334 UGFzc3dvcmQ6");
        if (second == null) {
          return false;
        }
        password = decode(second);
      } else if (mechanism.equals("PLAIN")) {
        String response = parts.length > 2 ? parts[2] : challenge("334 ");
        if (response == null) {
          return false;
        }
        String[] fields = decode(response).split("\u0000", -1);
        user = fields.length > 1 ? fields[1] : "";
        password = fields.length > 2 ? fields[2] : "";
      } else {
        SmtpLines.write(out, "504 5.5.4 Unrecognized authentication type");
        return true;
      }
      synchronized (this) {
        authAttempted = true;
        authBeforeTls |= !tls;
        authUser = user;
        authPassword = password;
      }
      return answer(SmtpPhase.AUTH, null, "235 2.7.0 Authentication successful") >= 0;
    }

    private String challenge(String prompt) throws IOException {
      SmtpLines.write(out, prompt);
      String response = SmtpLines.readText(in);
      if (response != null) {
        record("<credentials>");
      }
      return response;
    }

    /** Returns the content up to the final dot, or {@code null} if the connection ended first. */
    private String readData() throws IOException {
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      while (true) {
        byte[] line = SmtpLines.readLine(in);
        if (line == null) {
          return null;
        }
        if (line.length == 1 && line[0] == '.') {
          return data.toString(StandardCharsets.UTF_8);
        }
        int start = line.length > 0 && line[0] == '.' ? 1 : 0; // RFC 5321 4.5.2 transparency
        data.write(line, start, line.length - start);
        data.write('\r');
        data.write('\n');
      }
    }

    /** What {@link #answer} returns when the message was taken and the connection then closed unanswered. */
    private static final int ACCEPTED_THEN_DROPPED = -2;

    /**
     * Answers at {@code phase}, scripted or normally.
     *
     * @return the reply code sent, -1 if the connection was dropped or stalled until it ended, or
     *     {@link #ACCEPTED_THEN_DROPPED}
     */
    private int answer(SmtpPhase phase, String recipient, String normal) throws IOException, InterruptedException {
      SmtpAction action = scripted(phase, recipient);
      if (action == null) {
        return send(normal);
      }
      switch (action.kind()) {
        case REPLY:
          return send(action.replyText());
        case DROP:
          closeSocket();
          return -1;
        case ACCEPT_THEN_DROP:
          closeSocket();
          return phase == SmtpPhase.END_OF_DATA ? ACCEPTED_THEN_DROPPED : -1;
        case STALL:
          // Read and ignore until the client gives up or the test closes the server.
          while (in.read() != -1) {
            // discard
          }
          return -1;
        case WAIT:
          waitingChanged(1);
          try {
            action.gate().await();
          } finally {
            waitingChanged(-1);
          }
          return send(normal);
        default:
          throw new IllegalStateException("unknown action " + action);
      }
    }

    private int send(String reply) throws IOException {
      try {
        SmtpLines.write(out, reply);
      } catch (SocketException e) {
        return -1;
      }
      int code = SmtpLines.code(reply);
      if (code == 421) {
        closeSocket(); // RFC 5321 3.8: the server closes the channel after 421
        return -1;
      }
      return code;
    }
  }

  private static String verb(String line) {
    int space = line.indexOf(' ');
    String verb = space < 0 ? line : line.substring(0, space);
    return verb.toUpperCase(Locale.ROOT);
  }

  private static String redactAuth(String line) {
    String[] parts = line.trim().split("\\s+");
    return parts.length > 2 ? parts[0] + " " + parts[1] + " <credentials>" : line;
  }

  private static String decode(String base64) {
    try {
      return new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "<not base64>";
    }
  }
}
