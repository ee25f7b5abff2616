package io.steadfast.internal;

import io.steadfast.EmailClient;
import io.steadfast.Message;
import io.steadfast.SendOptions;
import io.steadfast.SendReceipt;
import java.util.concurrent.ExecutionException;

/** Sync and async sends are twins: tests check every behaviour through both. */
enum SendMode {
  SYNC, ASYNC;

  /** Sends {@code message}; an async failure is rethrown unwrapped, as {@code send} would throw it. */
  SendReceipt send(EmailClient client, Message message) throws Throwable {
    return send(client, message, SendOptions.NONE);
  }

  /** Sends {@code message} with {@code options}; an async failure is rethrown unwrapped. */
  SendReceipt send(EmailClient client, Message message, SendOptions options) throws Throwable {
    if (this == SYNC) {
      return client.send(message, options);
    }
    try {
      return client.sendAsync(message, options).get();
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }
}
