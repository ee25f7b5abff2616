package io.steadfast.spool;

import io.steadfast.spi.Spool;

/** The in-memory spool of core passes the spool contract. */
class InMemorySpoolContractTest extends SpoolContractTest {
  @Override
  protected Spool newSpool() {
    return Spool.inMemory();
  }
}
