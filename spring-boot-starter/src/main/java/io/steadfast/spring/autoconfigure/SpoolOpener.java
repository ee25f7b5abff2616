package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Spool;

/**
 * Opens the durable spool that {@code steadfast.spool.*} names. A bean only when the store's classes
 * are on the class path, so that the rest of the starter never loads them.
 */
@FunctionalInterface
interface SpoolOpener {

  /**
   * Opens the spool.
   *
   * @throws InvalidSteadfastPropertyException if the settings name a spool that cannot be opened,
   *     with what to change
   */
  Spool open(SteadfastProperties.Spool properties);
}
