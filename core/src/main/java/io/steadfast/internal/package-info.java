/**
 * Steadfast's implementation. Not API: no published Javadoc, no compatibility promise, may change in
 * any release.
 */
@NullMarked
package io.steadfast.internal;

import org.jspecify.annotations.NullMarked;
