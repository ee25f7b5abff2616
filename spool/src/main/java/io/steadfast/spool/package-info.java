/**
 * The durable spool: {@link io.steadfast.spool.SqliteSpool}, one SQLite file per spool directory.
 */
@NullMarked
package io.steadfast.spool;

import org.jspecify.annotations.NullMarked;
