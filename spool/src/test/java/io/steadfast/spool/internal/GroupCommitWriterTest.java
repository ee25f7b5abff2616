package io.steadfast.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group-commit writer on a real SQLite file: combined runs, their fallback, and how it stops. */
class GroupCommitWriterTest {
  @TempDir Path temp;

  private Connection connection;
  private GroupCommitWriter writer;
  /** How many items each call of {@link #insertAll} received, in call order. */
  private final List<Integer> callSizes = new CopyOnWriteArrayList<>();

  /** Inserts each item as a row and returns its rowid; an item "bad" spoils the whole call. */
  private final GroupCommitWriter.Combined<String, Long> insertAll = (c, items) -> {
    callSizes.add(items.size());
    List<Long> ids = new ArrayList<>();
    for (String item : items) {
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO items (name) VALUES (?) RETURNING id")) {
        insert.setString(1, item);
        try (ResultSet r = insert.executeQuery()) {
          r.next();
          ids.add(r.getLong(1));
        }
      }
      if (item.equals("bad")) {
        throw new IllegalArgumentException("bad item");
      }
    }
    return ids;
  };

  @BeforeEach
  void open() throws SQLException {
    connection = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("test.db"));
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    }
    writer = new GroupCommitWriter(connection, "test-writer");
  }

  @AfterEach
  void close() throws SQLException {
    writer.close();
    connection.close();
  }

  /** Holds the writer thread inside a plain task until the returned latch is released. */
  private CountDownLatch holdWriter() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture.runAsync(() -> writer.execute(c -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    assertThat(entered.await(2, TimeUnit.MINUTES)).isTrue();
    return release;
  }

  /** Queues {@code items} from their own threads while the writer is held, then lets it run. */
  private List<CompletableFuture<Long>> queueWhileHeld(List<String> items) throws Exception {
    CountDownLatch release = holdWriter();
    List<CompletableFuture<Long>> results = new ArrayList<>();
    for (String item : items) {
      results.add(CompletableFuture.supplyAsync(() -> writer.execute(insertAll, item), runnable -> {
        Thread thread = new Thread(runnable, "caller-" + item);
        thread.start();
      }));
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (writer.backlog() < items.size()) {
      assertThat(System.nanoTime()).as("callers queued within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    release.countDown();
    return results;
  }

  private List<String> storedNames() throws Exception {
    return writer.execute(c -> {
      List<String> names = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT name FROM items ORDER BY name")) {
        while (r.next()) {
          names.add(r.getString(1));
        }
      }
      return names;
    });
  }

  @Test
  void aTaskWhoseErrorEndedTheTransactionFailsWithThatErrorNotAMissingSavepoint() throws Exception {
    // SQLite rolls a transaction back by itself after some errors (SQLITE_IOERR under a file-size limit,
    // SQLITE_FULL): the task's savepoint is gone with it. Simulated by rolling back, then failing.
    assertThatThrownBy(() -> writer.execute(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO items (name) VALUES ('lost')");
        s.execute("ROLLBACK");
      }
      throw new SQLException("[SQLITE_IOERR_WRITE] disk I/O error (simulated: the file-size limit)");
    }))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("simulated: the file-size limit")
        .hasMessageContaining("nothing was stored")
        .hasMessageNotContaining("no such savepoint");

    assertThat(storedNames()).isEmpty();
    assertThat(writer.execute(insertAll, "after")).isPositive();
    assertThat(storedNames()).containsExactly("after");
  }

  @Test
  void itemsQueuedTogetherRunInOneCall() throws Exception {
    List<CompletableFuture<Long>> results = queueWhileHeld(List.of("a", "b", "c", "d", "e", "f", "g", "h"));

    List<Long> ids = new ArrayList<>();
    for (CompletableFuture<Long> result : results) {
      ids.add(result.get(2, TimeUnit.MINUTES));
    }
    assertThat(callSizes).containsExactly(8);
    assertThat(ids).doesNotHaveDuplicates().hasSize(8);
    assertThat(storedNames()).containsExactly("a", "b", "c", "d", "e", "f", "g", "h");
  }

  @Test
  void workQueuedWhileATransactionRunsJoinsItsCommit() throws Exception {
    long before = writer.commits();
    List<CompletableFuture<Long>> late = new ArrayList<>();
    // The first caller's task runs while four more callers queue; they must share its commit, not wait
    // for the next one.
    Long first = writer.execute(c -> {
      for (String item : List.of("b", "c", "d", "e")) {
        late.add(CompletableFuture.supplyAsync(() -> writer.execute(insertAll, item), runnable -> new Thread(runnable,
            "late-" + item).start()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (writer.backlog() < 4) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("late callers did not queue within 10 s");
        }
        Thread.onSpinWait();
      }
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO items (name) VALUES ('a')");
      }
      return 1L;
    });

    assertThat(first).isEqualTo(1L);
    for (CompletableFuture<Long> result : late) {
      assertThat(result.get(2, TimeUnit.MINUTES)).isPositive();
    }
    assertThat(writer.commits() - before).isEqualTo(1);
    assertThat(callSizes).containsExactly(4);
    assertThat(storedNames()).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void aFailedCombinedRunIsUndoneAndEveryItemRunsAloneSoOnlyTheBadOneFails() throws Exception {
    List<CompletableFuture<Long>> results = queueWhileHeld(List.of("a", "bad", "c"));

    assertThat(results.get(0).get(2, TimeUnit.MINUTES)).isPositive();
    assertThat(results.get(2).get(2, TimeUnit.MINUTES)).isPositive();
    assertThatThrownBy(() -> results.get(1).get(2, TimeUnit.MINUTES))
        .isInstanceOf(ExecutionException.class).hasRootCauseMessage("bad item");
    // One combined call of three, then one call per item.
    assertThat(callSizes).containsExactly(3, 1, 1, 1);
    // The combined call's rows were rolled back, and so was the bad item's own run.
    assertThat(storedNames()).containsExactly("a", "c");
  }

  @Test
  void anErrorInTheWriterFailsItsCallersAndLaterCallsInsteadOfLeavingThemWaiting() {
    assertThatThrownBy(() -> writer.execute(c -> {
      throw new StackOverflowError("simulated");
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("the spool writer failed");

    assertThatThrownBy(() -> writer.execute(insertAll, "late"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped after an error")
        .hasMessageContaining("open it again");
  }

  @Test
  void workAfterCloseIsRefused() {
    writer.close();

    assertThatThrownBy(() -> writer.execute(insertAll, "late"))
        .isInstanceOf(IllegalStateException.class).hasMessage("spool is closed");
  }
}
