package io.steadfast.benchmarks;

/**
 * A client under measurement: a name, a thread-safe operation, and what to release after the run.
 *
 * @param name the name in the report
 * @param operation one send, run from many threads
 * @param closer releases the client's threads and connections
 */
record Variant(String name, Operation operation, Runnable closer) implements AutoCloseable {

  @Override
  public void close() {
    closer.run();
  }
}
