package io.steadfast.testing.smtp;

/**
 * A point in the SMTP dialogue where {@link ScriptedSmtpServer} answers, and so where a test can
 * script a different answer.
 */
public enum SmtpPhase {
  /** The server's greeting when the connection opens (normally {@code 220}). */
  GREETING,
  /** The reply to {@code EHLO} or {@code HELO}, which lists the extensions offered. */
  EHLO,
  /** The reply to {@code STARTTLS} (normally {@code 220}, then the TLS handshake). */
  STARTTLS,
  /** The final reply to {@code AUTH}, after the credentials arrived (normally {@code 235}). */
  AUTH,
  /** The reply to {@code MAIL FROM} (normally {@code 250}). */
  MAIL,
  /** The reply to {@code RCPT TO} (normally {@code 250}). */
  RCPT,
  /** The reply to the {@code DATA} command itself (normally {@code 354}). */
  DATA,
  /** The reply after the content's final {@code .} line: the answer that says "sent" (normally {@code 250}). */
  END_OF_DATA,
  /** The reply to {@code NOOP}. */
  NOOP,
  /** The reply to {@code RSET}. */
  RSET
}
