/** A Spring Boot application that sends order confirmations through Steadfast. */
@NullMarked
package io.steadfast.examples.springboot;

import org.jspecify.annotations.NullMarked;
