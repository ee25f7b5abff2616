package io.steadfast.benchmarks;

import io.steadfast.ApiKey;
import io.steadfast.IdempotencyKey;
import io.steadfast.Message;
import io.steadfast.smtp.SmtpTransport;
import io.steadfast.spi.Delivery;
import io.steadfast.spi.Outcome;
import io.steadfast.testing.smtp.TestCertificates;

/** {@link SmtpTransport} with its connection pool, and with one connection (and TLS handshake) per message. */
final class SmtpVariants {

  private SmtpVariants() {}

  static Variant transport(String name, String host, int port, int maxMessagesPerConnection) {
    SmtpTransport transport = SmtpTransport.builder()
        .host(host)
        .port(port)
        .apiKey(ApiKey.of(RestVariants.API_KEY))
        .trustStore(TestCertificates.trustStore())
        .maxMessagesPerConnection(maxMessagesPerConnection)
        .build();
    Message message = RestVariants.message();
    return new Variant(name, () -> {
      Outcome outcome = transport.deliver(new Delivery(message, IdempotencyKey.generate(), 1));
      if (!(outcome instanceof Outcome.Accepted)) {
        throw new IllegalStateException("not accepted: " + outcome);
      }
    }, transport::close);
  }
}
