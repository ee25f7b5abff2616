package io.steadfast.testing.smtp;

import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * What {@link ScriptedSmtpServer} does at a phase instead of its normal answer: send another reply,
 * drop the connection, stall, or wait for the test before answering normally.
 *
 * <pre>{@code
 * server.on(SmtpPhase.RCPT, SmtpAction.reply("550 5.7.1 Relaying denied"));
 * server.on(SmtpPhase.END_OF_DATA, SmtpAction.drop());
 * }</pre>
 */
public final class SmtpAction {

  enum Kind { REPLY, DROP, ACCEPT_THEN_DROP, STALL, WAIT }

  private final Kind kind;
  private final String reply;
  private final CountDownLatch gate;

  private SmtpAction(Kind kind, String reply, CountDownLatch gate) {
    this.kind = kind;
    this.reply = reply;
    this.gate = gate;
  }

  /**
   * Answers with {@code reply}, e.g. {@code "550 5.7.1 Unconfigured Sending Domain"}. Separate the
   * lines of a multi-line reply with {@code \n} and write each in full ({@code "250-first\n250 last"}).
   * A {@code 421} reply is followed by closing the connection, as RFC 5321 section 3.8 describes.
   *
   * @param reply the reply lines
   * @return the action
   * @throws IllegalArgumentException if the reply does not start with a three-digit code
   */
  public static SmtpAction reply(String reply) {
    Objects.requireNonNull(reply, "reply");
    if (reply.length() < 3 || !Character.isDigit(reply.charAt(0)) || !Character.isDigit(reply.charAt(1))
        || !Character.isDigit(reply.charAt(2))) {
      throw new IllegalArgumentException("reply must start with a three-digit code but was '" + reply + "'");
    }
    return new SmtpAction(Kind.REPLY, reply, null);
  }

  /**
   * Closes the connection without answering.
   *
   * @return the action
   */
  public static SmtpAction drop() {
    return new SmtpAction(Kind.DROP, null, null);
  }

  /**
   * At {@link SmtpPhase#END_OF_DATA}: takes the message as accepted (recorded, and reported as an
   * injection to the fake given to {@link ScriptedSmtpServer#reportInjectionsTo}), then closes the
   * connection without the 250 reply, so the client cannot know: an unknown outcome that
   * SparkPost's events settle. In any other phase it is the same as {@link #drop()}.
   *
   * @return the action
   */
  public static SmtpAction acceptThenDrop() {
    return new SmtpAction(Kind.ACCEPT_THEN_DROP, null, null);
  }

  /**
   * Never answers: keeps the connection open, reading and ignoring input, until the client gives up.
   *
   * @return the action
   */
  public static SmtpAction stall() {
    return new SmtpAction(Kind.STALL, null, null);
  }

  /**
   * Waits until {@code gate} opens, then answers normally; see {@link
   * ScriptedSmtpServer#awaitWaiting}. Lets a test hold connections busy without sleeping.
   *
   * @param gate the latch that releases the answer
   * @return the action
   */
  public static SmtpAction waitFor(CountDownLatch gate) {
    return new SmtpAction(Kind.WAIT, null, Objects.requireNonNull(gate, "gate"));
  }

  Kind kind() {
    return kind;
  }

  String replyText() {
    return reply;
  }

  CountDownLatch gate() {
    return gate;
  }

  @Override
  public String toString() {
    return kind == Kind.REPLY ? "reply(" + reply + ")" : kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
