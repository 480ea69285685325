package trackd

import (
	"regexp"
	"testing"
	"time"
)

func TestMessageIDMatchesTheRFC9562Example(t *testing.T) {
	// RFC 9562 appendix A.6: 2022-02-22 19:22:22 UTC with rand_a 0xCC3 and
	// rand_b 0x18C4DC0C0C07398F.
	now := time.UnixMilli(0x017F22E279B0)
	random := [10]byte{0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f}
	if got, want := messageID(now, random), "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"; got != want {
		t.Errorf("messageID = %q, want %q", got, want)
	}
}

func TestMessageIDSetsVersion7AndVariantWhateverTheRandomBits(t *testing.T) {
	var ones [10]byte
	for i := range ones {
		ones[i] = 0xff
	}
	if got, want := messageID(time.UnixMilli(0), ones), "00000000-0000-7fff-bfff-ffffffffffff"; got != want {
		t.Errorf("messageID = %q, want %q", got, want)
	}
}

func TestNewMessageIDStartsWithTheMillisecondsOfNow(t *testing.T) {
	now := time.Date(2023, 11, 2, 0, 30, 8, 276e6, time.UTC) // 0x018b8d6ffb94 ms.
	id := NewMessageID(now)
	shape := regexp.MustCompile(`^018b8d6f-fb94-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !shape.MatchString(id) {
		t.Errorf("NewMessageID = %q, want a UUIDv7 of %d ms", id, now.UnixMilli())
	}
}

func TestNewMessageIDDiffersAtTheSameMillisecond(t *testing.T) {
	now := time.UnixMilli(1)
	if a, b := NewMessageID(now), NewMessageID(now); a == b {
		t.Errorf("two ids at the same time are both %q", a)
	}
}
