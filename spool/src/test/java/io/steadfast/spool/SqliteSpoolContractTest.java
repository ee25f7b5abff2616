package io.steadfast.spool;

import io.steadfast.spi.Spool;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite spool passes the spool contract. */
class SqliteSpoolContractTest extends SpoolContractTest {
  @TempDir
  Path directory;

  @Override
  protected Spool newSpool() {
    return SqliteSpool.open(directory.resolve("spool"));
  }
}
