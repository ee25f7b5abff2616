/**
 * The dispatcher that delivers spooled messages. Internal: not API, may change in any release.
 */
@NullMarked
package io.steadfast.internal.dispatch;

import org.jspecify.annotations.NullMarked;
