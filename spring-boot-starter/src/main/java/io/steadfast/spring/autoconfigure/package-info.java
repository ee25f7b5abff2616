/**
 * Spring Boot auto-configuration for Steadfast: an {@code EmailClient} bean, a {@code steadfast}
 * health contributor, Micrometer metrics and an opt-in {@code JavaMailSender} adapter.
 */
@NullMarked
package io.steadfast.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
