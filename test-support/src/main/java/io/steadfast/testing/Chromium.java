package io.steadfast.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium and its chromedriver for the dashboard's browser tests (the starter's
 * and {@code steadfast dispatch --ui-port}'s), installing both packages first when they are missing
 * ({@code apt-get install -y chromium chromium-driver}, as root). A test hands {@link #browser()},
 * {@link #driver()} and {@link #arguments(int, int)} to Selenium's {@code ChromeOptions} and
 * {@code ChromeDriverService}; this class does not depend on Selenium, so test-support does not either.
 *
 * <p>Nothing is skipped: if the browser is missing and cannot be installed, the test fails with the
 * installer's output, so a green build always means the page really ran in a browser. Selenium's own
 * driver download is never used: the driver and browser are the distribution's.
 *
 * @param browser the Chromium executable
 * @param driver the chromedriver executable
 */
public record Chromium(Path browser, Path driver) {

  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path BROWSER = Path.of("/usr/bin/chromium");

  /**
   * Returns the installed browser and driver, installing them first if needed.
   *
   * @throws IllegalStateException if they are missing and could not be installed, with the installer's output
   */
  public static Chromium installed() {
    ensureInstalled();
    return new Chromium(BROWSER, DRIVER);
  }

  /** Returns the browser's arguments for a headless window of {@code width} x {@code height} pixels. */
  public List<String> arguments(int width, int height) {
    // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
    return List.of("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=" + width + "," + height, "--force-device-scale-factor=1");
  }

  private static synchronized void ensureInstalled() {
    if (Files.isExecutable(DRIVER) && Files.isExecutable(BROWSER)) {
      return;
    }
    Optional<String> failure = run(List.of("apt-get", "install", "-y", "chromium", "chromium-driver"));
    if (failure.isPresent()) {
      // A fresh machine may have no package lists yet.
      failure = run(List.of("apt-get", "update")).or(() -> run(List.of("apt-get", "install", "-y", "chromium",
          "chromium-driver")));
    }
    if (failure.isPresent() || !Files.isExecutable(DRIVER) || !Files.isExecutable(BROWSER)) {
      throw new IllegalStateException("The dashboard's browser tests need Debian's chromium and chromium-driver ("
          + BROWSER + ", " + DRIVER + "), and installing them failed; install them as root with "
          + "'apt-get install -y chromium chromium-driver'. Installer said: " + failure.orElse("(nothing)"));
    }
  }

  /** Runs {@code command}, returning its output if it failed. */
  private static Optional<String> run(List<String> command) {
    try {
      Path log = Files.createTempFile("steadfast-apt", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process process = builder.start();
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return Optional.of(String.join(" ", command) + " did not finish within 15 minutes");
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      String tail = output.length() > 2000 ? output.substring(output.length() - 2000) : output;
      return process.exitValue() == 0 ? Optional.empty()
          : Optional.of(String.join(" ", command) + " exited " + process.exitValue() + ": " + tail);
    } catch (IOException e) {
      return Optional.of(String.join(" ", command) + " could not run: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(String.join(" ", command) + " was interrupted");
    }
  }
}
