/**
 * The command line's implementation: an SLF4J provider that prints library log lines on its stderr, and
 * the small SparkPost stand-in behind {@code steadfast demo outage} and {@code steadfast send --dry-run},
 * so the shipped jar carries no test framework. Not API: no
 * published Javadoc, no compatibility promise, may change in any release.
 */
@NullMarked
package io.steadfast.cli.internal;

import org.jspecify.annotations.NullMarked;
