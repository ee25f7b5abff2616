package io.steadfast.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces one route once SparkPost has rate-limited it (HTTP 429), so a backlog drains at the rate
 * SparkPost accepts instead of in bursts that are refused and retried.
 *
 * <p>It does nothing until SparkPost refuses: a client that is never rate-limited never waits. At a
 * refusal, at most once a second, it looks at the second just past. If at least {@link #CUT_SHARE} of
 * that second's attempts were refused, the route is pressing against a limit, and the rate it accepted
 * in that second is the provider's rate: the route is paced slightly below it. While nothing is refused the pace grows
 * a little each second, so it finds a higher limit again; after a minute without a refusal pacing
 * stops altogether. This is TCP's additive-increase/multiplicative-decrease idea, with the decrease
 * anchored to what got through.
 *
 * <p>An overloaded SparkPost also mixes 429s into its 5xx answers, whatever our rate; slowing down does
 * not make those stop, and cutting again and again would pace a route to a standstill. So if the
 * second after a cut is refused about as much as the second before it (and not heavily), the cut is
 * undone and refusals are ignored for {@link #NOISE_HOLD}; and the pace never falls below half the
 * most the route accepted in any second since pacing began.
 *
 * <p>The refused message itself still waits at least its Retry-After before it is retried
 * ({@link SendRun}); the pace only spaces out the route's other sends.
 *
 * <p>Thread-safe. Every send of the route passes through here, so the common path takes no lock:
 * counting is on atomic rings (a count that races with a bucket turning over is off by one, which a
 * rate estimate does not notice), and an unpaced route's {@link #reserve} reads one volatile field.
 * Decisions, which follow refusals, and paced reservations are synchronised.
 */
final class AdaptiveRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(AdaptiveRateLimiter.class);

  /** How far below the accepted rate to settle after a cut. */
  static final double SETTLE_FACTOR = 0.93;
  /** How much the pace grows per second without a refusal. */
  static final double GROWTH_PER_SECOND = 1.01;
  /** The slowest pace: one message per second, so a route is never paced to a halt. */
  static final double MIN_RATE = 1.0;
  /** The share of a second's attempts that must have been refused to show a limit. */
  static final double CUT_SHARE = 0.02;
  /** Above this share of refused attempts, refusals are a limit being pressed, never noise. */
  static final double NOISE_MAX_SHARE = 0.25;
  /** How long refusals are ignored after slowing down did not reduce them. */
  static final Duration NOISE_HOLD = Duration.ofSeconds(10);
  /** The lowest pace, as a share of the most accepted in a second since pacing began. */
  static final double FLOOR_SHARE = 0.5;
  /** The least time after a cut from a short span before the pace is refined from a longer one. */
  static final Duration REFINE_AFTER = Duration.ofMillis(50);
  /** How long without a refusal before pacing stops. */
  static final Duration RELEASE_AFTER = Duration.ofMinutes(1);

  private static final long NEVER = Long.MIN_VALUE;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final int BUCKETS = 100;
  private static final long BUCKET_NANOS = SECOND / BUCKETS;

  private final String route;
  /** Attempts, acceptances and refusals per 10 ms over the last second, rings indexed by time. */
  private final AtomicLongArray attempted = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray accepted = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray refused = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray bucketStart = new AtomicLongArray(BUCKETS);

  /** Messages per second; zero while not pacing. */
  private volatile double rate;
  private double floor;
  private long nextSlotAt;
  private long lastGrowthAt;
  private long lastRefusalAt = NEVER;
  private long lastEvaluationAt = NEVER;
  private long lastCutAt = NEVER;
  /** Over how long the answers behind the last cut were counted; a second once the route is busy. */
  private long lastSpan = SECOND;
  /** The pace before the last cut, and the share of attempts refused that led to it. */
  private double rateBeforeCut;
  private double shareAtCut;
  /** Until when refusals are not acted on, after they proved not to follow our pace. */
  private long holdUntil = NEVER;

  AdaptiveRateLimiter(String route) {
    this.route = route;
  }

  /**
   * Reserves the next send slot and returns how long the caller waits for it: zero when the route is
   * not being paced.
   */
  Duration reserve(Instant now) {
    return rate == 0 ? Duration.ZERO : reservePaced(now);
  }

  private synchronized Duration reservePaced(Instant now) {
    if (rate == 0) {
      return Duration.ZERO;
    }
    long at = nanos(now);
    if (at - lastRefusalAt >= RELEASE_AFTER.toNanos()) {
      log.info("Route '{}' has not been rate-limited for {}s; no longer pacing it", route,
          RELEASE_AFTER.toSeconds());
      rate = 0;
      return Duration.ZERO;
    }
    if (at > lastGrowthAt) {
      rate *= Math.pow(GROWTH_PER_SECOND, (at - lastGrowthAt) / (double) SECOND);
      lastGrowthAt = at;
    }
    long slot = Math.max(at, nextSlotAt);
    nextSlotAt = slot + (long) (SECOND / rate);
    return Duration.ofNanos(slot - at);
  }

  /** Records that the route accepted a message at {@code now}. */
  void onAccepted(Instant now) {
    int index = bucket(nanos(now));
    attempted.incrementAndGet(index);
    accepted.incrementAndGet(index);
  }

  /** Records that an attempt at {@code now} ended neither accepted nor rate-limited (e.g. a 503). */
  void onOtherOutcome(Instant now) {
    attempted.incrementAndGet(bucket(nanos(now)));
  }

  /** Records that SparkPost refused a message at {@code now} for exceeding its rate limit. */
  synchronized void onRateLimited(Instant now) {
    long at = nanos(now);
    int index = bucket(at);
    attempted.incrementAndGet(index);
    refused.incrementAndGet(index);
    lastRefusalAt = at;
    evaluateIfDue(at);
  }

  /** Returns the pace in messages per second, or zero when the route is not paced. */
  double rate() {
    return rate;
  }

  /**
   * At a refusal, at most once a second (refusals of requests already on their way when the pace was
   * cut say nothing new), decides from the second just past whether to start, cut or undo the pace.
   */
  private void evaluateIfDue(long at) {
    if (at < holdUntil) {
      return;
    }
    if (lastEvaluationAt != NEVER && at - lastEvaluationAt < SECOND) {
      refineIfDue(at);
      return;
    }
    lastEvaluationAt = at;
    double share = inLastSecond(refused, at) / (double) inLastSecond(attempted, at);
    if (share < CUT_SHARE) {
      return; // Stray refusals, not a limit we are pressing against.
    }
    // When the route has been answering for less than the second just past (early in a run, or just
    // after an outage, when a flushed backlog starts at full speed), the count covers only that part
    // of the second: a rate over the time the answers span, not a count per second. Measured from the
    // route's first answer instead, a drain that began 100 ms before the first 429 would be paced at
    // a tenth of what SparkPost accepts.
    long span = Math.min(SECOND, Math.max(BUCKET_NANOS, at - answeringSince(at)));
    double acceptedRate = inLastSecond(accepted, at) * (double) SECOND / span;
    boolean justCut = lastCutAt != NEVER && at - lastCutAt < 2 * SECOND;
    if (justCut && share >= shareAtCut / 2 && share < NOISE_MAX_SHARE) {
      // We slowed down a second ago and SparkPost refuses about as much as before: these refusals do
      // not follow our pace. Undo the cut. (A share that fell by half or more, or a large one, is a
      // limit we still press against: cut again below.)
      log.debug("Route '{}': refusals did not fall after slowing down; pace back to {} messages/s, refusals "
          + "ignored for {}s", route, Math.round(rateBeforeCut), NOISE_HOLD.toSeconds());
      rate = rateBeforeCut;
      holdUntil = at + NOISE_HOLD.toNanos();
      lastCutAt = NEVER;
      return;
    }
    double previous = rate;
    floor = Math.max(previous == 0 ? MIN_RATE : floor, acceptedRate * FLOOR_SHARE);
    // From what got through, not from the last pace: an early look may have seen only a few ms.
    rate = Math.max(floor, acceptedRate * SETTLE_FACTOR);
    if (previous == 0) {
      log.info("Route '{}' is rate-limited by SparkPost; pacing it at {} messages/s", route, Math.round(rate));
    } else {
      log.debug("Route '{}' rate-limited again; pace {} -> {} messages/s", route, Math.round(previous),
          Math.round(rate));
    }
    rateBeforeCut = previous;
    shareAtCut = share;
    lastSpan = span;
    lastCutAt = at;
    lastGrowthAt = at;
    nextSlotAt = Math.max(nextSlotAt, at);
  }

  /** Returns the ring index for {@code at}, clearing the slot if it held an older 10 ms. */
  private int bucket(long at) {
    int index = (int) Math.floorMod(at / BUCKET_NANOS, (long) BUCKETS);
    long start = at - Math.floorMod(at, BUCKET_NANOS);
    long held = bucketStart.get(index);
    if (held != start && bucketStart.compareAndSet(index, held, start)) {
      attempted.set(index, 0);
      accepted.set(index, 0);
      refused.set(index, 0);
    }
    return index;
  }

  /**
   * A pace set from less than a second of answers (the first refusal came a few ms into a burst) is
   * an estimate from a handful of acceptances: once the answers span at least twice as long (and
   * {@link #REFINE_AFTER}), the pace is raised to what the longer span shows, if that is higher. Only
   * raised: refusals of requests sent before the cut say nothing new about a lower limit, and the
   * once-a-second look decides cuts.
   */
  private void refineIfDue(long at) {
    if (rate == 0 || lastSpan >= SECOND || at - lastEvaluationAt < Math.max(lastSpan, REFINE_AFTER.toNanos())) {
      return;
    }
    long span = Math.min(SECOND, Math.max(BUCKET_NANOS, at - answeringSince(at)));
    double refined = inLastSecond(accepted, at) * (double) SECOND / span * SETTLE_FACTOR;
    lastSpan = span;
    if (refined > rate) {
      log.debug("Route '{}': pace refined from {} ms of answers: {} -> {} messages/s", route,
          TimeUnit.NANOSECONDS.toMillis(span), Math.round(rate), Math.round(refined));
      rate = refined;
      floor = Math.max(floor, refined / SETTLE_FACTOR * FLOOR_SHARE);
    }
  }

  /**
   * Returns the start of the oldest 10 ms, within the second that ends at {@code at}, in which the
   * route was accepted or refused: when its current run of answers began, as far back as a second.
   */
  private long answeringSince(long at) {
    long oldest = at;
    for (int i = 0; i < BUCKETS; i++) {
      long start = bucketStart.get(i);
      if (start <= at && at - start < SECOND && start < oldest && (accepted.get(i) > 0 || refused.get(i) > 0)) {
        oldest = start;
      }
    }
    return oldest;
  }

  /** Returns the count in {@code ring} over the second that ends at {@code at}. */
  private long inLastSecond(AtomicLongArray ring, long at) {
    long count = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long start = bucketStart.get(i);
      if (start <= at && at - start < SECOND) {
        count += ring.get(i);
      }
    }
    return count;
  }

  private static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
