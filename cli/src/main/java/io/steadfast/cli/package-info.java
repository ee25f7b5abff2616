/** The {@code steadfast} command line: send a message, check connectivity, replay an outage. */
@NullMarked
package io.steadfast.cli;

import org.jspecify.annotations.NullMarked;
