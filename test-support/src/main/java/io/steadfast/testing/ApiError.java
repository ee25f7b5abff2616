package io.steadfast.testing;

import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One entry of SparkPost's {@code {"errors":[...]}} answer.
 *
 * <p>Messages and codes follow SparkPost's "Extended Error Codes" table
 * (support.sparkpost.com/docs/tech-resources/extended-error-codes): for example 1300 "invalid data
 * format/type" and 1400 "required field is missing", both HTTP 422.
 *
 * @param code the extended error code, or {@code null} where SparkPost sends none (401)
 * @param description the detail naming the offending field, or {@code null}
 */
record ApiError(String message, String code, String description) {

  /** SparkPost sends a bare message for a bad key, e.g. {@code {"message":"Unauthorized."}}. */
  static final ApiError UNAUTHORIZED = new ApiError("Unauthorized.", null, null);

  static ApiError required(String description) {
    return new ApiError("required field is missing", "1400", description);
  }

  static ApiError invalid(String description) {
    return new ApiError("invalid data format/type", "1300", description);
  }

  static ApiError invalidCombination(String description) {
    return new ApiError("invalid combination of fields", "1301", description);
  }

  /** Renders {@code errors} as SparkPost's errors body. */
  static String body(List<ApiError> errors) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode array = root.putArray("errors");
    for (ApiError error : errors) {
      ObjectNode node = array.addObject();
      node.put("message", error.message());
      if (error.code() != null) {
        node.put("code", error.code());
      }
      if (error.description() != null) {
        node.put("description", error.description());
      }
    }
    return Json.MAPPER.writeValueAsString(root);
  }

  /** Renders a single error as SparkPost's errors body. */
  static String body(ApiError error) {
    return body(List.of(error));
  }
}
