package io.steadfast.examples;

import io.steadfast.testing.EmbeddedPostgresServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.steadfast.testing.FakeSparkPost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Runs the fleet example against FakeSparkPost and a real (embedded) PostgreSQL. */
class FleetOutboxTest {
  private static final String KEY = "example-key";
  private final FakeSparkPost sparkPost = FakeSparkPost.start(KEY);

  @AfterEach
  void stop() {
    sparkPost.close();
  }

  @Test
  void committedOrderSendsOneConfirmationAndRolledBackOrderSendsNone() throws Exception {
    String database = EmbeddedPostgresServer.newDatabaseName();

    FleetOutbox.main(new String[] {KEY, sparkPost.baseUrl().toString(), EmbeddedPostgresServer.jdbcUrl(database)});

    assertThat(sparkPost.transmissionCountFor("order-1001")).isEqualTo(1);
    assertThat(sparkPost.transmissionCountFor("order-1002")).isZero();
    assertThat(sparkPost.transmissions()).singleElement()
        .satisfies(t -> assertThat(t.at("/content/subject")).isEqualTo("Order 1001 confirmed"));
  }
}
