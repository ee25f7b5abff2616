package io.steadfast.cli.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * SparkPost's outage of 23 May 2019 as {@link DemoSparkPost} plays it: timed phases on a clock the demo
 * compresses, each answering transmissions from a seeded, weighted draw. The phases and their shares
 * are those of test-support's {@code OutageScenario.outage2019} with accepted-then-dropped replies mixed
 * into every phase but the full outage, drawn in the same order with the same seeds, so the demo's
 * figures are what they were on the test fake.
 *
 * <p>Instances are immutable; {@link DemoSparkPost} keeps the draws of a playing scenario.
 */
public final class DemoOutage {

  /** The share of failing requests in the intermittent phase, in percent. */
  public static final int INTERMITTENT_FAILURE_PERCENT = 30;

  /** How the fake answers one transmission request. */
  enum Answer {
    /** {@code 200} with SparkPost's success body. */
    ACCEPTED,
    /** Recorded as accepted, then the connection is closed before any reply: an unknown outcome. */
    ACCEPTED_THEN_DROPPED,
    SERVER_ERROR_500,
    SERVER_ERROR_502,
    SERVER_ERROR_503,
    SERVER_ERROR_504,
    /** {@code 429} with {@code Retry-After: 0}. */
    RATE_LIMITED,
    /** The connection is closed after the request was read, nothing recorded: an unknown outcome. */
    CONNECTION_RESET
  }

  /** A phase: its name, how long it lasts (the last one: forever), the weighted answers and their seed. */
  record Phase(String name, Duration length, long seed, List<Answer> answers, int[] weights) {}

  private final Clock clock;
  private final List<Phase> phases;

  private DemoOutage(Clock clock, List<Phase> phases) {
    this.clock = clock;
    this.phases = List.copyOf(phases);
  }

  /**
   * Returns the 2019 outage: healthy, then {@value #INTERMITTENT_FAILURE_PERCENT}% 5xx and 429s, then a
   * full outage (80% {@code 503}, 20% connection resets), then recovery for ever. In every phase but the
   * full outage {@code droppedReplyPercent} of the requests are accepted and then lose their reply.
   *
   * @param seed the seed of the intermittent and outage draws
   * @param clock the clock that times the phases
   * @param healthy how long SparkPost answers normally at first
   * @param intermittent how long the intermittent errors last
   * @param outage how long every request fails
   * @param droppedReplyPercent the share of accepted requests whose reply is lost, from 0 to 100
   * @return the scenario
   * @throws IllegalArgumentException if a length is negative or the share is not between 0 and 100
   */
  public static DemoOutage of2019(long seed, Clock clock, Duration healthy, Duration intermittent,
      Duration outage, int droppedReplyPercent) {
    Objects.requireNonNull(clock, "clock");
    if (droppedReplyPercent < 0 || droppedReplyPercent > 100) {
      throw new IllegalArgumentException("droppedReplyPercent must be between 0 and 100 but was " + droppedReplyPercent);
    }
    for (Duration length : List.of(healthy, intermittent, outage)) {
      if (length.isNegative()) {
        throw new IllegalArgumentException("phase lengths must not be negative but one was " + length);
      }
    }
    int p = INTERMITTENT_FAILURE_PERCENT;
    int kept = 100 - droppedReplyPercent;
    // Weights in tenths of a percent keep the 2:2:3:2:1 split of the errors exact; the dropped share is
    // mixed in by scaling the rest, as test-support's FaultPlan.withShare does, so the draws match it.
    Phase healthyPhase = new Phase("healthy", healthy, 0,
        List.of(Answer.ACCEPTED, Answer.ACCEPTED_THEN_DROPPED), new int[] {kept, droppedReplyPercent});
    Phase intermittentPhase = new Phase("intermittent", intermittent, seed,
        List.of(Answer.ACCEPTED, Answer.SERVER_ERROR_500, Answer.SERVER_ERROR_502, Answer.SERVER_ERROR_503,
            Answer.SERVER_ERROR_504, Answer.RATE_LIMITED, Answer.ACCEPTED_THEN_DROPPED),
        new int[] {(100 - p) * 10 * kept, p * 2 * kept, p * 2 * kept, p * 3 * kept, p * 2 * kept, p * kept,
            1000 * droppedReplyPercent});
    Phase outagePhase = new Phase("outage", outage, seed + 1,
        List.of(Answer.SERVER_ERROR_503, Answer.CONNECTION_RESET), new int[] {4, 1});
    Phase recovery = new Phase("recovery", Duration.ZERO, 0, healthyPhase.answers(), healthyPhase.weights());
    return new DemoOutage(clock, List.of(healthyPhase, intermittentPhase, outagePhase, recovery));
  }

  Clock clock() {
    return clock;
  }

  /** The draws of one play of this scenario, from {@code start}. Not thread-safe: the fake holds its lock. */
  final class Run {
    private final Instant start;
    private final Random[] randoms = new Random[phases.size()];

    Run(Instant start) {
      this.start = start;
      for (int i = 0; i < randoms.length; i++) {
        randoms[i] = new Random(phases.get(i).seed());
      }
    }

    /** Returns the index of the phase the clock is in: each phase starts when the one before was due to end. */
    private int index() {
      Instant end = start;
      Instant now = clock.instant();
      for (int i = 0; i < phases.size() - 1; i++) {
        end = end.plus(phases.get(i).length());
        if (now.isBefore(end)) {
          return i;
        }
      }
      return phases.size() - 1;
    }

    String phase() {
      return phases.get(index()).name();
    }

    Answer draw() {
      int index = index();
      Phase phase = phases.get(index);
      int total = 0;
      for (int weight : phase.weights()) {
        total += weight;
      }
      int ticket = randoms[index].nextInt(total);
      for (int i = 0; i < phase.weights().length; i++) {
        ticket -= phase.weights()[i];
        if (ticket < 0) {
          return phase.answers().get(i);
        }
      }
      throw new AssertionError("ticket beyond total weight " + total);
    }
  }
}
