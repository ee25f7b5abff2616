package io.steadfast.cli;

import io.steadfast.Message;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads the files a message is made of ({@code --message}, {@code --eml}, {@code --attach}) only after
 * checking their sizes against SparkPost's limits, so that a file no message could hold is refused in
 * one line naming it, its size and the limit, instead of being read whole into memory first (a 200 MB
 * file used to end in an OutOfMemoryError). Every failure is a {@link UsageException}: exit 2.
 */
final class InputFiles {
  /**
   * The largest {@code --message} JSON file: SparkPost's recommended maximum for the JSON of one
   * transmission ("keep a payload size no greater than 50MB ... the total size of the JSON used for
   * transmission, including the content, recipients and any substitution data", SparkPost support,
   * "SMTP and REST API Injection Best Practices"). Its content must still fit
   * {@link Message#MAX_MESSAGE_BYTES}, which the message itself checks.
   */
  static final long MAX_JSON_BYTES = 50L * 1024 * 1024;

  private InputFiles() {}

  /**
   * Checks, before anything is read, that each file exists and that together they fit SparkPost's
   * message size limit ({@link Message#MAX_MESSAGE_BYTES}, attachments counted after base64 encoding),
   * and that the JSON file is at most {@link #MAX_JSON_BYTES}.
   *
   * @throws UsageException naming the first file that is missing or too large
   */
  static void checkSizes(@Nullable Path json, @Nullable Path eml, List<Path> attachments) {
    if (json != null) {
      long size = size("--message", json);
      if (size > MAX_JSON_BYTES) {
        throw new UsageException("--message " + json + " is " + megabytes(size)
            + String.format(Locale.ROOT, " (%,d bytes)", size) + ", over the limit of " + megabytes(MAX_JSON_BYTES)
            + " for the JSON of one message (SparkPost's recommended maximum transmission payload); link to large"
            + " files instead of embedding them.");
      }
    }
    long total = 0;
    if (eml != null) {
      total = add("--eml", eml, size("--eml", eml), total);
    }
    for (Path file : attachments) {
      long size = size("--attach", file);
      // Base64 turns every 3 bytes into 4 characters: what SparkPost counts against its limit.
      total = add("--attach", file, (size + 2) / 3 * 4, total);
    }
  }

  /** Reads {@code file} as UTF-8 text (call {@link #checkSizes} first). */
  static String readString(String option, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw cannotRead(option, file, e);
    }
  }

  /** Reads {@code file}'s bytes (call {@link #checkSizes} first). */
  static byte[] readBytes(String option, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw cannotRead(option, file, e);
    }
  }

  /**
   * Parses {@code file} as JSON straight from the file (no copy of it as a string) and returns its
   * top-level object.
   *
   * @throws UsageException if the file is not JSON (naming the line, column and field where it breaks)
   *     or holds something other than an object ({@code null}, an array, a number ...)
   */
  static JsonNode readJsonObject(ObjectMapper json, String option, Path file) {
    JsonNode tree;
    try (InputStream in = Files.newInputStream(file)) {
      tree = json.readTree(in);
    } catch (IOException e) {
      throw cannotRead(option, file, e);
    } catch (JacksonException e) {
      throw new UsageException(option + " " + file + ": " + CommandFailures.describe(e));
    }
    if (tree == null || !tree.isObject()) {
      throw new UsageException(option + " " + file + " holds " + what(tree) + ", not a JSON object: give a SparkPost"
          + " Transmissions request body, such as {\"recipients\": [{\"address\": \"a@example.com\"}], \"content\":"
          + " {\"from\": \"shop@example.com\", \"subject\": \"Hi\", \"text\": \"Hello\"}}.");
    }
    return tree;
  }

  private static String what(@Nullable JsonNode tree) {
    if (tree == null || tree.isMissingNode()) {
      return "no JSON value";
    }
    if (tree.isNull()) {
      return "null";
    }
    return tree.isArray() ? "an array" : "a " + tree.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static long add(String option, Path file, long countedBytes, long total) {
    long sum = total + countedBytes;
    if (sum > Message.MAX_MESSAGE_BYTES) {
      long size = size(option, file);
      String encoded = countedBytes == size ? ""
          : String.format(Locale.ROOT, "; %,d after base64 encoding", countedBytes);
      String brings = total == 0 ? "" : ", which brings the message to " + megabytes(sum);
      throw new UsageException(option + " " + file + " is " + megabytes(size)
          + String.format(Locale.ROOT, " (%,d bytes%s)", size, encoded) + brings + ", over SparkPost's limit of "
          + megabytes(Message.MAX_MESSAGE_BYTES) + " for a whole message; link to large files instead of attaching"
          + " them.");
    }
    return sum;
  }

  private static long size(String option, Path file) {
    try {
      if (Files.isDirectory(file)) {
        throw new UsageException(option + " " + file + " is a directory, not a file.");
      }
      return Files.size(file);
    } catch (NoSuchFileException e) {
      throw new UsageException(option + " " + file + " does not exist.");
    } catch (IOException e) {
      throw cannotRead(option, file, e);
    }
  }

  private static UsageException cannotRead(String option, Path file, IOException e) {
    String reason = e instanceof NoSuchFileException ? "no such file" : e.getMessage() == null
        ? e.getClass().getSimpleName() : e.getMessage();
    return new UsageException("Cannot read " + option + " " + file + ": " + reason);
  }

  /** Returns {@code 200 MB} or {@code 21.3 MB}: SparkPost states its limits in MB (of 1,048,576 bytes). */
  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0).replace(".0 MB", " MB");
  }
}
