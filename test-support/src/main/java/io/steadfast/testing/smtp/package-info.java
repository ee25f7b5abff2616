/**
 * SMTP test doubles built on the JDK alone: {@link io.steadfast.testing.smtp.ScriptedSmtpServer}, an
 * SMTP server on a real socket that answers any reply at any phase, {@link
 * io.steadfast.testing.smtp.StartTlsRelay}, which puts STARTTLS in front of a plain SMTP server such
 * as GreenMail, and {@link io.steadfast.testing.smtp.TestCertificates}, the test certificate both
 * present.
 *
 * <p>Parameters and return values in this package are never null unless documented otherwise.
 */
package io.steadfast.testing.smtp;
