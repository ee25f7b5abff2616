package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.spi.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
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
