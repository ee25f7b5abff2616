package io.steadfast;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, immutable copies of JSON-shaped values (metadata, substitution data), rejecting anything a
 * JSON object cannot hold, so a bad value fails when the message is built rather than when it is sent.
 */
final class JsonValues {
  private JsonValues() {}

  /** Returns an immutable, order-preserving deep copy of {@code object}, recording problems. */
  static Map<String, Object> copyObject(
      Map<String, ?> object, String field, List<InvalidMessageException.Violation> violations) {
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ?> entry : object.entrySet()) {
      Object key = entry.getKey();
      if (!(key instanceof String name) || name.isEmpty()) {
        violations.add(new InvalidMessageException.Violation(field, "has an empty or non-string key"));
        continue;
      }
      Object value = copyValue(entry.getValue(), field + "." + name, violations);
      if (value != null) {
        copy.put(name, value);
      }
    }
    return Collections.unmodifiableMap(copy);
  }

  private static Object copyValue(
      Object value, String field, List<InvalidMessageException.Violation> violations) {
    if (value == null) {
      violations.add(new InvalidMessageException.Violation(field, "is null; leave the field out instead"));
      return null;
    }
    if (value instanceof String || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal) {
      return value;
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        violations.add(new InvalidMessageException.Violation(field, "is NaN or infinite, which JSON cannot hold"));
        return null;
      }
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, ?> object = (Map<String, ?>) map;
      return copyObject(object, field, violations);
    }
    if (value instanceof Collection<?> collection) {
      List<Object> list = new ArrayList<>(collection.size());
      int index = 0;
      for (Object element : collection) {
        Object copy = copyValue(element, field + "[" + index++ + "]", violations);
        if (copy != null) {
          list.add(copy);
        }
      }
      return Collections.unmodifiableList(list);
    }
    violations.add(new InvalidMessageException.Violation(
        field, "is a " + value.getClass().getName() + "; use a String, Number, Boolean, List or Map"));
    return null;
  }
}
