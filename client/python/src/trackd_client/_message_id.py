"""Message ids the client fills in: version 7 UUIDs, like trackd's own (common/message_id.cc)."""
import secrets
import uuid


def new_message_id(now_ns: int) -> str:
    """Returns a new version 7 UUID (RFC 9562) in its 36-character lower-case text form.

    The first 48 bits are the millisecond Unix time of `now_ns` (nanoseconds since the
    epoch), the remaining 74 free bits come from the OS's random source. Time-ordered ids
    keep the server's index inserts local. Thread-safe.
    """
    millis = (now_ns // 1_000_000) & 0xFFFF_FFFF_FFFF
    raw = bytearray(millis.to_bytes(6, "big") + secrets.token_bytes(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)  # Version 7.
    raw[8] = 0x80 | (raw[8] & 0x3F)  # Variant 10.
    return str(uuid.UUID(bytes=bytes(raw)))
