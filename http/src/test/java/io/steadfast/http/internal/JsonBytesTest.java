package io.steadfast.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.Base64Variants;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link JsonBytes} writes byte for byte what Jackson's generator (a {@link JsonMapper} with its
 * defaults, which the transport used before) writes for the same calls: on random text over every
 * kind of char (controls, quotes, backslashes, slashes, Latin-1, the BMP, surrogate pairs and lone
 * surrogates), on numbers
 * of every type core allows, on nesting, and on binary data. Seeded, so a failure repeats.
 */
class JsonBytesTest {
  private static final JsonMapper JACKSON = JsonMapper.builder().build();

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomTextIsWrittenAsJacksonWritesIt(int seed) {
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      String name = text(random, random.nextInt(12));
      String value = text(random, random.nextInt(300));
      assertSame(json -> {
        json.writeStartObject();
        json.writeStringProperty(name, value);
        json.writeName("list");
        json.writeStartArray();
        json.writeString(value);
        json.writeString(name);
        json.writeEndArray();
        json.writeEndObject();
      }, jackson -> {
        jackson.writeStartObject();
        jackson.writeStringProperty(name, value);
        jackson.writeName("list");
        jackson.writeStartArray();
        jackson.writeString(value);
        jackson.writeString(name);
        jackson.writeEndArray();
        jackson.writeEndObject();
      });
    }
  }

  @Test
  void everyAsciiCharIsEscapedAsJacksonEscapesIt() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      all.append(c);
    }
    String text = all.toString();
    assertSame(json -> json.writeString(text), jackson -> jackson.writeString(text));
  }

  @Test
  void numbersBooleansAndNestingAreWrittenAsJacksonWritesThem() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      long whole = random.nextLong() >> random.nextInt(64);
      double fraction = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(fraction) || Double.isInfinite(fraction)) {
        fraction = random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
      }
      float single = random.nextFloat() * (float) Math.pow(10, random.nextInt(20) - 10);
      BigDecimal decimal = new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(40) - 20);
      BigInteger big = new BigInteger(100, random);
      boolean flag = random.nextBoolean();
      double d = fraction;
      assertSame(json -> {
        json.writeStartArray();
        json.writeNumber(whole);
        json.writeNumber((int) whole);
        json.writeNumber(d);
        json.writeNumber(single);
        json.writeNumber(decimal);
        json.writeNumber(big);
        json.writeBoolean(flag);
        json.writeStartObject();
        json.writeBooleanProperty("b", !flag);
        json.writeName("empty");
        json.writeStartObject();
        json.writeEndObject();
        json.writeName("none");
        json.writeStartArray();
        json.writeEndArray();
        json.writeEndObject();
        json.writeEndArray();
      }, jackson -> {
        jackson.writeStartArray();
        jackson.writeNumber(whole);
        jackson.writeNumber((int) whole);
        jackson.writeNumber(d);
        jackson.writeNumber(single);
        jackson.writeNumber(decimal);
        jackson.writeNumber(big);
        jackson.writeBoolean(flag);
        jackson.writeStartObject();
        jackson.writeBooleanProperty("b", !flag);
        jackson.writeName("empty");
        jackson.writeStartObject();
        jackson.writeEndObject();
        jackson.writeName("none");
        jackson.writeStartArray();
        jackson.writeEndArray();
        jackson.writeEndObject();
        jackson.writeEndArray();
      });
    }
  }

  @Test
  void deepNestingGrowsTheWritersState() {
    assertSame(json -> {
      for (int i = 0; i < 100; i++) {
        json.writeStartArray();
        json.writeNumber(i);
      }
      for (int i = 0; i < 100; i++) {
        json.writeEndArray();
      }
    }, jackson -> {
      for (int i = 0; i < 100; i++) {
        jackson.writeStartArray();
        jackson.writeNumber(i);
      }
      for (int i = 0; i < 100; i++) {
        jackson.writeEndArray();
      }
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 57, 1000, 100_000})
  void binaryIsBase64WithoutLineBreaksAsJacksonWritesIt(int length) {
    byte[] content = new byte[length];
    new Random(length).nextBytes(content);
    assertSame(json -> {
      json.writeStartObject();
      json.writeName("data");
      json.writeBinary(content);
      json.writeEndObject();
    }, jackson -> {
      jackson.writeStartObject();
      jackson.writeName("data");
      jackson.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, content, 0, content.length);
      jackson.writeEndObject();
    });
  }

  @Test
  void aBufferFarTooSmallGrowsToHoldEverything() {
    String text = "é😀\"".repeat(10_000);
    JsonBytes json = new JsonBytes(1);
    json.writeString(text);
    TransmissionWriter.Json written = json.json();
    assertThat(new String(written.bytes(), 0, written.length(), StandardCharsets.UTF_8))
        .isEqualTo(jackson(jackson -> jackson.writeString(text)));
  }

  @ParameterizedTest
  @ValueSource(ints = {126, 127, 128, 255, 256})
  void aSurrogatePairOrALoneHalfAtTheWritersChunkBoundaryIsWrittenAsJacksonWritesIt(int before) {
    for (String tail : new String[] {"\uD83D\uDE00 after", "\uD83D", "\uD83Dx", "\uDE00\uD83D\uDE00"}) {
      String text = "a".repeat(before) + tail;
      assertSame(json -> json.writeString(text), jackson -> jackson.writeString(text));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"\uD83D", "a\uDE00b", "\uDE00\uD83D", "end\uD83D", "\uD83D\uD83D\uDE00"})
  void aLoneSurrogateIsEscapedAsJacksonEscapesIt(String text) {
    assertSame(json -> json.writeString(text), jackson -> jackson.writeString(text));
  }

  /** Random text: a mix of ASCII (controls and escapes included), Latin-1, the BMP and surrogate pairs. */
  private static String text(Random random, int length) {
    StringBuilder text = new StringBuilder(length);
    while (text.length() < length) {
      switch (random.nextInt(6)) {
        case 0 -> text.append((char) random.nextInt(0x20));
        case 1 -> text.append("\"\\/\u007f".charAt(random.nextInt(4)));
        case 2 -> text.append((char) (0x80 + random.nextInt(0x780)));
        case 3 -> {
          char c = (char) (0x800 + random.nextInt(0xF800 - 0x800));
          text.append(Character.isSurrogate(c) ? 'x' : c);
        }
        case 4 -> {
          if (random.nextInt(8) == 0) {
            text.append((char) (0xD800 + random.nextInt(0x800)));
          } else {
            text.appendCodePoint(0x10000 + random.nextInt(0x100000));
          }
        }
        default -> text.append((char) (0x20 + random.nextInt(0x5F)));
      }
    }
    return text.toString();
  }

  private interface Calls<T> {
    void make(T writer);
  }

  private static void assertSame(Calls<JsonBytes> ours, Calls<JsonGenerator> theirs) {
    JsonBytes json = new JsonBytes(8);
    ours.make(json);
    TransmissionWriter.Json written = json.json();
    assertThat(new String(written.bytes(), 0, written.length(), StandardCharsets.UTF_8)).isEqualTo(jackson(theirs));
    assertThat(written.toByteArray()).isEqualTo(jacksonBytes(theirs));
  }

  private static String jackson(Calls<JsonGenerator> calls) {
    return new String(jacksonBytes(calls), StandardCharsets.UTF_8);
  }

  private static byte[] jacksonBytes(Calls<JsonGenerator> calls) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = JACKSON.createGenerator(out)) {
      calls.make(generator);
    }
    return out.toByteArray();
  }
}
