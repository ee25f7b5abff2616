package io.steadfast.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotStuffingOutputStreamTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "plain line|plain line\\r\\n",
      "a\\r\\nb\\r\\n|a\\r\\nb\\r\\n",
      "bare lf\\nnext|bare lf\\r\\nnext\\r\\n",
      "bare cr\\rnext|bare cr\\r\\nnext\\r\\n",
      ".leading dot|..leading dot\\r\\n",
      "a\\r\\n.\\r\\nb|a\\r\\n..\\r\\nb\\r\\n",
      "x\\n..two|x\\r\\n...two\\r\\n",
      "not.at.start|not.at.start\\r\\n",
      "ends with cr\\r|ends with cr\\r\\n"})
  void normalisesLineEndingsAndDoublesLeadingDots(String input, String expected) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DotStuffingOutputStream data = new DotStuffingOutputStream(out);

    byte[] bytes = unescape(input).getBytes(StandardCharsets.US_ASCII);
    data.write(bytes, 0, 3 > bytes.length ? bytes.length : 3); // across two writes
    data.write(bytes, Math.min(3, bytes.length), bytes.length - Math.min(3, bytes.length));
    data.endLine();

    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(unescape(expected));
  }

  private static String unescape(String text) {
    return text.replace("\\r", "\r").replace("\\n", "\n");
  }
}
