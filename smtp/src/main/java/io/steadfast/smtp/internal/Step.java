package io.steadfast.smtp.internal;

import org.jspecify.annotations.Nullable;

/** The steps of one SMTP attempt, in order; where a failure happened decides what it means. */
enum Step {
  CONNECT("connecting"),
  GREETING("the greeting"),
  EHLO("EHLO"),
  STARTTLS("STARTTLS"),
  TLS_HANDSHAKE("the TLS handshake"),
  AUTH("AUTH LOGIN"),
  MAIL("MAIL FROM"),
  RCPT("RCPT TO"),
  DATA("DATA"),
  CONTENT("sending the message content"),
  END_OF_DATA("the end of DATA"),
  NOOP("NOOP"),
  RSET("RSET"),
  QUIT("QUIT");

  private final String description;

  Step(String description) {
    this.description = description;
  }

  /** Returns the step as a failure message names it, e.g. {@code RCPT TO}. */
  String description() {
    return description;
  }

  /** Returns the step a command starts, or {@code null} for a line that is not a command we track. */
  static @Nullable Step ofCommand(String command) {
    String verb = command.length() >= 4 ? command.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : command;
    return switch (verb) {
      case "EHLO", "HELO" -> EHLO;
      case "STAR" -> STARTTLS;
      case "AUTH" -> AUTH;
      case "MAIL" -> MAIL;
      case "RCPT" -> RCPT;
      case "DATA" -> DATA;
      case "NOOP" -> NOOP;
      case "RSET" -> RSET;
      case "QUIT" -> QUIT;
      default -> command.equals(".") ? END_OF_DATA : null;
    };
  }
}
