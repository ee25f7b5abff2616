/**
 * The SMTP transport's implementation: the Angus Mail connection, MIME building, the X-MSYS-API
 * header, the connection pool and the classification of SMTP replies. Not API: no published
 * Javadoc, no compatibility promise, may change in any release.
 */
@NullMarked
package io.steadfast.smtp.internal;

import org.jspecify.annotations.NullMarked;
