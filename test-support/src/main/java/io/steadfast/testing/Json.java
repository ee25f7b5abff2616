package io.steadfast.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Jackson 3 helpers; WireMock's shaded Jackson 2 stays out of our code. */
final class Json {

  /**
   * Strict about syntax: trailing tokens and duplicate keys fail the parse, so a client that sends
   * either finds out here rather than in production.
   */
  static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private Json() {}

  /** Returns SparkPost's success body for an accepted transmission. */
  static String success(String id, int acceptedRecipients) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode results = root.putObject("results");
    results.put("total_rejected_recipients", 0);
    results.put("total_accepted_recipients", acceptedRecipients);
    results.put("id", id);
    return MAPPER.writeValueAsString(root);
  }

  /**
   * Returns SparkPost's 200 answer for a transmission some (or all) of whose recipients it refused:
   * the warning {@code errors[{"message": "transmission created, but with validation errors", "code":
   * "2000"}]} and {@code results.rcpt_to_errors}, shaped as the example in
   * developers.sparkpost.com/api/transmissions ("Create a Transmission", response 200 with code 2000).
   */
  static String successWithRecipientErrors(String id, int accepted, List<ApiError> recipientErrors) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode warning = root.putArray("errors").addObject();
    warning.put("message", "transmission created, but with validation errors");
    warning.put("code", "2000");
    ObjectNode results = root.putObject("results");
    tools.jackson.databind.node.ArrayNode errors = results.putArray("rcpt_to_errors");
    for (ApiError error : recipientErrors) {
      ObjectNode node = errors.addObject();
      node.put("message", error.message());
      if (error.description() != null) {
        node.put("description", error.description());
      }
      if (error.code() != null) {
        node.put("code", error.code());
      }
    }
    results.put("total_rejected_recipients", recipientErrors.size());
    results.put("total_accepted_recipients", accepted);
    results.put("id", id);
    return MAPPER.writeValueAsString(root);
  }

  /** Returns SparkPost's name for the JSON type of {@code node}, e.g. {@code json_array}. */
  static String typeName(JsonNode node) {
    if (node.isObject()) {
      return "json_object";
    } else if (node.isArray()) {
      return "json_array";
    } else if (node.isString()) {
      return "json_string";
    } else if (node.isBoolean()) {
      return "json_boolean";
    } else if (node.isNumber()) {
      return "json_number";
    } else if (node.isNull()) {
      return "json_null";
    }
    return "json_" + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Converts an object node to nested unmodifiable maps and lists, keeping member order. */
  static Map<String, Object> toMap(JsonNode object) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> member : object.properties()) {
      map.put(member.getKey(), toValue(member.getValue()));
    }
    return Collections.unmodifiableMap(map);
  }

  private static Object toValue(JsonNode node) {
    if (node.isObject()) {
      return toMap(node);
    } else if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (JsonNode element : node.values()) {
        list.add(toValue(element));
      }
      return Collections.unmodifiableList(list);
    } else if (node.isString()) {
      return node.stringValue();
    } else if (node.isBoolean()) {
      return node.booleanValue();
    } else if (node.isNumber()) {
      return node.numberValue();
    }
    return null;
  }

  /** Deep-copies {@code map} into unmodifiable maps and lists; JSON nulls stay null. */
  static Map<String, Object> copyOfMap(Map<String, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((key, value) -> copy.put(key, copyOfValue(value)));
    return Collections.unmodifiableMap(copy);
  }

  private static Object copyOfValue(Object value) {
    if (value instanceof Map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((key, v) -> copy.put(String.valueOf(key), copyOfValue(v)));
      return Collections.unmodifiableMap(copy);
    } else if (value instanceof List) {
      List<Object> copy = new ArrayList<>();
      for (Object element : (List<?>) value) {
        copy.add(copyOfValue(element));
      }
      return Collections.unmodifiableList(copy);
    }
    return value;
  }

  /**
   * Returns the value at the JSON Pointer (RFC 6901) {@code pointer} in {@code root}, or {@code
   * null} if there is none.
   *
   * @throws IllegalArgumentException if {@code pointer} is neither empty nor starts with "/"
   */
  static Object at(Map<String, Object> root, String pointer) {
    if (pointer.isEmpty()) {
      return root;
    }
    if (!pointer.startsWith("/")) {
      throw new IllegalArgumentException(
          "a JSON Pointer must be empty or start with '/' but was '" + pointer + "'");
    }
    Object current = root;
    for (String token : pointer.substring(1).split("/", -1)) {
      String name = token.replace("~1", "/").replace("~0", "~");
      if (current instanceof Map) {
        current = ((Map<?, ?>) current).get(name);
      } else if (current instanceof List) {
        List<?> list = (List<?>) current;
        int index = arrayIndex(name);
        current = index >= 0 && index < list.size() ? list.get(index) : null;
      } else {
        return null;
      }
    }
    return current;
  }

  private static int arrayIndex(String token) {
    if (token.isEmpty() || token.length() > 9 || !token.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(token);
  }
}
