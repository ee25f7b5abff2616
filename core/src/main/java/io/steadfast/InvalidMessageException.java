package io.steadfast;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A message failed Steadfast's checks before anything left the process; {@link #violations()} names
 * every problem at once.
 */
public final class InvalidMessageException extends PermanentException {
  private static final long serialVersionUID = 1L;

  /**
   * One problem with one field of a message.
   *
   * @param field the field, e.g. {@code to[1]} or {@code headers.X-Campaign}
   * @param problem what is wrong with it, in words
   */
  public record Violation(String field, String problem) {
    /** Checks both parts are present. */
    public Violation {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(problem, "problem");
    }

    @Override
    public String toString() {
      return field + " " + problem;
    }
  }

  @SuppressWarnings("serial") // List.copyOf returns a serializable list.
  private final List<Violation> violations;

  /**
   * Creates the exception listing {@code violations}.
   *
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public InvalidMessageException(List<Violation> violations) {
    super(text(violations), null, null, 0, null);
    this.violations = List.copyOf(violations);
  }

  /** Returns every problem found, in field order; never empty. */
  public List<Violation> violations() {
    return violations;
  }

  private static String text(List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("violations must not be empty");
    }
    return "Invalid message (" + violations.size() + (violations.size() == 1 ? " problem" : " problems")
        + "): " + violations.stream().map(Violation::toString).collect(Collectors.joining("; "))
        + ". Nothing was sent; fix the fields named.";
  }
}
