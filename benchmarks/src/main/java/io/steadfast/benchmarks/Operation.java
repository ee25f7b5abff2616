package io.steadfast.benchmarks;

/** One unit of work of a variant, e.g. one message sent; throws if the message was not accepted. */
@FunctionalInterface
interface Operation {
  void run() throws Exception;
}
