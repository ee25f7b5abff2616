package io.steadfast.cli;

import io.steadfast.DeliveryListener;
import io.steadfast.EmailClient;
import io.steadfast.SpoolConfig;
import io.steadfast.SteadfastConfig;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.steadfast.spi.Spool;
import io.steadfast.spool.PostgresSpool;
import io.steadfast.spool.SpoolOpenException;
import io.steadfast.spool.SqliteSpool;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * Where the spool lives and how a command opens it: a SQLite directory ({@code --spool DIR}, or
 * {@code spool-dir} in the --config file), or a PostgreSQL database ({@code --spool-url
 * jdbc:postgresql://...}, or {@code spool-url}), the user in the URL or {@code spool-user}, the password
 * from {@code STEADFAST_SPOOL_PASSWORD} or {@code spool-password} in the --config file, never from a flag.
 * A SQLite spool shared by several users' processes names their group with {@code --trusted-group}.
 * A spool that cannot be opened throws {@link io.steadfast.spool.SpoolOpenException}, which
 * {@link CommandFailures} turns into one line and the exit code its reason calls for.
 */
final class SpoolOptions {
  /** The environment variable that holds the PostgreSQL spool's password. */
  static final String PASSWORD_VARIABLE = "STEADFAST_SPOOL_PASSWORD";

  @Option(names = "--spool", paramLabel = "DIR",
      description = "The spool directory (default: spool-dir in --config).")
  @Nullable Path spool;

  @Option(names = "--spool-url", paramLabel = "JDBC_URL",
      description = "A PostgreSQL spool instead of a directory, e.g. jdbc:postgresql://db.internal/mail?user=mailer"
          + " (default: spool-url in --config); the password comes from " + PASSWORD_VARIABLE + " or spool-password"
          + " in --config, never from the command line. Any number of dispatchers may share it.")
  @Nullable String spoolUrl;

  @Option(names = "--lock-timeout", paramLabel = "DURATION", converter = DrainCommand.DurationConverter.class,
      description = "How long a write waits while another process writes to the spool, e.g. 500ms or 30s"
          + " (default: 10s); past it the command stores nothing and exits 3.")
  Duration lockTimeout = SqliteSpool.DEFAULT_LOCK_TIMEOUT;

  @Option(names = "--trusted-group", paramLabel = "GROUP", converter = GroupConverter.class,
      description = "For a shared SQLite spool that several users' processes submit to, all of them members of"
          + " GROUP: the spool directory and its files may then be writable by GROUP and owned by any of its members"
          + " (make the directory setgid GROUP with mode 2770: chgrp GROUP DIR; chmod 2770 DIR). Without it a spool"
          + " writable by its group or owned by another user is refused (exit 2); one writable by every user always"
          + " is.")
  @Nullable String trustedGroup;

  /**
   * Returns the PostgreSQL spool's JDBC URL, or {@code null} if the spool is a directory: the flags
   * first, then the --config file; a directory and a URL at once is a usage error.
   */
  @Nullable String url(ConnectionOptions connection) throws IOException {
    if (spool != null && spoolUrl != null) {
      throw new UsageException("Both --spool and --spool-url: pass one, a spool directory or a PostgreSQL database.");
    }
    if (spoolUrl != null) {
      if (spoolUrl.toLowerCase(Locale.ROOT).contains("password=")) {
        throw new UsageException("--spool-url holds a password, which shells and process lists would keep: set "
            + PASSWORD_VARIABLE + " or spool-password in --config instead.");
      }
      return sqliteOnlyOptions(postgresUrl(spoolUrl.strip()));
    }
    if (spool != null) {
      return null;
    }
    String configured = connection.property("spool-url");
    if (configured != null && connection.property("spool-dir") != null) {
      throw new UsageException("Both spool-dir and spool-url in --config: set one, a spool directory or a PostgreSQL "
          + "database.");
    }
    return configured == null ? null : sqliteOnlyOptions(postgresUrl(configured.strip()));
  }

  /**
   * Returns {@code url}, refusing --trusted-group beside it: a PostgreSQL spool's access is its database
   * roles', and an option that silently did nothing would let an operator believe a group was checked.
   */
  private String sqliteOnlyOptions(String url) {
    if (trustedGroup != null) {
      throw new UsageException("--trusted-group is for a SQLite spool directory, and the spool is the PostgreSQL "
          + "database " + withoutQuery(url) + ", whose roles decide who may write it: leave out --trusted-group.");
    }
    return url;
  }

  private static String postgresUrl(String url) {
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new UsageException("The spool URL '" + withoutQuery(url) + "' is not a PostgreSQL JDBC URL: use "
          + "jdbc:postgresql://HOST[:PORT]/DATABASE, or --spool DIR for a SQLite spool.");
    }
    return url;
  }

  /** Returns the URL without its query (user, options), for messages and logs. */
  static String withoutQuery(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  /** Returns what the spool is, for messages: "DIR" or "the PostgreSQL database URL". */
  String describe(ConnectionOptions connection) throws IOException {
    String url = url(connection);
    return url == null ? directory(connection).toAbsolutePath().toString() : "the PostgreSQL database "
        + withoutQuery(url);
  }

  /** Returns the spool directory, or throws a usage error saying where it may come from. */
  Path directory(ConnectionOptions connection) throws IOException {
    if (spool != null) {
      return spool;
    }
    if (url(connection) != null) {
      throw new UsageException("This command works on a SQLite spool directory only, and the spool is a PostgreSQL "
          + "database (--spool-url or spool-url).");
    }
    String configured = connection.property("spool-dir");
    if (configured == null) {
      throw new UsageException("No spool directory: pass --spool DIR (or --spool-url for PostgreSQL), or set spool-dir "
          + "(or spool-url) in --config.");
    }
    return Path.of(configured.strip());
  }

  /**
   * Opens the PostgreSQL spool at {@code url} over a small connection pool of its own, which closing the
   * spool closes.
   *
   * @throws UsageException if the database refuses the user or the password
   * @throws SpoolOpenException {@code ENVIRONMENT} if the database cannot be reached or its tables made
   */
  private Spool openPostgres(ConnectionOptions connection, String url, int connections) throws IOException {
    String password = connection.environment.get(PASSWORD_VARIABLE);
    if (password == null || password.isEmpty()) {
      password = connection.property("spool-password");
    }
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(url);
    String user = connection.property("spool-user");
    if (user != null) {
      pool.setUsername(user.strip());
    }
    if (password != null) {
      pool.setPassword(password);
    }
    pool.setPoolName("steadfast-spool");
    pool.setMaximumPoolSize(connections);
    pool.setMinimumIdle(1);
    pool.setConnectionTimeout(lockTimeout.toMillis() < 250 ? 250 : lockTimeout.toMillis());
    String where = withoutQuery(url);
    HikariDataSource dataSource;
    try {
      dataSource = new HikariDataSource(pool);
    } catch (RuntimeException e) {
      throw unreachable(where, e);
    }
    try {
      return PostgresSpool.builder(dataSource).closing(dataSource).build();
    } catch (RuntimeException e) {
      dataSource.close();
      if (e instanceof SpoolOpenException) {
        throw e;
      }
      throw unreachable(where, e);
    }
  }

  private static RuntimeException unreachable(String where, RuntimeException e) {
    SQLException sql = null;
    for (Throwable t = e; t != null && sql == null; t = t.getCause()) {
      if (t instanceof SQLException found) {
        sql = found;
      }
    }
    String state = sql == null ? null : sql.getSQLState();
    String text = sql != null && sql.getMessage() != null ? sql.getMessage().lines().findFirst().orElse("")
        : String.valueOf(e.getMessage());
    if (state != null && state.startsWith("28")) {
      // Class 28, invalid authorization: the user or the password must change, waiting will not help.
      return new UsageException("The PostgreSQL spool at " + where + " refused the login (" + text + "): check the user"
          + " (in the URL or spool-user) and " + PASSWORD_VARIABLE + " (or spool-password in --config).");
    }
    return new SpoolOpenException(SpoolOpenException.Reason.ENVIRONMENT, "The PostgreSQL spool at " + where
        + " cannot be opened (" + text + "); nothing was stored or changed. Check that the database is up and reachable"
        + " from here, then run the command again.", e);
  }

  /** Returns the spool directory, refusing one that does not exist (a mistyped path should not look empty). */
  Path existingDirectory(ConnectionOptions connection) throws IOException {
    Path directory = directory(connection);
    if (!Files.isDirectory(directory)) {
      throw new UsageException("No spool at " + directory + ": the directory does not exist.");
    }
    return directory;
  }

  /**
   * Opens an existing spool for an operator's change (requeue, flush, purge) as one more writer beside
   * any submitters and the dispatcher, which sees the change at once: no dispatcher lock is taken, so it
   * works while {@code steadfast dispatch} runs.
   */
  Spool openForChanges(ConnectionOptions connection) throws IOException {
    String url = url(connection);
    if (url != null) {
      return openPostgres(connection, url, 2);
    }
    return openSqlite(existingDirectory(connection), false);
  }

  /**
   * Opens an existing spool for reading only: no lock (it works while a dispatcher holds the spool), and
   * nothing is created, migrated, moved or changed, not even a damaged file. A PostgreSQL spool is
   * opened as any node opens it (its tables are created if missing).
   */
  Spool openReadOnly(ConnectionOptions connection) throws IOException {
    String url = url(connection);
    if (url != null) {
      return openPostgres(connection, url, 2);
    }
    Path directory = existingDirectory(connection);
    if (!Files.exists(directory.resolve(SqliteSpool.DATABASE_FILE))) {
      throw new UsageException("No spool at " + directory + ": the directory holds no " + SqliteSpool.DATABASE_FILE
          + " (nothing was submitted there yet?).");
    }
    return trustedGroup == null ? SqliteSpool.openReadOnly(directory)
        : SqliteSpool.openReadOnly(directory, trustedGroup);
  }

  /**
   * Opens the SQLite spool in {@code directory} for dispatch or for submitting, with the lock timeout and
   * trusting --trusted-group if given.
   */
  private SqliteSpool openSqlite(Path directory, boolean dispatch) {
    if (trustedGroup == null) {
      return dispatch ? SqliteSpool.open(directory, lockTimeout) : SqliteSpool.openForSubmit(directory, lockTimeout);
    }
    return dispatch ? SqliteSpool.open(directory, lockTimeout, trustedGroup)
        : SqliteSpool.openForSubmit(directory, lockTimeout, trustedGroup);
  }

  /**
   * Opens a client over the spool (creating it if needed) with the configured key and endpoint; closes
   * the spool if that fails. A submit-only client starts no dispatcher and never connects to SparkPost;
   * it opens the spool as one of any number of submitters, beside a dispatcher that may be running. A
   * dispatching client takes the spool's dispatcher lock (another dispatcher: exit 3).
   */
  EmailClient client(ConnectionOptions connection, Duration closeTimeout, boolean submitOnly) throws IOException {
    return client(connection, submitOnly, builder -> builder.closeTimeout(closeTimeout), DeliveryListener.NONE);
  }

  /**
   * Opens a client as {@link #client(ConnectionOptions, Duration, boolean)} does, with {@code tune}
   * applied to the spool configuration and {@code listener} told of deliveries and circuit changes.
   */
  EmailClient client(ConnectionOptions connection, boolean submitOnly, UnaryOperator<SpoolConfig.Builder> tune,
      DeliveryListener listener) throws IOException {
    var key = connection.apiKey();
    var endpoint = connection.endpoint();
    connection.reconcilePolicy(); // a bad setting is a usage error before the spool opens
    String url = url(connection);
    Spool opened;
    if (url != null) {
      // A dispatcher's workers (--workers), its loop, its reconciler and the LISTEN connection each want one;
      // the pool opens them as they are asked for, up to this.
      opened = openPostgres(connection, url, submitOnly ? 2 : 16);
    } else {
      opened = openSqlite(directory(connection), !submitOnly);
    }
    try {
      SpoolConfig spoolConfig = tune.apply(SpoolConfig.builder(opened)
          .pollInterval(Duration.ofMillis(200))
          .submitOnly(submitOnly))
          .build();
      return EmailClient.create(SteadfastConfig.builder().apiKey(key).endpoint(endpoint).listener(listener)
          .reconcilePolicy(connection.reconcilePolicy()).spool(spoolConfig).build());
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }

  /**
   * Checks a --trusted-group value: blank, or a name that is no group on this host, is a usage error
   * before any spool is opened (the spool would refuse it as an {@link IllegalArgumentException}, which
   * would read as a bug).
   */
  static final class GroupConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.isBlank()) {
        throw new TypeConversionException("the group name is blank; name the group whose members share the spool");
      }
      FileSystem fileSystem = FileSystems.getDefault();
      // Without POSIX attributes (Windows) the spool ignores groups, so there is nothing to look up.
      if (fileSystem.supportedFileAttributeViews().contains("posix")) {
        try {
          fileSystem.getUserPrincipalLookupService().lookupPrincipalByGroupName(value);
        } catch (UserPrincipalNotFoundException e) {
          throw new TypeConversionException("'" + value + "' is not a group on this host");
        } catch (IOException e) {
          // The lookup itself failed, not the name: opening the spool looks the group up again and reports that.
        }
      }
      return value;
    }
  }
}
