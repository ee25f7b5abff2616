package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.RecipientError;
import io.steadfast.spi.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Success bodies around the usual one: the streaming read takes only the exact usual shape and hands
 * everything else to the tree read, so each body below must end as the tree read always ended it.
 */
class ResponseInterpreterTest {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final String API_KEY = "0123456789abcdef0123456789abcdef01234567";
  private final ResponseInterpreter interpreter = new ResponseInterpreter(MAPPER,
      Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC), API_KEY);

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // body | id | accepted | rejected
      "`{\"results\":{\"total_rejected_recipients\":0,\"total_accepted_recipients\":1,\"id\":\"7\"}}` | 7 | 1 | 0",
      "`{\"results\":{\"id\":\"66\",\"total_accepted_recipients\":5,\"total_rejected_recipients\":2}}` | 66 | 5 | 2",
      "` \n{ \"results\" : {\n  \"id\" : \"8\",\n  \"total_accepted_recipients\" : 1 } }\n ` | 8 | 1 | 0",
      "`{\"results\":{\"id\":\"9\"}}` | 9 | 0 | 0",
      "`{\"results\":{\"id\":1234,\"total_accepted_recipients\":1}}` | 1234 | 1 | 0",
      "`{\"results\":{\"id\":\"10\",\"extra\":{\"a\":[1,2]},\"total_accepted_recipients\":1}}` | 10 | 1 | 0",
      "`{\"warnings\":[],\"results\":{\"id\":\"11\",\"total_accepted_recipients\":1}}` | 11 | 1 | 0",
      "`{\"results\":{\"id\":\"12\",\"total_accepted_recipients\":1},\"warnings\":[]}` | 12 | 1 | 0",
      "`{\"results\":{\"id\":\"first\",\"id\":\"13\",\"total_accepted_recipients\":1}}` | 13 | 1 | 0",
      "`{\"results\":{\"id\":\"14\",\"total_accepted_recipients\":3,\"total_accepted_recipients\":4}}` | 14 | 4 | 0",
      "`{\"results\":{\"id\":\"1\"},\"results\":{\"id\":\"15\",\"total_accepted_recipients\":2}}` | 15 | 2 | 0",
      "`{\"results\":{\"id\":\"16\",\"total_accepted_recipients\":9223372036854775807}}` | 16 | 9223372036854775807 | 0",
      "`{\"results\":{\"id\":\"17\\u0007\\n\",\"total_accepted_recipients\":1}}` | 17 | 1 | 0",
  })
  void acceptsTheUsualBodyAndItsVariants(String body, String id, long accepted, long rejected) {
    Outcome outcome = interpreter.interpret(response(body));

    assertThat(outcome).isEqualTo(new Outcome.Accepted(id, accepted, rejected, "req-1"));
  }

  /** SparkPost's documented 200 with validation errors (developers.sparkpost.com/api/transmissions). */
  private static final String PARTIAL = "{\"errors\":[{\"message\":\"transmission created, but with validation "
      + "errors\",\"code\":\"2000\"}],\"results\":{\"rcpt_to_errors\":[{\"message\":\"required field is missing\","
      + "\"description\":\"address.email is required for each recipient\",\"code\":\"1400\"}],"
      + "\"total_rejected_recipients\":1,\"total_accepted_recipients\":%d,\"id\":\"11668787484950530\"}}";
  private static final RecipientError DOCUMENTED = new RecipientError(null, "1400", "required field is missing",
      "address.email is required for each recipient");

  @Test
  void keepsTheRecipientErrorsOfAPartialAcceptance() {
    Outcome outcome = interpreter.interpret(response(String.format(PARTIAL, 1)));

    assertThat(outcome).isEqualTo(new Outcome.Accepted("11668787484950530", 1, 1, "req-1", List.of(DOCUMENTED)));
  }

  @Test
  void readsZeroRecipientsAcceptedAsARejectionWithTheReasons() {
    Outcome outcome = interpreter.interpret(response(String.format(PARTIAL, 0)));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, rejected -> {
      assertThat(rejected.reason()).isEqualTo(Outcome.Rejected.Reason.MESSAGE);
      assertThat(rejected.recipientErrors()).containsExactly(DOCUMENTED);
      assertThat(rejected.failure().summary()).isEqualTo("HTTP 200 OK with 0 recipients accepted, 1 rejected");
      assertThat(rejected.failure().statusCode()).isEqualTo(200);
      assertThat(rejected.failure().providerCode()).isEqualTo("2000");
      assertThat(rejected.failure().providerMessage()).isEqualTo("transmission created, but with validation errors");
      assertThat(rejected.failure().requestId()).isEqualTo("req-1");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // The scheduled-transmission example of developers.sparkpost.com/api/transmissions.
      "{\"results\":{\"total_rejected_recipients\":1000,\"total_accepted_recipients\":0,\"id\":\"11668787484950529\"}}",
      "{\"results\":{\"id\":\"7\",\"total_accepted_recipients\":0}}",
      "{ \"results\": { \"total_accepted_recipients\": 0, \"id\": \"7\" } }",
  })
  void readsZeroRecipientsAcceptedAsARejectionWhateverTheShape(String body) {
    assertThat(interpreter.interpret(response(body))).isInstanceOfSatisfying(Outcome.Rejected.class,
        rejected -> assertThat(rejected.recipientErrors()).isEmpty());
  }

  @Test
  void keepsAtMostAHundredRecipientErrors() {
    String entry = "{\"message\":\"m\",\"code\":\"1400\"}";
    String body = "{\"results\":{\"id\":\"7\",\"total_accepted_recipients\":1,\"total_rejected_recipients\":150,"
        + "\"rcpt_to_errors\":[" + String.join(",", java.util.Collections.nCopies(150, entry)) + "]}}";

    Outcome outcome = interpreter.interpret(response(body));

    assertThat(((Outcome.Accepted) outcome).recipientErrors()).hasSize(ResponseInterpreter.MAX_RECIPIENT_ERRORS);
    assertThat(((Outcome.Accepted) outcome).rejectedRecipients()).isEqualTo(150);
  }

  @Test
  void redactsTheKeyInRecipientErrors() {
    String body = "{\"results\":{\"id\":\"7\",\"total_accepted_recipients\":1,\"rcpt_to_errors\":[{\"message\":"
        + "\"bad key " + API_KEY + "\"}]}}";

    Outcome outcome = interpreter.interpret(response(body));

    assertThat(((Outcome.Accepted) outcome).recipientErrors()).singleElement()
        .satisfies(error -> assertThat(error.message()).isEqualTo("bad key [redacted]"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":1.0}}",
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":\"1\"}}",
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":-1}}",
      "{\"results\":{\"id\":\"1\",\"total_rejected_recipients\":99999999999999999999}}",
      "{\"results\":{\"id\":\"   \",\"total_accepted_recipients\":1}}",
      "{\"results\":{\"id\":null,\"total_accepted_recipients\":1}}",
      "{\"results\":{\"id\":1.5,\"total_accepted_recipients\":1}}",
      "{\"results\":{\"total_accepted_recipients\":1}}",
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":1}} trailing",
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":1}}{}",
      "{\"results\":[{\"id\":\"1\"}]}",
      "[{\"results\":{\"id\":\"1\"}}]",
      "{\"results\":{\"id\":\"1\",\"total_accepted_recipients\":1}",
      "{\"result\":{\"id\":\"1\",\"total_accepted_recipients\":1}}",
      "\"results\"",
  })
  void treatsEveryOtherSuccessBodyAsUnknown(String body) {
    Outcome outcome = interpreter.interpret(response(body));

    assertThat(outcome).isInstanceOf(Outcome.Unknown.class);
    assertThat(((Outcome.Unknown) outcome).failure().summary()).startsWith("HTTP 200 OK with a ");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"results\":{\"total_rejected_recipients\":0,\"total_accepted_recipients\":1,\"id\":\"7033454291873620553\"}}",
      " {\n \"results\" :\t{ \"id\" : \"abc-DEF_1\" ,\r\n \"total_accepted_recipients\" : 12 } } ",
      "{\"results\":{\"id\":\"7\"}}",
  })
  void readsTheUsualBodyWithoutTheParser(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

    Outcome.Accepted compact = interpreter.acceptedCompact(bytes, "req-1");

    assertThat(compact).isNotNull().isEqualTo(interpreter.acceptedFast(bytes, "req-1"));
  }

  /**
   * Every body one edit away from the usual ones (a byte deleted, doubled, or replaced by one of the
   * bytes JSON gives meaning to): wherever the byte-by-byte read returns an acceptance, the parser
   * returns the same one, so skipping the parser never changes an outcome.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"results\":{\"total_rejected_recipients\":0,\"total_accepted_recipients\":1,\"id\":\"7033454291873620553\"}}",
      "{ \"results\": { \"id\": \"42\", \"total_rejected_recipients\": 10, \"total_accepted_recipients\": 9 } }",
  })
  void compactReadAgreesWithTheParserOneEditAway(String usual) {
    byte[] original = usual.getBytes(StandardCharsets.UTF_8);
    byte[] replacements = " \t\n\"\\{}[],:.-+0123456789eEaz\u0007".getBytes(StandardCharsets.UTF_8);
    java.util.List<byte[]> bodies = new java.util.ArrayList<>();
    for (int i = 0; i < original.length; i++) {
      bodies.add(edit(original, i, 1, new byte[0]));
      bodies.add(edit(original, i, 0, new byte[] {original[i]}));
      for (byte replacement : replacements) {
        bodies.add(edit(original, i, 1, new byte[] {replacement}));
        bodies.add(edit(original, i, 0, new byte[] {replacement}));
      }
      bodies.add(edit(original, i, 0, new byte[] {(byte) 0xc3, (byte) 0xa9}));
    }
    bodies.add(edit(original, 0, 0, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}));
    int compactReads = 0;

    for (byte[] body : bodies) {
      Outcome.Accepted compact = interpreter.acceptedCompact(body, "req-1");
      if (compact != null) {
        compactReads++;
        assertThat(compact).as(new String(body, StandardCharsets.UTF_8))
            .isEqualTo(interpreter.acceptedFast(body, "req-1"));
      }
    }

    assertThat(compactReads).isGreaterThan(original.length);
  }

  private static byte[] edit(byte[] original, int at, int removed, byte[] inserted) {
    byte[] edited = new byte[original.length - removed + inserted.length];
    System.arraycopy(original, 0, edited, 0, at);
    System.arraycopy(inserted, 0, edited, at, inserted.length);
    System.arraycopy(original, at + removed, edited, at + inserted.length, original.length - at - removed);
    return edited;
  }

  private static Response response(String body) {
    return new Response.Builder()
        .request(new Request.Builder().url("http://localhost/api/v1/transmissions").build())
        .protocol(Protocol.HTTP_1_1)
        .code(200)
        .message("OK")
        .header(ResponseInterpreter.REQUEST_ID_HEADER, "req-1")
        .body(ResponseBody.create(body.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json")))
        .build();
  }
}
