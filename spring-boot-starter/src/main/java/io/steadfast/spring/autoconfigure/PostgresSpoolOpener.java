package io.steadfast.spring.autoconfigure;

import io.steadfast.spi.Spool;
import io.steadfast.spool.PostgresSpool;
import io.steadfast.spool.SpoolOpenException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Opens the PostgreSQL spool in the application's {@code DataSource} (the single one, or the
 * {@code @Primary} one), and explains each way that can fail. Loaded only for
 * {@code steadfast.spool.store=postgresql}.
 */
final class PostgresSpoolOpener implements SpoolOpener {

  private static final String STORE = "steadfast.spool.store";

  private final ObjectProvider<DataSource> dataSources;

  PostgresSpoolOpener(ObjectProvider<DataSource> dataSources) {
    this.dataSources = dataSources;
  }

  @Override
  public Spool open(SteadfastProperties.Spool properties) {
    DataSource dataSource = dataSources.getIfUnique();
    if (dataSource == null) {
      throw new InvalidSteadfastPropertyException(STORE, "postgresql",
          "the PostgreSQL spool uses the application's DataSource, and there is no DataSource bean (or several "
              + "and none is @Primary)",
          "Add spring-boot-starter-jdbc with the PostgreSQL driver and set spring.datasource.url, username and "
              + "password; or define a DataSource bean (mark one @Primary if there are several).", null);
    }
    SteadfastProperties.Postgresql settings = properties.getPostgresql();
    PostgresSpool.Builder builder = PostgresSpool.builder(dataSource);
    try {
      builder.tablePrefix(settings.getTablePrefix());
    } catch (IllegalArgumentException e) {
      throw new InvalidSteadfastPropertyException("steadfast.spool.postgresql.table-prefix",
          settings.getTablePrefix(), String.valueOf(e.getMessage()),
          "Use lower case letters, digits and underscores, such as steadfast_ or orders_mail_.", e);
    }
    try {
      builder.deliveredRecount(settings.getDeliveredRecount());
    } catch (IllegalArgumentException e) {
      throw new InvalidSteadfastPropertyException("steadfast.spool.postgresql.delivered-recount",
          String.valueOf(settings.getDeliveredRecount()), String.valueOf(e.getMessage()),
          "Set a duration of 0 or more, such as 30s (the default) or 0s to count on every health or metrics read.",
          e);
    }
    String nodeId = settings.getNodeId();
    if (nodeId != null) {
      try {
        builder.nodeId(nodeId);
      } catch (IllegalArgumentException e) {
        throw new InvalidSteadfastPropertyException("steadfast.spool.postgresql.node-id", nodeId,
            String.valueOf(e.getMessage()), "Set a name unique to this instance, such as the pod or host name "
                + "(${HOSTNAME}), or remove it to get one per start.", e);
      }
    }
    try {
      return builder.build();
    } catch (UncheckedIOException e) {
      throw InvalidSteadfastPropertyException.spoolUnavailable(STORE, "postgresql", String.valueOf(e.getMessage()),
          "Check that PostgreSQL is reachable through spring.datasource.url and that its user may create tables "
              + "(the spool creates " + settings.getTablePrefix() + "* tables on first start), or create them "
              + "once with a user that may.", e);
    } catch (SpoolOpenException e) {
      throw InvalidSteadfastPropertyException.spoolUnavailable(STORE, "postgresql", String.valueOf(e.getMessage()),
          "Upgrade Steadfast to the version that wrote the spool tables, or set "
              + "steadfast.spool.postgresql.table-prefix to use other tables; the tables were left unchanged.", e);
    }
  }
}
