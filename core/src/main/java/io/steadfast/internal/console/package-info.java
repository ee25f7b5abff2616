/**
 * What operators see of and do to a running client's spool, shared by the Spring Boot starter (its
 * {@code steadfast} actuator endpoint and dashboard) and {@code steadfast dispatch --ui-port}: the
 * console's queries and actions, the chart's history, and the dashboard's static page in
 * {@code META-INF/steadfast/dashboard/} of this jar. Each adapter serves them over its own HTTP stack.
 * Not API: no published Javadoc, no compatibility promise, may change in any release.
 */
@NullMarked
package io.steadfast.internal.console;

import org.jspecify.annotations.NullMarked;
