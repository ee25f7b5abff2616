/**
 * Service-provider interfaces for people who implement a transport: a {@link io.steadfast.spi.Transport}
 * delivers one message and classifies what happened as an {@link io.steadfast.spi.Outcome}.
 */
@NullMarked
package io.steadfast.spi;

import org.jspecify.annotations.NullMarked;
