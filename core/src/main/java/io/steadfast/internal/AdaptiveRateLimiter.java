package io.steadfast.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces one route once SparkPost has rate-limited it (HTTP 429), so a backlog drains at the rate
 * SparkPost accepts instead of in bursts that are refused and retried.
 *
 * <p>It does nothing until the first refusal: a client that is never rate-limited never waits. On a
 * refusal it measures how many messages the route had accepted over the last second, which is the
 * provider's rate while it is refusing the excess, and paces sends slightly below that. While nothing is
 * refused it raises the pace a little each second, so it finds a higher limit again; after a minute
 * without a refusal it stops pacing altogether. Refusals of requests that were already on their way
 * when the pace was cut say nothing new, so the pace is cut at most once per second. This is TCP's
 * additive-increase/multiplicative-decrease idea, with the decrease anchored to what got through.
 *
 * <p>The refused message itself still waits at least its Retry-After before it is retried
 * ({@link SendRun}); the pace only spaces out the route's other sends. Thread-safe.
 */
final class AdaptiveRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(AdaptiveRateLimiter.class);

  /** How far below the measured accepted rate to settle after a refusal. */
  static final double SETTLE_FACTOR = 0.95;
  /** How much the pace grows per second without a refusal. */
  static final double GROWTH_PER_SECOND = 1.02;
  /** The slowest pace: one message per second, so a route is never paced to a halt. */
  static final double MIN_RATE = 1.0;
  /** How long without a refusal before pacing stops. */
  static final Duration RELEASE_AFTER = Duration.ofMinutes(1);

  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int BUCKETS = 100;
  private static final long BUCKET_NANOS = WINDOW_NANOS / BUCKETS;

  private final String route;
  /** Acceptances per 10 ms over the last second, a ring indexed by time. */
  private final long[] acceptedInBucket = new long[BUCKETS];
  private final long[] bucketStart = new long[BUCKETS];
  private long firstAcceptedAt = Long.MIN_VALUE;

  /** Messages per second; zero while not pacing. */
  private double rate;
  private long nextSlotAt;
  private long lastCutAt;
  private long lastGrowthAt;
  private long lastRefusalAt;

  AdaptiveRateLimiter(String route) {
    this.route = route;
  }

  /**
   * Reserves the next send slot and returns how long the caller waits for it: zero when the route is
   * not being paced.
   */
  synchronized Duration reserve(Instant now) {
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
      rate *= Math.pow(GROWTH_PER_SECOND, (at - lastGrowthAt) / (double) WINDOW_NANOS);
      lastGrowthAt = at;
    }
    long slot = Math.max(at, nextSlotAt);
    nextSlotAt = slot + (long) (WINDOW_NANOS / rate);
    return Duration.ofNanos(slot - at);
  }

  /** Records that the route accepted a message at {@code now}. */
  synchronized void onAccepted(Instant now) {
    long at = nanos(now);
    if (firstAcceptedAt == Long.MIN_VALUE) {
      firstAcceptedAt = at;
    }
    int index = (int) Math.floorMod(at / BUCKET_NANOS, (long) BUCKETS);
    long start = at - Math.floorMod(at, BUCKET_NANOS);
    if (bucketStart[index] != start) {
      bucketStart[index] = start;
      acceptedInBucket[index] = 0;
    }
    acceptedInBucket[index]++;
  }

  /** Records that SparkPost refused a message at {@code now} for exceeding its rate limit. */
  synchronized void onRateLimited(Instant now) {
    long at = nanos(now);
    lastRefusalAt = at;
    if (rate > 0 && at - lastCutAt < WINDOW_NANOS) {
      return; // Sent before the last cut took effect.
    }
    double accepted = acceptedRate(at);
    double previous = rate;
    double target = accepted > 0 ? accepted * SETTLE_FACTOR : previous * 0.5;
    rate = Math.max(MIN_RATE, previous > 0 ? Math.min(target, previous * SETTLE_FACTOR) : target);
    lastCutAt = at;
    lastGrowthAt = at;
    nextSlotAt = Math.max(nextSlotAt, at);
    if (previous == 0) {
      log.info("Route '{}' is rate-limited by SparkPost; pacing it at {} messages/s", route, Math.round(rate));
    } else {
      log.debug("Route '{}' rate-limited again; pace {} -> {} messages/s", route, Math.round(previous),
          Math.round(rate));
    }
  }

  /** Returns the pace in messages per second, or zero when the route is not paced. */
  synchronized double rate() {
    return rate;
  }

  /** Acceptances per second over the last second (or since the first acceptance, if more recent). */
  private double acceptedRate(long at) {
    if (firstAcceptedAt == Long.MIN_VALUE) {
      return 0;
    }
    long count = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (at - bucketStart[i] < WINDOW_NANOS && bucketStart[i] <= at) {
        count += acceptedInBucket[i];
      }
    }
    long span = Math.min(WINDOW_NANOS, Math.max(at - firstAcceptedAt, BUCKET_NANOS));
    return count * (double) WINDOW_NANOS / span;
  }

  private static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
