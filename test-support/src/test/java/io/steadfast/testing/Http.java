package io.steadfast.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Sends raw HTTP to a {@link FakeSparkPost} with the JDK client, as a transport would. */
final class Http {

  /** A key shaped like a real one, so a test can search output for it. */
  static final String API_KEY = "sk-canary-5f0c2a9e7d41b8c3";

  /** The smallest transmission SparkPost accepts: one recipient, from, subject and text. */
  static final String VALID =
      "{\"recipients\":[{\"address\":{\"email\":\"wilma@example.com\"}}],"
          + "\"content\":{\"from\":\"fred@example.com\",\"subject\":\"Hello\",\"text\":\"Hi\"}}";

  /** Generous, so a slow CI machine does not fail a test that expects an answer. */
  /** A safety net for a hung request; a loaded machine may be slow, and no test here expects it to pass. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Http() {}

  /** Returns a POST of {@code json} to the fake's transmissions endpoint with {@link #API_KEY}. */
  static HttpRequest.Builder transmission(FakeSparkPost fake, String json) {
    return request(fake, "/api/v1/transmissions")
        .header("Authorization", API_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
  }

  /** Returns a request to {@code pathAndQuery} on the fake, with no headers or body yet. */
  static HttpRequest.Builder request(FakeSparkPost fake, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(fake.baseUrl() + pathAndQuery)).timeout(TIMEOUT);
  }

  static HttpResponse<String> post(FakeSparkPost fake, String json) {
    return send(transmission(fake, json).build());
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return sendOrThrow(request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code request}, letting connection failures and timeouts through for assertions. */
  static HttpResponse<String> sendOrThrow(HttpRequest request) throws IOException {
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    return Json.MAPPER.readTree(response.body());
  }

  /** Returns the {@code errors} entries of a SparkPost error response. */
  static List<JsonNode> errors(HttpResponse<String> response) {
    List<JsonNode> errors = new ArrayList<>(json(response).path("errors").values());
    if (errors.isEmpty()) {
      throw new AssertionError("expected an errors body but got " + response.body());
    }
    return errors;
  }

  /** Returns a copy of {@code json} with the value at {@code pointer} set to {@code valueJson}. */
  static String with(String json, String pointer, String valueJson) {
    return edit(json, pointer, Json.MAPPER.readTree(valueJson));
  }

  /** Returns a copy of {@code json} without the member or element at {@code pointer}. */
  static String without(String json, String pointer) {
    return edit(json, pointer, null);
  }

  private static String edit(String json, String pointer, JsonNode value) {
    JsonNode root = Json.MAPPER.readTree(json);
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = root.at(pointer.substring(0, slash));
    String name = pointer.substring(slash + 1);
    if (parent instanceof ObjectNode) {
      ObjectNode object = (ObjectNode) parent;
      if (value == null) {
        object.remove(name);
      } else {
        object.set(name, value);
      }
    } else if (parent instanceof ArrayNode) {
      ArrayNode array = (ArrayNode) parent;
      int index = Integer.parseInt(name);
      if (value == null) {
        array.remove(index);
      } else {
        array.set(index, value);
      }
    } else {
      throw new IllegalArgumentException("no object or array at the parent of " + pointer);
    }
    return Json.MAPPER.writeValueAsString(root);
  }

  /** Returns a documented example from {@code src/test/resources/sparkpost/}. */
  static String example(String name) {
    try (InputStream in = Http.class.getResourceAsStream("/sparkpost/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no example sparkpost/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
