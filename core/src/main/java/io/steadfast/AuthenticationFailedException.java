package io.steadfast;

import io.steadfast.spi.Failure;
import org.jspecify.annotations.Nullable;

/**
 * SparkPost refused the API key (HTTP 401) or the key lacks a permission the request needs (HTTP
 * 403, SMTP 535): nothing will be sent with this key until it is fixed.
 *
 * <p>It also reports a server that could not prove it is SparkPost: a TLS certificate that is not
 * trusted (self-signed, an unknown CA, expired) or not issued for the host. Steadfast then never sends
 * the key, and nothing changes on retry until the endpoint or the trust configuration does; {@link
 * #getCause()} is the TLS failure.
 */
public final class AuthenticationFailedException extends PermanentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception from the facts of the attempt.
   *
   * @param failure what the transport observed
   * @param route the route whose key was refused
   * @param attempts how many attempts were made
   * @param idempotencyKey the message's key, or {@code null} if none was assigned
   */
  public AuthenticationFailedException(Failure failure, String route, int attempts,
      @Nullable IdempotencyKey idempotencyKey) {
    super(text(failure, route, attempts), failure, route, attempts, idempotencyKey);
  }

  private static String text(Failure failure, String route, int attempts) {
    Integer status = failure.statusCode();
    String what;
    String next;
    if (status == null && failure.cause() instanceof javax.net.ssl.SSLException) {
      // The transport classified a TLS trust failure (its summary names the host and the reason).
      what = "Could not verify SparkPost's server: " + failure.summary();
      next = " Nothing was sent and the API key was not used. Check the endpoint URL; if it is right, add the"
          + " server's CA certificate to the JVM's trust store (javax.net.ssl.trustStore). Retrying fails the same"
          + " way until the endpoint or the trust configuration changes.";
    } else if (status == null) {
      // No reply code: the route could not even offer a safe way to authenticate (e.g. no STARTTLS).
      what = "Could not authenticate with SparkPost (" + failure.summary() + ")";
      next = " Check the route's host, port and TLS settings; Steadfast never sends the key without TLS.";
    } else if (status == 403) {
      what = "SparkPost refused the request: the API key lacks a permission it needs (HTTP 403)";
      next = " Grant the key 'Transmissions: Read/Write' (or 'Send via SMTP' for SMTP) in SparkPost.";
    } else {
      what = "SparkPost rejected the API key (" + failure.summary() + ")";
      next = " Check steadfast.api-key; keys are per region, so a US key fails on the EU endpoint.";
    }
    return what + where(route, attempts) + providerText(failure) + requestIdSuffix(failure) + "." + next;
  }
}
