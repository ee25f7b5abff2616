package io.steadfast.examples.springboot;

import io.steadfast.DeliveryListener;
import io.steadfast.DeliveryResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Logs how spooled mail ended. Any {@link DeliveryListener} bean hears the client's events; this is
 * where an application would mark the order as "confirmation sent" or alert on a dead letter.
 */
@Component
public class MailOutcomeLog extends DeliveryListener {

  private static final Logger log = LoggerFactory.getLogger(MailOutcomeLog.class);

  /** Creates the listener. */
  public MailOutcomeLog() {}

  @Override
  public void delivered(DeliveryResult.Delivered result) {
    log.info("Spooled message {} delivered as transmission {}", result.idempotencyKey(),
        result.receipt().transmissionId());
  }

  @Override
  public void deadLettered(DeliveryResult.DeadLettered result) {
    log.error("Spooled message {} moved to the dead letters ({}); requeue it with the CLI once fixed",
        result.idempotencyKey(), result.reason());
  }
}
