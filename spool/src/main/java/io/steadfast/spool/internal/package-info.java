/**
 * The spool's storage details: message codec and group-commit writer. Internal: not API, may change
 * in any release.
 */
@NullMarked
package io.steadfast.spool.internal;

import org.jspecify.annotations.NullMarked;
