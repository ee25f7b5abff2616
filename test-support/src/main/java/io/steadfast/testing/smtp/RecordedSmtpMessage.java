package io.steadfast.testing.smtp;

import java.util.List;
import java.util.Objects;

/**
 * A message {@link ScriptedSmtpServer} accepted: its envelope and its content as received.
 *
 * @param session the index of the connection it arrived on, from 0
 * @param mailFrom the address in {@code MAIL FROM:<...>}, empty for the null sender
 * @param recipients the addresses of the {@code RCPT TO} commands the server accepted, in order
 * @param data the content between {@code DATA} and the final {@code .}, with dot-stuffing removed
 *     and lines ending in CRLF, decoded as UTF-8
 * @param queueId the queue id the server reported in its {@code 250} reply
 */
public record RecordedSmtpMessage(int session, String mailFrom, List<String> recipients, String data,
    String queueId) {

  /**
   * Copies the recipients.
   *
   * @param session the connection index
   * @param mailFrom the envelope sender
   * @param recipients the accepted recipients
   * @param data the content as received
   * @param queueId the queue id reported
   * @throws NullPointerException if a component is null
   */
  public RecordedSmtpMessage {
    Objects.requireNonNull(mailFrom, "mailFrom");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(queueId, "queueId");
  }

  /**
   * Returns the value of the first header named {@code name} (case-insensitive), unfolded, or
   * {@code null} if the content has no such header.
   *
   * @param name the header name
   * @return the unfolded value, or {@code null} if there is no such header
   */
  public String header(String name) {
    Objects.requireNonNull(name, "name");
    String[] lines = data.split("\r\n", -1);
    StringBuilder value = null;
    for (String line : lines) {
      if (line.isEmpty()) {
        break;
      }
      if (value != null) {
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
          value.append(line);
          continue;
        }
        break;
      }
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
        value = new StringBuilder(line.substring(colon + 1).strip());
      }
    }
    return value == null ? null : value.toString().strip();
  }

  /** Returns the envelope and size; the content is not printed. */
  @Override
  public String toString() {
    return "RecordedSmtpMessage[session=" + session + ", mailFrom=" + mailFrom + ", recipients=" + recipients
        + ", dataLength=" + data.length() + ", queueId=" + queueId + "]";
  }
}
