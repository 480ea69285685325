// SipHash-2-4 with a 128-bit result: the keyed fingerprint of a message_id in
// the dedupe index (server/dedupe_index.h).
//
// SipHash is a pseudo-random function of its 128-bit key (Aumasson and
// Bernstein, 2012). With a secret random key, a client that chooses its own
// message_ids cannot make two of them share a fingerprint any more often than
// chance (2^-128 per pair), which an unkeyed hash (CityHash, Murmur3, XXH3 with
// a fixed seed) does not promise. This is the reference algorithm's 128-bit
// variant; tests/siphash_test.cc checks it against the reference vectors.
#ifndef TRACKD_SERVER_SIPHASH_H_
#define TRACKD_SERVER_SIPHASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace trackd {

struct SipHashKey {
  uint64_t k0 = 0;  // Key bytes 0..7, little-endian.
  uint64_t k1 = 0;  // Key bytes 8..15, little-endian.
};

struct Hash128 {
  uint64_t lo = 0;  // Output bytes 0..7 of the reference, little-endian.
  uint64_t hi = 0;  // Output bytes 8..15.

  friend bool operator==(const Hash128& a, const Hash128& b) {
    return a.lo == b.lo && a.hi == b.hi;
  }
  friend bool operator!=(const Hash128& a, const Hash128& b) { return !(a == b); }
};

// Returns SipHash-2-4-128 of `data` under `key`. Pure; thread-safe.
Hash128 SipHash128(const SipHashKey& key, absl::string_view data);

}  // namespace trackd

#endif  // TRACKD_SERVER_SIPHASH_H_
