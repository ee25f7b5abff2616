package io.steadfast.internal;

import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.SendReceipt;
import java.util.concurrent.ExecutionException;

/** Sync and async sends are twins: tests check every behaviour through both. */
enum SendMode {
  SYNC, ASYNC;

  /** Sends {@code message}; an async failure is rethrown unwrapped, as {@code send} would throw it. */
  SendReceipt send(EmailClient client, Message message) throws Throwable {
    if (this == SYNC) {
      return client.send(message);
    }
    try {
      return client.sendAsync(message).get();
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }
}
