/**
 * Steadfast's public API: build a {@link io.steadfast.Message}, send it with an
 * {@link io.steadfast.EmailClient}, and branch on the {@link io.steadfast.SteadfastException} hierarchy
 * to learn whether a failed send may be retried.
 */
@NullMarked
package io.steadfast;

import org.jspecify.annotations.NullMarked;
