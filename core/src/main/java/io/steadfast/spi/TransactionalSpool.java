package io.steadfast.spi;

import java.sql.Connection;
import java.util.List;

/**
 * A {@link Spool} in a database that can append entries in the application's own JDBC transaction
 * (the outbox pattern): the entries exist if and only if that transaction commits, and are
 * delivered after it does. {@link io.steadfast.EmailClient#submit(io.steadfast.Message, Connection)}
 * needs a spool with this capability.
 */
public interface TransactionalSpool extends Spool {

  /**
   * Appends {@code entries} through {@code connection}, inside the transaction open on it, and returns
   * one entry for each, in order; otherwise the same as {@link Spool#append(List, Spool.Limits)}.
   *
   * <p>Nothing is committed or rolled back here: the caller's commit makes the entries durable, its
   * rollback removes them. A failure leaves the caller's transaction usable (the spool's statements
   * run inside a savepoint that is rolled back). The connection must reach the spool's database and
   * must not be in auto-commit mode.
   *
   * @throws io.steadfast.SpoolFullException if storing the new entries would exceed {@code limits};
   *     nothing is added to the transaction then
   * @throws IllegalArgumentException if {@code connection} is in auto-commit mode
   * @throws IllegalStateException if the spool is closed
   * @throws java.io.UncheckedIOException if the database refused the statements
   */
  List<SpoolEntry> append(List<NewEntry> entries, Limits limits, Connection connection);
}
