package io.steadfast.spring.autoconfigure;

import io.steadfast.SubmitReceipt;
import org.jspecify.annotations.Nullable;

/**
 * Is told when the starter's client starts and ends a submit, so tracing can put a span around it
 * without the client depending on Micrometer.
 */
interface SubmitObserver {

  /** An observer that does nothing. */
  SubmitObserver NONE = () -> (receipt, failure) -> {};

  /** Called as a submit starts; the returned callback is told, once, how it ended. */
  Finish started();

  /** How one submit ended. */
  interface Finish {
    /** Called with the receipt, or with the failure (then {@code receipt} is {@code null}). */
    void finished(@Nullable SubmitReceipt receipt, @Nullable Throwable failure);
  }
}
