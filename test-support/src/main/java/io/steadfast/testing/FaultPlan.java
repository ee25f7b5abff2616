package io.steadfast.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Describes a weighted, seeded mix of answers for a {@link FakeSparkPost}: each request gets one
 * answer drawn at random, with a {@link Random} seeded from {@link #seed()}, so the same plan
 * answers the n-th request the same way on every run.
 *
 * <pre>{@code
 * FaultPlan flaky = FaultPlan.builder(42)
 *     .add(70, FakeResponse.accepted())
 *     .add(20, FakeResponse.serverError(503))
 *     .add(10, FakeResponse.rateLimited(Duration.ZERO))
 *     .build();
 * sparkPost.faults(flaky);
 * }</pre>
 *
 * <p>With requests from several threads the order in which requests arrive varies between runs, so
 * which message meets which answer varies; the sequence of answers by arrival does not.
 *
 * <p>What each answer means to a client: a 5xx or 429 says for certain that nothing was sent
 * (NOT_SENT). {@link FakeResponse#connectionReset()} arrives after WireMock has read the whole
 * request, so a client cannot tell it from a reset after acceptance and must treat it as UNKNOWN,
 * although this fake never records a transmission for it. {@link FakeResponse#acceptedThenDropped()}
 * records the transmission (and its events) and then resets: an UNKNOWN that SparkPost did accept,
 * as {@link #acceptedThenDropped(long, int)} mixes in. {@link FakeResponse#acceptedAfter} records
 * the transmission first and answers late: a client whose read timeout is shorter sees UNKNOWN, and a
 * retry creates a real duplicate.
 *
 * <p>Instances are immutable and thread-safe; the fake keeps the {@link Random} it draws from.
 */
public final class FaultPlan {

  private final long seed;
  private final List<FakeResponse> responses;
  private final int[] weights;
  private final int totalWeight;

  private FaultPlan(long seed, List<FakeResponse> responses, int[] weights) {
    this.seed = seed;
    this.responses = List.copyOf(responses);
    this.weights = weights.clone();
    int total = 0;
    for (int weight : weights) {
      total += weight;
    }
    this.totalWeight = total;
  }

  /**
   * Starts a plan whose draws come from a {@link Random} seeded with {@code seed}.
   *
   * @param seed the seed; the same seed and weights give the same answers in the same order
   * @return a builder with no answers yet
   */
  public static Builder builder(long seed) {
    return new Builder(seed);
  }

  /**
   * Returns a plan that answers every request with {@code response}.
   *
   * @param response the answer for every request
   * @return a plan with one answer of weight 1
   */
  public static FaultPlan always(FakeResponse response) {
    return builder(0).add(1, response).build();
  }

  /**
   * Returns a plan that handles every request normally, as a healthy SparkPost does.
   *
   * @return {@code always(FakeResponse.accepted())}
   */
  public static FaultPlan healthy() {
    return always(FakeResponse.accepted());
  }

  /**
   * Returns a plan in which about {@code failurePercent} of requests fail with an answer that tells
   * the client for certain that nothing was sent, and the rest are handled normally.
   *
   * <p>The failures are spread over {@code 500}, {@code 502}, {@code 503}, {@code 504} and {@code
   * 429} with {@code Retry-After: 0} (a compressed-time stand-in for SparkPost's waits), in the
   * ratio 2:2:3:2:1. None of them is ambiguous, so a client that retries with the same key never
   * causes a duplicate.
   *
   * @param seed the seed of the draws
   * @param failurePercent the share of failing requests, from 0 to 100
   * @return the plan
   * @throws IllegalArgumentException if {@code failurePercent} is not between 0 and 100
   */
  public static FaultPlan serverErrors(long seed, int failurePercent) {
    if (failurePercent < 0 || failurePercent > 100) {
      throw new IllegalArgumentException(
          "failurePercent must be between 0 and 100 but was " + failurePercent);
    }
    // Weights in tenths of a percent keep the 2:2:3:2:1 split exact for any whole percentage.
    return builder(seed)
        .add((100 - failurePercent) * 10, FakeResponse.accepted())
        .add(failurePercent * 2, FakeResponse.serverError(500))
        .add(failurePercent * 2, FakeResponse.serverError(502))
        .add(failurePercent * 3, FakeResponse.serverError(503))
        .add(failurePercent * 2, FakeResponse.serverError(504))
        .add(failurePercent, FakeResponse.rateLimited(Duration.ZERO))
        .build();
  }

  /**
   * Returns a plan in which about {@code percent} of requests are accepted and then lose their
   * reply ({@link FakeResponse#acceptedThenDropped()}), and the rest are handled normally.
   *
   * <p>Each dropped request is a transmission SparkPost accepted and the client saw as UNKNOWN; a
   * client that reconciles through the Events API before re-sending causes no duplicate.
   *
   * @param seed the seed of the draws
   * @param percent the share of accepted-then-dropped requests, from 0 to 100
   * @return the plan
   * @throws IllegalArgumentException if {@code percent} is not between 0 and 100
   */
  public static FaultPlan acceptedThenDropped(long seed, int percent) {
    return builder(seed).add(1, FakeResponse.accepted()).build()
        .withShare(percent, FakeResponse.acceptedThenDropped());
  }

  /**
   * Returns a plan with the same seed in which about {@code percent} of requests get {@code
   * response} and the rest are drawn from this plan, in this plan's proportions.
   *
   * <pre>{@code
   * // The intermittent phase of 2019, plus 5% of requests accepted and then dropped.
   * FaultPlan plan = OutageScenario.intermittent(42)
   *     .withShare(5, FakeResponse.acceptedThenDropped());
   * }</pre>
   *
   * @param percent the share of {@code response}, from 0 (this plan unchanged) to 100 (only {@code
   *     response})
   * @param response the answer to mix in
   * @return the mixed plan
   * @throws IllegalArgumentException if {@code percent} is not between 0 and 100
   * @throws IllegalStateException if the mixed weights would exceed {@link Integer#MAX_VALUE}
   */
  public FaultPlan withShare(int percent, FakeResponse response) {
    Objects.requireNonNull(response, "response");
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent must be between 0 and 100 but was " + percent);
    }
    // Scaling every weight by (100 - percent) and giving the new answer percent times the old
    // total keeps the old proportions among the rest exactly.
    Builder mixed = builder(seed);
    for (int i = 0; i < weights.length; i++) {
      mixed.add(scaled(weights[i], 100 - percent), responses.get(i));
    }
    return mixed.add(scaled(totalWeight, percent), response).build();
  }

  private static int scaled(int weight, int factor) {
    long product = (long) weight * factor;
    if (product > Integer.MAX_VALUE) {
      throw new IllegalStateException("weights must add up to at most 2^31-1 but one was " + product);
    }
    return (int) product;
  }

  /**
   * Returns the seed of the draws.
   *
   * @return the seed given to {@link #builder(long)}
   */
  public long seed() {
    return seed;
  }

  /**
   * Returns the possible answers, in the order they were added.
   *
   * @return an unmodifiable list of the answers
   */
  public List<FakeResponse> responses() {
    return responses;
  }

  /**
   * Returns the weight of the answer at {@code index} in {@link #responses()}.
   *
   * @param index the position of the answer
   * @return its weight, at least 1
   * @throws IndexOutOfBoundsException if there is no answer at {@code index}
   */
  public int weight(int index) {
    Objects.checkIndex(index, weights.length);
    return weights[index];
  }

  /** Returns a new {@link Random} to draw from, seeded with {@link #seed()}. */
  Random newRandom() {
    return new Random(seed);
  }

  /** Draws one answer; the caller owns {@code random} and guards it. */
  FakeResponse draw(Random random) {
    int ticket = random.nextInt(totalWeight);
    for (int i = 0; i < weights.length; i++) {
      ticket -= weights[i];
      if (ticket < 0) {
        return responses.get(i);
      }
    }
    throw new AssertionError("ticket beyond total weight " + totalWeight);
  }

  /** Returns the seed and each answer with its weight. */
  @Override
  public String toString() {
    StringBuilder result = new StringBuilder("FaultPlan[seed=").append(seed);
    for (int i = 0; i < weights.length; i++) {
      result.append(", ").append(weights[i]).append(" x ").append(responses.get(i));
    }
    return result.append(']').toString();
  }

  /** Collects weighted answers for a {@link FaultPlan}. Not thread-safe. */
  public static final class Builder {

    private final long seed;
    private final List<FakeResponse> responses = new ArrayList<>();
    private final List<Integer> weights = new ArrayList<>();

    private Builder(long seed) {
      this.seed = seed;
    }

    /**
     * Adds {@code response}, drawn with probability {@code weight} divided by the sum of all
     * weights. A weight of 0 is ignored, so computed plans may leave an answer out.
     *
     * @param weight the relative weight, 0 or more
     * @param response the answer
     * @return this builder
     * @throws IllegalArgumentException if {@code weight} is negative
     */
    public Builder add(int weight, FakeResponse response) {
      Objects.requireNonNull(response, "response");
      if (weight < 0) {
        throw new IllegalArgumentException("weight must be >= 0 but was " + weight);
      }
      if (weight > 0) {
        responses.add(response);
        weights.add(weight);
      }
      return this;
    }

    /**
     * Returns the plan.
     *
     * @return the plan with the answers added so far
     * @throws IllegalStateException if no answer has a positive weight, or the weights add up to
     *     more than {@link Integer#MAX_VALUE}
     */
    public FaultPlan build() {
      if (responses.isEmpty()) {
        throw new IllegalStateException("a FaultPlan needs at least one answer with weight > 0");
      }
      long total = 0;
      int[] array = new int[weights.size()];
      for (int i = 0; i < array.length; i++) {
        array[i] = weights.get(i);
        total += array[i];
      }
      if (total > Integer.MAX_VALUE) {
        throw new IllegalStateException("weights must add up to at most 2^31-1 but were " + total);
      }
      return new FaultPlan(seed, responses, array);
    }
  }
}
