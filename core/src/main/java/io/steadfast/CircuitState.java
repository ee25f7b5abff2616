package io.steadfast;

/** The state of a route's circuit breaker. */
public enum CircuitState {
  /** Attempts go through; failures are being counted. */
  CLOSED,
  /** Attempts are refused without calling SparkPost until the next probe is due. */
  OPEN,
  /** A few probe attempts go through to test whether the route has recovered. */
  HALF_OPEN,
  /** The circuit breaker is turned off for this route. */
  DISABLED
}
