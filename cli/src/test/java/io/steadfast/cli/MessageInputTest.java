package io.steadfast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad message input (issue #23 items 5 and 6): a file too large for SparkPost is refused before it is
 * read, and every broken {@code --message} file, bad field or refused value gets one line naming the
 * option, file and field, exit 2, never a stack trace.
 */
class MessageInputTest extends CliRunner {
  private static final long MB = 1024 * 1024;

  @TempDir Path dir;

  /** A sparse file: {@code bytes} long on paper, no disk blocks, read back as zeros. */
  private Path sparse(String name, long bytes) throws IOException {
    Path file = dir.resolve(name);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(bytes);
    }
    return file;
  }

  private static String[] send(String... message) {
    String[] args = new String[message.length + 9];
    System.arraycopy(new String[] {"send", "--from", "shop@example.com", "--to", "a@example.com", "--subject", "Hi",
        "--text", "Hello"}, 0, args, 0, 9);
    System.arraycopy(message, 0, args, 9, message.length);
    return args;
  }

  private static void assertOneLineUsageError(int code, String err) {
    assertThat(code).as(err).isEqualTo(Steadfast.USAGE);
    assertThat(err).hasLineCount(1).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("Error:");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--message | 50 MB",
      "--eml     | 20 MB",
      "--attach  | 20 MB"})
  void aFileOf200MegabytesIsRefusedBeforeItIsReadUnderASmallHeap(String option, String limit) throws Exception {
    Path big = sparse("big.bin", 200 * MB);

    // 64 MB of heap: reading the file whole, as before, ends in an OutOfMemoryError.
    ChildCli.Run run = new ChildCli().jvm("-Xmx64m").run(send(option, big.toString()));

    assertOneLineUsageError(run.exitCode(), run.err());
    assertThat(run.err()).startsWith(option + " " + big + " is 200 MB (209,715,200 bytes")
        .contains("over ").contains("limit of " + limit).doesNotContain("OutOfMemory");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void attachmentsTogetherOverTheLimitAreRefusedNamingTheOneThatTipsIt() throws IOException {
    Path first = sparse("first.pdf", 8 * MB);
    Path second = sparse("second.pdf", 8 * MB);

    int code = run(send("--attach", first.toString(), "--attach", second.toString()));

    assertOneLineUsageError(code, err.toString());
    assertThat(err.toString()).startsWith("--attach " + second + " is 8 MB (8,388,608 bytes; 11,184,812 after base64 "
        + "encoding), which brings the message to 21.3 MB, over SparkPost's limit of 20 MB");
  }

  @Test
  void aMissingOrDirectoryInputFileIsNamed() {
    assertOneLineUsageError(run(send("--attach", dir.resolve("gone.pdf").toString())), err.toString());
    assertThat(err.toString()).contains("--attach " + dir.resolve("gone.pdf") + " does not exist");

    assertOneLineUsageError(run(send("--eml", dir.toString())), err.toString());
    assertThat(err.toString()).contains("--eml " + dir + " is a directory");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "null                | null                                       | holds null, not a JSON object",
      "an array            | []                                         | holds an array, not a JSON object",
      "a number            | 42                                         | holds a number, not a JSON object",
      "a string            | `\"hello\"`                                | holds a string, not a JSON object",
      "nothing             | ``                                         | holds no JSON value",
      "truncated JSON      | `{\"from\": \"a@example.com\", `           | Unexpected end-of-input",
      "broken JSON         | `{\"from\" \"a@example.com\"}`             | (line 1, column",
      "a bad key           | `{\"idempotencyKey\": \"has space\"}`      | field 'idempotencyKey'",
      "a too long key      | `{\"idempotencyKey\": \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"}` | field 'idempotencyKey': idempotency key must be 1 to 64",
      "a bad address       | `{\"cc\": \"not an address\"}`             | 'not an address' must look like name@example.com",
      "a number as subject | `{\"subject\": 42}`                        | field 'subject' must be a string",
      "a null subject      | `{\"subject\": null}`                      | field 'subject' must be a string",
      "an object as to     | `{\"to\": {\"a\": 1}}`                     | field 'to' must be a string or a list",
      "a null in to        | `{\"to\": [\"b@example.com\", null]}`      | field 'to' must be a string or a list",
      "a string as flag    | `{\"transactional\": \"yes\"}`             | field 'transactional' must be true or false",
      "a list as metadata  | `{\"metadata\": [1]}`                      | field 'metadata' must be a JSON object",
      "an unknown field    | `{\"form\": \"a@example.com\"}`            | unknown field 'form'"})
  void aBadMessageFileIsOneLineNamingTheField(String what, String json, String expected) throws IOException {
    Path file = Files.writeString(dir.resolve("message.json"), json);

    int code = run(send("--message", file.toString()));

    assertOneLineUsageError(code, err.toString());
    assertThat(err.toString()).as(what).contains(expected);
    assertThat(out.toString()).isEmpty();
  }
}
