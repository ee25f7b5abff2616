/**
 * Test doubles for Steadfast, chiefly {@link io.steadfast.testing.FakeSparkPost}, a local stand-in
 * for SparkPost's Transmissions API.
 *
 * <p>Parameters and return values in this package are never null unless documented otherwise.
 */
package io.steadfast.testing;
