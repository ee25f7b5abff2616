/**
 * The SparkPost Transmissions REST transport: add steadfast-http to the class path and
 * {@link io.steadfast.EmailClient#create} finds it, or build one with {@link io.steadfast.http.RestTransport}.
 */
@NullMarked
package io.steadfast.http;

import org.jspecify.annotations.NullMarked;
