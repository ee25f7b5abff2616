package io.steadfast.testing;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Describes an outage as a sequence of phases, each with its own {@link FaultPlan}, for {@link
 * FakeSparkPost#play(OutageScenario)}.
 *
 * <p>A phase ends after a length of time on the scenario's {@link Clock}, or after a number of
 * requests; the last phase never ends. Tests stay deterministic by driving phases with request
 * counts, or with a clock they move themselves; demos use the system clock.
 *
 * <pre>{@code
 * sparkPost.play(OutageScenario.outage2019(42, 100, 200, 60));  // by request count
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class OutageScenario {

  /** The share of failing requests in the intermittent phase of {@link #outage2019}. */
  public static final int INTERMITTENT_FAILURE_PERCENT = 30;

  private final Clock clock;
  private final List<Phase> phases;

  private OutageScenario(Clock clock, List<Phase> phases) {
    this.clock = clock;
    this.phases = List.copyOf(phases);
  }

  /**
   * Starts a scenario whose timed phases are measured on the system clock.
   *
   * @return a builder with no phases yet
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the 2019 regional outage, compressed to about a minute of real time, for demos: 10
   * seconds healthy, 20 seconds of {@linkplain #intermittent intermittent} errors, 20 seconds of
   * {@linkplain #fullOutage full outage}, then recovery; a one-minute demo sees 10 seconds of
   * recovery.
   *
   * @param seed the seed of the draws in the intermittent and outage phases
   * @return the scenario on the system clock
   */
  public static OutageScenario outage2019(long seed) {
    return outage2019(
        seed,
        Clock.systemUTC(),
        Duration.ofSeconds(10),
        Duration.ofSeconds(20),
        Duration.ofSeconds(20));
  }

  /**
   * Returns the 2019 regional outage with phases timed on {@code clock}, which a test may move.
   *
   * @param seed the seed of the draws in the intermittent and outage phases
   * @param clock the clock that times the phases
   * @param healthy how long SparkPost answers normally at first
   * @param intermittent how long {@value #INTERMITTENT_FAILURE_PERCENT}% of requests fail
   * @param outage how long every request fails
   * @return the scenario; recovery lasts until the scenario is replaced
   * @throws IllegalArgumentException if a length is negative
   */
  public static OutageScenario outage2019(
      long seed, Clock clock, Duration healthy, Duration intermittent, Duration outage) {
    return builder()
        .clock(clock)
        .phase("healthy", healthy, FaultPlan.healthy())
        .phase("intermittent", intermittent, intermittent(seed))
        .phase("outage", outage, fullOutage(seed + 1))
        .last("recovery", FaultPlan.healthy());
  }

  /**
   * Returns the 2019 regional outage with phases that end after a number of requests, the most
   * deterministic form for tests: the n-th request gets the same answer on every run.
   *
   * @param seed the seed of the draws in the intermittent and outage phases
   * @param healthy how many requests are answered normally at first
   * @param intermittent how many requests then see {@value #INTERMITTENT_FAILURE_PERCENT}% errors
   * @param outage how many requests then all fail
   * @return the scenario; recovery lasts until the scenario is replaced
   * @throws IllegalArgumentException if a count is negative
   */
  public static OutageScenario outage2019(
      long seed, int healthy, int intermittent, int outage) {
    return builder()
        .phase("healthy", healthy, FaultPlan.healthy())
        .phase("intermittent", intermittent, intermittent(seed))
        .phase("outage", outage, fullOutage(seed + 1))
        .last("recovery", FaultPlan.healthy());
  }

  /**
   * Returns the plan of the intermittent phase: {@value #INTERMITTENT_FAILURE_PERCENT}% of requests
   * fail with 5xx or 429, which a client knows were not sent.
   *
   * @param seed the seed of the draws
   * @return {@code FaultPlan.serverErrors(seed, INTERMITTENT_FAILURE_PERCENT)}
   */
  public static FaultPlan intermittent(long seed) {
    return FaultPlan.serverErrors(seed, INTERMITTENT_FAILURE_PERCENT);
  }

  /**
   * Returns the plan of the full outage: 80% {@code 503} and 20% connection resets.
   *
   * <p>A reset comes after WireMock read the request, so the client sees UNKNOWN and must retry
   * with the same key on the same route; the fake records no transmission for it, so no duplicate
   * can follow.
   *
   * @param seed the seed of the draws
   * @return the plan
   */
  public static FaultPlan fullOutage(long seed) {
    return FaultPlan.builder(seed)
        .add(4, FakeResponse.serverError(503))
        .add(1, FakeResponse.connectionReset())
        .build();
  }

  /**
   * Returns a copy in which about {@code percent} of the requests of phase {@code phase} are
   * accepted and then lose their reply ({@link FakeResponse#acceptedThenDropped()}); the rest of
   * that phase keeps its plan's proportions and seed, and the other phases are unchanged.
   *
   * <pre>{@code
   * // 2019, plus 10% of intermittent-phase requests accepted by SparkPost but never answered.
   * sparkPost.play(OutageScenario.outage2019(42).withAcceptedThenDropped("intermittent", 10));
   * }</pre>
   *
   * @param phase the name of the phase to change, such as {@code "intermittent"}
   * @param percent the share of accepted-then-dropped requests in that phase, from 0 to 100
   * @return the changed scenario, on the same clock
   * @throws IllegalArgumentException if no phase has that name, or {@code percent} is not between
   *     0 and 100
   */
  public OutageScenario withAcceptedThenDropped(String phase, int percent) {
    return withShare(phase, percent, FakeResponse.acceptedThenDropped());
  }

  /**
   * Returns a copy in which about {@code percent} of the requests of phase {@code phase} get {@code
   * response}, as {@link FaultPlan#withShare} mixes it in; the other phases are unchanged.
   *
   * @param phase the name of the phase to change; every phase of that name changes
   * @param percent the share of {@code response} in that phase, from 0 to 100
   * @param response the answer to mix in
   * @return the changed scenario, on the same clock
   * @throws IllegalArgumentException if no phase has that name, or {@code percent} is not between
   *     0 and 100
   */
  public OutageScenario withShare(String phase, int percent, FakeResponse response) {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(response, "response");
    List<Phase> changed = new ArrayList<>(phases.size());
    boolean found = false;
    for (Phase each : phases) {
      if (each.name.equals(phase)) {
        found = true;
        changed.add(
            new Phase(each.name, each.plan.withShare(percent, response), each.length, each.requests));
      } else {
        changed.add(each);
      }
    }
    if (!found) {
      List<String> names = new ArrayList<>();
      for (Phase each : phases) {
        names.add(each.name);
      }
      throw new IllegalArgumentException("no phase named '" + phase + "'; phases are " + names);
    }
    return new OutageScenario(clock, changed);
  }

  /**
   * Returns the clock that times the phases.
   *
   * @return the clock given to the builder, or the system clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * Returns the phases in order; the last one has neither a length nor a request count.
   *
   * @return an unmodifiable list of at least one phase
   */
  public List<Phase> phases() {
    return phases;
  }

  /** Returns the phases, for test failure messages. */
  @Override
  public String toString() {
    return "OutageScenario" + phases;
  }

  /** One phase of an {@link OutageScenario}: a name, a plan, and when the phase ends. */
  public static final class Phase {

    private final String name;
    private final FaultPlan plan;
    private final Duration length;
    private final int requests;

    private Phase(String name, FaultPlan plan, Duration length, int requests) {
      this.name = name;
      this.plan = plan;
      this.length = length;
      this.requests = requests;
    }

    /**
     * Returns the phase's name, as reported by {@link FakeSparkPost#currentPhase()}.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * Returns the plan that answers requests during this phase.
     *
     * @return the plan
     */
    public FaultPlan plan() {
      return plan;
    }

    /**
     * Returns how long the phase lasts on the scenario's clock, if it is timed.
     *
     * @return the length, or empty if the phase ends by request count or is the last one
     */
    public Optional<Duration> length() {
      return Optional.ofNullable(length);
    }

    /**
     * Returns how many requests the phase answers, if it ends by request count.
     *
     * @return the count, or empty if the phase is timed or is the last one
     */
    public OptionalInt requests() {
      return requests < 0 ? OptionalInt.empty() : OptionalInt.of(requests);
    }

    /** Returns the name, the end condition and the plan. */
    @Override
    public String toString() {
      String end =
          length != null ? "for " + length : requests >= 0 ? "for " + requests + " requests" : "";
      return "Phase[" + name + (end.isEmpty() ? "" : " " + end) + ", " + plan + "]";
    }
  }

  /** Collects the phases of an {@link OutageScenario}. Not thread-safe. */
  public static final class Builder {

    private Clock clock = Clock.systemUTC();
    private final List<Phase> phases = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the clock that times the phases. If not set, defaults to the system clock.
     *
     * @param clock the clock, typically one the test moves forward
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Adds a phase that lasts {@code length} on the clock, starting when the previous phase ended
     * (or when the scenario started playing).
     *
     * @param name the phase's name
     * @param length how long the phase lasts; zero skips it
     * @param plan the answers during the phase
     * @return this builder
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public Builder phase(String name, Duration length, FaultPlan plan) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(length, "length");
      Objects.requireNonNull(plan, "plan");
      if (length.isNegative()) {
        throw new IllegalArgumentException("length must not be negative but was " + length);
      }
      phases.add(new Phase(name, plan, length, -1));
      return this;
    }

    /**
     * Adds a phase that answers {@code requests} requests, then ends.
     *
     * @param name the phase's name
     * @param requests how many requests the phase answers; zero skips it
     * @param plan the answers during the phase
     * @return this builder
     * @throws IllegalArgumentException if {@code requests} is negative
     */
    public Builder phase(String name, int requests, FaultPlan plan) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(plan, "plan");
      if (requests < 0) {
        throw new IllegalArgumentException("requests must be >= 0 but was " + requests);
      }
      phases.add(new Phase(name, plan, null, requests));
      return this;
    }

    /**
     * Adds the last phase, which never ends, and returns the scenario.
     *
     * @param name the phase's name
     * @param plan the answers from then on
     * @return the scenario
     */
    public OutageScenario last(String name, FaultPlan plan) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(plan, "plan");
      List<Phase> all = new ArrayList<>(phases);
      all.add(new Phase(name, plan, null, -1));
      return new OutageScenario(clock, all);
    }
  }
}
