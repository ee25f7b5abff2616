package io.steadfast.smtp.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One reply from the SMTP server, as Angus Mail read it.
 *
 * @param step the step the reply answered
 * @param code the three-digit reply code, or -1 if the connection ended ({@code [EOF]}) or the reply
 *     had no code
 * @param text the reply as received, all lines, each ending in {@code \n}
 */
record SmtpReply(Step step, int code, String text) {

  /** The longest server text kept in a failure; a reply is a line or two, anything longer is noise. */
  private static final int MAX_MESSAGE_LENGTH = 300;

  /** RFC 3463 enhanced status code at the start of the text, e.g. {@code 5.7.1}. */
  private static final Pattern ENHANCED = Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3})(?:\\s|$)");

  /** Postfix and others: {@code 250 2.0.0 Ok: queued as 4FJ3N52Z1Sz9sWK}. */
  private static final Pattern QUEUED_AS = Pattern.compile("queued as ([A-Za-z0-9][A-Za-z0-9/._:-]*)",
      Pattern.CASE_INSENSITIVE);

  /** A token that looks like a queue id: long enough, has a digit, e.g. Momentum's {@code 0A/1B-12345-67890ABC}. */
  private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9/._:-]{5,}");

  /** Returns whether the connection ended instead of replying. */
  boolean isEof() {
    return code == -1 && text.startsWith("[EOF]");
  }

  boolean isPositive() {
    return code >= 200 && code < 300;
  }

  boolean isTransient() {
    return code >= 400 && code < 500;
  }

  boolean isPermanent() {
    return code >= 500 && code < 600;
  }

  /** Returns the RFC 3463 enhanced status code of the first line, e.g. {@code 5.7.1}, if there is one. */
  @Nullable String enhancedCode() {
    Matcher matcher = ENHANCED.matcher(firstLineText());
    return matcher.find() ? matcher.group(1) : null;
  }

  /**
   * Returns the server's words without the codes, lines joined by a space, control characters
   * replaced and at most 300 characters, e.g. {@code Unconfigured Sending Domain <example.com>}.
   */
  String message() {
    StringBuilder message = new StringBuilder();
    for (String line : text.split("\n")) {
      String words = stripCodes(line).strip();
      if (!words.isEmpty()) {
        if (message.length() > 0) {
          message.append(' ');
        }
        message.append(words);
      }
    }
    StringBuilder clean = new StringBuilder(Math.min(message.length(), MAX_MESSAGE_LENGTH + 3));
    for (int i = 0; i < message.length() && i < MAX_MESSAGE_LENGTH; i++) {
      char c = message.charAt(i);
      clean.append(c < ' ' || c == 0x7f ? '?' : c);
    }
    if (message.length() > MAX_MESSAGE_LENGTH) {
      clean.append("...");
    }
    return clean.toString();
  }

  /**
   * Returns the queue id in a {@code 250} reply to the end of DATA, e.g. {@code 0A/1B-12345-67890ABC}
   * from Momentum's {@code 250 2.0.0 OK 0A/1B-12345-67890ABC}, if the reply names one.
   */
  @Nullable String queueId() {
    String words = stripCodes(firstLine()).strip();
    Matcher queued = QUEUED_AS.matcher(words);
    if (queued.find()) {
      return queued.group(1);
    }
    String[] tokens = words.split("\\s+");
    String last = tokens[tokens.length - 1];
    if (last.regionMatches(true, 0, "id=", 0, 3)) {
      last = last.substring(3); // Exim: 250 OK id=1qB2c3-000Abc-DE
    }
    if (QUEUE_ID.matcher(last).matches() && last.chars().anyMatch(Character::isDigit)) {
      return last;
    }
    return null;
  }

  private String firstLine() {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private String firstLineText() {
    String line = firstLine();
    return line.length() > 4 ? line.substring(4) : "";
  }

  private static String stripCodes(String line) {
    boolean coded = line.length() >= 3 && Character.isDigit(line.charAt(0)) && Character.isDigit(line.charAt(1))
        && Character.isDigit(line.charAt(2));
    String words = coded ? line.substring(Math.min(4, line.length())) : line;
    Matcher matcher = ENHANCED.matcher(words);
    return matcher.find() ? words.substring(matcher.end()) : words;
  }
}
