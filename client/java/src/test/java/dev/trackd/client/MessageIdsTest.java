package dev.trackd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
  /** A Random whose every byte is {@code value}: the random bits become visible. */
  private static Random constantBytes(int value) {
    return new Random() {
      @Override
      public void nextBytes(byte[] bytes) {
        Arrays.fill(bytes, (byte) value);
      }
    };
  }

  @Test
  void putsTheUnixMillisecondsInTheFirst48Bits() {
    String id = MessageIds.newMessageId(0x0123456789abL, constantBytes(0));
    assertEquals("01234567-89ab-7000-8000-000000000000", id);
  }

  @Test
  void setsVersion7AndVariant10OverTheRandomBits() {
    String id = MessageIds.newMessageId(0L, constantBytes(0xff));
    assertEquals("00000000-0000-7fff-bfff-ffffffffffff", id);
  }

  @Test
  void newIdsAreLowerCaseUuidsOfVersion7AtTheGivenTime() {
    Instant now = Instant.parse("2023-11-02T00:30:08.276Z");
    String id = MessageIds.newMessageId(now);
    assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
    UUID uuid = UUID.fromString(id);
    assertEquals(7, uuid.version());
    assertEquals(2, uuid.variant());
    assertEquals(now.toEpochMilli(), uuid.getMostSignificantBits() >>> 16);
  }

  @Test
  void twoIdsAtTheSameMillisecondDiffer() {
    Instant now = Instant.parse("2023-11-02T00:30:08.276Z");
    assertTrue(!MessageIds.newMessageId(now).equals(MessageIds.newMessageId(now)));
  }
}
