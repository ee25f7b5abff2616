package io.steadfast.testing;

import static io.steadfast.testing.Http.API_KEY;
import static io.steadfast.testing.Http.VALID;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeduplicationTest {

  private final FakeSparkPost fake = FakeSparkPost.start(API_KEY);

  @AfterEach
  void closeFake() {
    fake.close();
  }

  @Test
  void recordsAndCountsRepeatedKeyByDefaultAsSparkPostDoesNotDeduplicate() {
    String first = send("key-1");
    String second = send("key-1");
    send("key-2");

    assertThat(second).isNotEqualTo(first);
    assertThat(fake.transmissions()).hasSize(3);
    assertThat(fake.transmissionCountFor("key-1")).isEqualTo(2);
    assertThat(fake.duplicateCount()).isEqualTo(1);
    assertThat(fake.duplicatesFor("key-1")).isEqualTo(1);
    assertThat(fake.duplicatesFor("key-2")).isZero();
    assertThat(fake.duplicateKeys()).containsExactly("key-1");
    assertThat(fake.acceptedKeys()).containsExactlyInAnyOrder("key-1", "key-2");
  }

  @Test
  void answersRepeatedKeyWithFirstTransmissionIdWhenDeduplicating() {
    fake.deduplicateByKey(true);

    String first = send("key-1");
    String second = send("key-1");
    String third = send("key-1");

    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(fake.transmissions()).singleElement().satisfies(t -> assertThat(t.id()).isEqualTo(first));
    assertThat(fake.requests()).hasSize(3).allSatisfy(r -> assertThat(r.transmissionId()).isEqualTo(first));
    assertThat(fake.duplicateCount()).isEqualTo(2);
    assertThat(fake.duplicatesFor("key-1")).isEqualTo(2);
    assertThat(fake.acceptedKeys()).containsExactly("key-1");
  }

  @Test
  void readsKeyFromMetadataAsWellAsHeader() {
    fake.deduplicateByKey(true);
    String withMetadata =
        Http.with(VALID, "/metadata", "{\"steadfast_idempotency_key\":\"key-m\"}");

    String first = Http.json(Http.post(fake, withMetadata)).at("/results/id").stringValue();
    String second = send("key-m");

    assertThat(second).isEqualTo(first);
    assertThat(fake.duplicateKeys()).containsExactly("key-m");
  }

  @Test
  void neverCountsTransmissionsWithoutKeyAsDuplicates() {
    Http.post(fake, VALID);
    Http.post(fake, VALID);

    assertThat(fake.transmissions()).hasSize(2);
    assertThat(fake.duplicateCount()).isZero();
    assertThat(fake.acceptedKeys()).isEmpty();
  }

  @Test
  void failedAttemptsDoNotMakeTheRetryADuplicate() {
    fake.enqueue(FakeResponse.serverError(503), FakeResponse.connectionReset());

    assertThat(statusOf("key-1")).isEqualTo(503);
    assertThat(statusOf("key-1")).isEqualTo(-1);
    send("key-1");

    assertThat(fake.duplicateCount()).isZero();
    assertThat(fake.acceptedKeys()).containsExactly("key-1");
  }

  @Test
  void resetForgetsKeysAndDuplicatesAndTurnsDeduplicationOff() {
    fake.deduplicateByKey(true);
    send("key-1");
    send("key-1");

    fake.reset();
    send("key-1");
    send("key-1");

    assertThat(fake.transmissions()).hasSize(2);
    assertThat(fake.duplicateCount()).isEqualTo(1);
  }

  private String send(String key) {
    HttpResponse<String> response =
        Http.send(Http.transmission(fake, VALID).header("Idempotency-Key", key).build());
    assertThat(response.statusCode()).isEqualTo(200);
    return Http.json(response).at("/results/id").stringValue();
  }

  private int statusOf(String key) {
    try {
      return Http.sendOrThrow(Http.transmission(fake, VALID).header("Idempotency-Key", key).build())
          .statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }
}
