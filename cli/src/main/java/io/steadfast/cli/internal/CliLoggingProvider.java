package io.steadfast.cli.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2 provider of the command line (found through {@code META-INF/services}): every logger
 * prints through {@link CliLog}, so the libraries' warnings reach the user on the run's stderr, one
 * line each, with the key redacted.
 *
 * <p>Why not slf4j-simple: it writes to {@code System.err} as it was when the first logger was made and
 * reads its level once from system properties, so it could neither print to the stderr a test or a run
 * hands the command, nor change the level per run ({@code --verbose}), nor redact the key, nor keep a
 * failure to one line (it always prints stack traces); and the service log of {@code dispatch} would be
 * a second path to stderr with its own format.
 */
public final class CliLoggingProvider implements SLF4JServiceProvider {
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
  private final ILoggerFactory loggerFactory = name -> loggers.computeIfAbsent(name, CliLogger::new);
  private final IMarkerFactory markerFactory = new BasicMarkerFactory();
  private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

  /** Creates the provider; SLF4J's service loader calls this. */
  public CliLoggingProvider() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggerFactory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markerFactory;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdcAdapter;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  /** A logger that asks {@link CliLog} whether its level is on at each call, so the level can change. */
  private static final class CliLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    CliLogger(String name) {
      this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
      return CliLog.enabled(name, Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return CliLog.enabled(name, Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return CliLog.enabled(name, Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return CliLog.enabled(name, Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return CliLog.enabled(name, Level.ERROR);
    }

    @Override
    protected @Nullable String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, @Nullable Marker marker, String messagePattern,
        @Nullable Object[] arguments, @Nullable Throwable throwable) {
      CliLog.line(level, MessageFormatter.basicArrayFormat(messagePattern, arguments), throwable);
    }
  }
}
