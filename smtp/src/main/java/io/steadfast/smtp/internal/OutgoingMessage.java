package io.steadfast.smtp.internal;

import java.util.List;

/**
 * A message ready for the SMTP dialogue: its envelope and its MIME content, built before a connection
 * is taken from the pool.
 *
 * @param envelopeFrom the {@code MAIL FROM} address (the return path, else the sender)
 * @param recipients the {@code RCPT TO} addresses: To, Cc and Bcc, each once, in message order
 * @param content the MIME message with CRLF line endings, before dot-stuffing; never modified
 * @param messageId the {@code Message-ID} header value, angle brackets included
 * @param metadataBytes the size of the X-MSYS-API metadata as JSON
 */
record OutgoingMessage(String envelopeFrom, List<String> recipients, byte[] content, String messageId,
    int metadataBytes) {

  OutgoingMessage {
    recipients = List.copyOf(recipients);
  }

  /** Returns the envelope and size; never the content or the recipients' addresses. */
  @Override
  public String toString() {
    return "OutgoingMessage[recipients=" + recipients.size() + ", bytes=" + content.length + ", messageId="
        + messageId + "]";
  }
}
