package dev.trackd.client;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;

/**
 * Idempotency keys for events: version 7 UUIDs (RFC 9562) in their 36-character lower-case
 * text form, as the C++ client makes them (include/trackd/common/message_id.h). The first 48
 * bits are the Unix time in milliseconds, so ids sort by time and keep index inserts local;
 * the other 74 free bits are random. Thread-safe.
 */
public final class MessageIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private MessageIds() {}

  /** Returns a new version 7 UUID for the time {@code now}, with bits from a SecureRandom. */
  public static String newMessageId(Instant now) {
    return newMessageId(now.toEpochMilli(), RANDOM);
  }

  /** Returns a version 7 UUID for {@code unixMillis} with 74 bits drawn from {@code random}. */
  static String newMessageId(long unixMillis, Random random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    for (int i = 0; i < 6; i++) {
      bytes[i] = (byte) (unixMillis >>> (40 - 8 * i));
    }
    bytes[6] = (byte) (0x70 | (bytes[6] & 0x0F)); // Version 7.
    bytes[8] = (byte) (0x80 | (bytes[8] & 0x3F)); // Variant 10.
    return format(bytes);
  }

  /** Returns the 8-4-4-4-12 lower-case hex form of 16 bytes. */
  static String format(byte[] bytes) {
    StringBuilder out = new StringBuilder(36);
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        out.append('-');
      }
      out.append(HEX[(bytes[i] >> 4) & 0xF]).append(HEX[bytes[i] & 0xF]);
    }
    return out.toString();
  }
}
