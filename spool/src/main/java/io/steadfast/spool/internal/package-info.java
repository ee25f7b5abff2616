/**
 * The spools' storage details: message codec, SQLite's group-commit writer and statement cache, the
 * PostgreSQL schema and LISTEN/NOTIFY wake-ups. Internal: not API, may change in any release.
 */
@NullMarked
package io.steadfast.spool.internal;

import org.jspecify.annotations.NullMarked;
