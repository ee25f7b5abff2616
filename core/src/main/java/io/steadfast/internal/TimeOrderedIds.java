package io.steadfast.internal;

import java.security.SecureRandom;
import java.util.UUID;

/** Generates UUID version 7 strings (RFC 9562): a millisecond timestamp followed by random bits. */
public final class TimeOrderedIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private TimeOrderedIds() {}

  /** Returns a new UUIDv7 string; ids made later sort after ids made earlier (at millisecond grain). */
  public static String next() {
    long millis = System.currentTimeMillis();
    // One call for all 74 random bits: SecureRandom is synchronised, and this runs on every send.
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    long randA = ((random[0] & 0xffL) << 8 | (random[1] & 0xffL)) & 0xfffL;
    long randB = 0;
    for (int i = 2; i < 10; i++) {
      randB = randB << 8 | (random[i] & 0xffL);
    }
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (randB & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}
