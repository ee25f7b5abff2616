package io.steadfast.benchmarks;

/** A client under measurement: a name and a thread-safe operation; closed after the run. */
interface Variant extends AutoCloseable {

  String name();

  Operation operation();

  @Override
  void close();
}
