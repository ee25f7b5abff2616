package io.steadfast.spring.autoconfigure;

import io.steadfast.EmailClient;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Explains a startup failure caused by a {@code steadfast.*} property: which property, what was wrong
 * with its value, and what to set instead (Boot's {@code NoSuchMailSenderBeanFailureAnalyzer} style).
 *
 * <p>Runs before Boot's generic binding analyzer so that the action names Steadfast's settings.
 */
final class SteadfastFailureAnalyzer implements FailureAnalyzer, Ordered {

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public @Nullable FailureAnalysis analyze(Throwable failure) {
    InvalidSteadfastPropertyException invalid = find(failure, InvalidSteadfastPropertyException.class);
    if (invalid != null && invalid.spoolUnavailable()) {
      return new FailureAnalysis("Steadfast could not open its spool (" + invalid.property() + " = '"
          + invalid.value() + "'): " + reason(invalid), invalid.action(), invalid);
    }
    if (invalid != null) {
      String value = invalid.value();
      return new FailureAnalysis("Steadfast could not create its EmailClient: the property '" + invalid.property()
          + "'" + (value == null ? "" : " (value '" + value + "')") + " is invalid: "
          + reason(invalid), invalid.action(), invalid);
    }
    BindException bind = find(failure, BindException.class);
    if (bind != null && bind.getName().toString().startsWith("steadfast.")) {
      String name = bind.getName().toString();
      Object value = bind.getProperty() == null ? null : bind.getProperty().getValue();
      // The API key is a secret: never echo it, even when it failed to bind.
      String shown = value == null || name.equals("steadfast.api-key") ? "" : " (value '" + value + "')";
      Throwable cause = bind.getCause();
      return new FailureAnalysis("Steadfast could not bind the property '" + name + "'" + shown + ": "
          + (cause == null ? bind.getMessage() : cause.getMessage()), action(name), bind);
    }
    NoSuchBeanDefinitionException missing = find(failure, NoSuchBeanDefinitionException.class);
    if (missing != null && missing.getBeanType() != null && EmailClient.class.isAssignableFrom(missing.getBeanType())) {
      return new FailureAnalysis("A component needs a Steadfast EmailClient, but none was created: the "
          + "auto-configuration is active only when steadfast.api-key is set.",
          "Set steadfast.api-key (or the environment variable STEADFAST_API_KEY) to your SparkPost API key, "
              + "or define an EmailClient bean yourself.", missing);
    }
    return null;
  }

  private static String reason(InvalidSteadfastPropertyException invalid) {
    Throwable cause = invalid.getCause();
    return cause == null || cause.getMessage() == null ? invalid.getMessage() : cause.getMessage();
  }

  private static String action(String name) {
    if (name.equals("steadfast.region")) {
      return "Set steadfast.region to us or eu, or set steadfast.base-url for another API host.";
    }
    if (name.equals("steadfast.base-url")) {
      return "Set steadfast.base-url to an absolute https URL such as https://api.sparkpost.com.";
    }
    if (name.equals("steadfast.reconcile.policy")) {
      return "Set steadfast.reconcile.policy to reconcile, resend or dead-letter.";
    }
    if (name.endsWith("timeout") || name.endsWith("backoff") || name.endsWith("deadline")
        || name.endsWith("wait-in-open") || name.endsWith("delay")) {
      return "Set " + name + " to a duration such as 10s, 500ms or PT1M.";
    }
    return "Update " + name + " in your application configuration; see the steadfast.* properties in your IDE "
        + "or the Steadfast README for allowed values.";
  }

  private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
