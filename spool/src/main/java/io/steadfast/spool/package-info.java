/**
 * The durable spool: {@link io.steadfast.spool.SqliteSpool}, one SQLite file per spool directory, and
 * {@link io.steadfast.spool.PostgresSpool}, one PostgreSQL database shared by a fleet (with the outbox,
 * {@code EmailClient.submit(message, connection)}).
 */
@NullMarked
package io.steadfast.spool;

import org.jspecify.annotations.NullMarked;
