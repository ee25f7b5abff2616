package io.steadfast.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DamageReportTest {
  private static final Instant FOUND = Instant.parse("2026-12-03T17:55:32.262Z");

  @Test
  void readsBackWhatItWritesAsAPropertiesFile() throws Exception {
    DamageReport report = new DamageReport("spool.db.1796320532262", FOUND,
        "integrity check failed: Tree 10 page 10: btreeInitPage() returns error code 11\\ x", 7, 2, 5,
        List.of("order-17", "a,b=c"), 1, false, null);

    String text = report.toText();
    Properties plain = new Properties();
    plain.load(new StringReader(text));

    assertThat(DamageReport.parse(text)).isEqualTo(report);
    assertThat(plain.getProperty("unreadable-keys")).isEqualTo("order-17 a,b=c");
    assertThat(plain.getProperty("found-at")).isEqualTo("2026-12-03T17:55:32.262Z");
    assertThat(plain.getProperty("cleared")).isEqualTo("false");
    assertThat(report.outstanding()).isTrue();
  }

  @Test
  void aClearedReportNoLongerStands() {
    DamageReport report = new DamageReport("spool.db.1", FOUND, "x", 1, 0, 3, List.of(), 0, false, null);

    DamageReport cleared = DamageReport.parse(report.clear(FOUND.plusSeconds(60)).toText());

    assertThat(cleared.cleared()).isTrue();
    assertThat(cleared.clearedAt()).isEqualTo(FOUND.plusSeconds(60));
    assertThat(cleared.outstanding()).isFalse();
    assertThat(new DamageReport("spool.db.2", FOUND, "x", 5, 0, 0, List.of(), 0, false, null).outstanding())
        .as("nothing unreadable").isFalse();
  }

  @Test
  void refusesATextThatIsNoReport() {
    assertThatThrownBy(() -> DamageReport.parse("recovered=1\n")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("damaged-copy");
  }
}
