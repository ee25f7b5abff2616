/**
 * The REST transport's implementation (OkHttp, Jackson DTOs, error classification); not API: it may
 * change in any release and has no published Javadoc.
 */
@NullMarked
package io.steadfast.http.internal;

import org.jspecify.annotations.NullMarked;
