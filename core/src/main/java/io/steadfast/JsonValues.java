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

  /**
   * Returns the size in UTF-8 bytes of {@code value} written as compact JSON the way the REST
   * transport's Jackson generator writes it with its default settings: no spaces; in strings only
   * {@code "}, {@code \\} and control characters below U+0020 escaped (the usual two-character forms
   * for backspace, form feed, newline, carriage return and tab, {@code \\u00XX} for the rest), every
   * other character as its UTF-8 bytes; numbers as {@code toString()} writes them. The transport's
   * tests compare this figure with the bytes it sends.
   */
  static long serializedBytes(Object value) {
    if (value instanceof String text) {
      return stringBytes(text);
    }
    if (value instanceof Map<?, ?> object) {
      long size = 2 + Math.max(0, object.size() - 1);
      for (Map.Entry<?, ?> entry : object.entrySet()) {
        size += stringBytes((String) entry.getKey()) + 1 + serializedBytes(entry.getValue());
      }
      return size;
    }
    if (value instanceof Collection<?> array) {
      long size = 2 + Math.max(0, array.size() - 1);
      for (Object element : array) {
        size += serializedBytes(element);
      }
      return size;
    }
    if (value instanceof Byte || value instanceof Short) {
      return Integer.toString(((Number) value).intValue()).length();
    }
    // Boolean, Integer, Long, Float, Double, BigInteger and BigDecimal print as Jackson writes them.
    return String.valueOf(value).length();
  }

  /** The string's JSON form in bytes: its quotes, its UTF-8 bytes, and what escaping adds. */
  private static long stringBytes(String text) {
    long bytes = 2 + MessageRules.utf8Length(text);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
        bytes += 1;
      } else if (c < 0x20) {
        // Written as a six-byte escape: a backslash, u and four hex digits.
        bytes += 5;
      }
    }
    return bytes;
  }
}
