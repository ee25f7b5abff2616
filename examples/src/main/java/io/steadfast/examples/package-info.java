/** Runnable examples of Steadfast's public API; the build compiles and runs each one. */
@NullMarked
package io.steadfast.examples;

import org.jspecify.annotations.NullMarked;
