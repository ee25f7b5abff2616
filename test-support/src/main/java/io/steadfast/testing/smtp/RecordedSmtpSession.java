package io.steadfast.testing.smtp;

import java.util.List;
import java.util.Objects;

/**
 * What one connection to {@link ScriptedSmtpServer} saw, as a snapshot.
 *
 * @param index the connection's index, from 0 in the order they were accepted
 * @param commands the command lines received, in order; the credentials of {@code AUTH} are
 *     replaced by {@code <credentials>}
 * @param tls whether the connection had switched to TLS with {@code STARTTLS}
 * @param authAttempted whether the client sent {@code AUTH}
 * @param authBeforeTls whether the client sent {@code AUTH} before TLS was in place: the
 *     credential leak a client must never commit
 * @param authUser the user name the client sent, decoded, or {@code null} if none arrived
 * @param authPassword the password the client sent, decoded, or {@code null} if none arrived;
 *     never printed by {@link #toString()}
 * @param open whether the connection was still open when the snapshot was taken
 */
public record RecordedSmtpSession(int index, List<String> commands, boolean tls, boolean authAttempted,
    boolean authBeforeTls, String authUser, String authPassword, boolean open) {

  /**
   * Copies the commands.
   *
   * @param index the connection index
   * @param commands the commands received
   * @param tls whether TLS was in place
   * @param authAttempted whether AUTH was sent
   * @param authBeforeTls whether AUTH came before TLS
   * @param authUser the user name, or {@code null}
   * @param authPassword the password, or {@code null}
   * @param open whether the connection was open
   * @throws NullPointerException if {@code commands} is null
   */
  public RecordedSmtpSession {
    commands = List.copyOf(Objects.requireNonNull(commands, "commands"));
  }

  /**
   * Returns how many commands began with {@code verb} (case-insensitive), e.g. {@code MAIL}.
   *
   * @param verb the command verb
   * @return how many such commands arrived
   */
  public long count(String verb) {
    Objects.requireNonNull(verb, "verb");
    return commands.stream().filter(c -> c.regionMatches(true, 0, verb, 0, verb.length())).count();
  }

  /** Returns the session without the password. */
  @Override
  public String toString() {
    return "RecordedSmtpSession[index=" + index + ", commands=" + commands + ", tls=" + tls
        + ", authAttempted=" + authAttempted + ", authBeforeTls=" + authBeforeTls + ", authUser=" + authUser
        + ", open=" + open + "]";
  }
}
