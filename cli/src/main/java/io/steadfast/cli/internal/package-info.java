/**
 * The command line's log: an SLF4J provider that prints library log lines on its stderr. Not API: no
 * published Javadoc, no compatibility promise, may change in any release.
 */
@NullMarked
package io.steadfast.cli.internal;

import org.jspecify.annotations.NullMarked;
