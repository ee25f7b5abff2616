/**
 * SparkPost's SMTP injection transport for Steadfast: {@link io.steadfast.smtp.SmtpTransport}, with
 * STARTTLS required and a pool of reused connections, and {@link
 * io.steadfast.smtp.SmtpTransportFactory}, which the core finds with {@link java.util.ServiceLoader}.
 */
@NullMarked
package io.steadfast.smtp;

import org.jspecify.annotations.NullMarked;
