package trackd

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewMessageID returns a new version 7 UUID (RFC 9562) in its 36-character text
// form: the millisecond time now, then 74 random bits from crypto/rand. Ids
// ordered by time keep the server's index inserts local, as the C++ client's do
// (include/trackd/common/message_id.h). Safe for concurrent use.
func NewMessageID(now time.Time) string {
	var random [10]byte
	rand.Read(random[:]) // Never fails: crypto/rand crashes the program instead.
	return messageID(now, random)
}

// messageID builds the UUIDv7 of the time now and the random bytes: 48 bits of
// Unix milliseconds, the version, then the random bits with the variant set.
func messageID(now time.Time, random [10]byte) string {
	var b [16]byte
	millis := uint64(now.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(millis >> (40 - 8*i))
	}
	copy(b[6:], random[:])
	b[6] = 0x70 | b[6]&0x0f // Version 7.
	b[8] = 0x80 | b[8]&0x3f // Variant 10.
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}
