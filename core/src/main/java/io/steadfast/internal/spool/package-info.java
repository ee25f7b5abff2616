/**
 * The in-memory spool. Internal: not API, may change in any release.
 */
@NullMarked
package io.steadfast.internal.spool;

import org.jspecify.annotations.NullMarked;
