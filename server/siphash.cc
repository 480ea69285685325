#include "server/siphash.h"

#include <cstring>

namespace trackd {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline uint64_t LoadLittleEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }

  // Two compression rounds per 8-byte word ("2" of SipHash-2-4).
  void Compress(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }

  // Four finalisation rounds ("4" of SipHash-2-4), then the folded state.
  uint64_t Finalize() {
    Round();
    Round();
    Round();
    Round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

}  // namespace

Hash128 SipHash128(const SipHashKey& key, absl::string_view data) {
  SipState s{0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1,
             0x6c7967656e657261ULL ^ key.k0, 0x7465646279746573ULL ^ key.k1};
  s.v1 ^= 0xee;  // Marks the 128-bit variant.

  const char* p = data.data();
  const size_t whole_words = data.size() / 8;
  for (size_t i = 0; i < whole_words; ++i, p += 8) s.Compress(LoadLittleEndian64(p));

  // The last word: the remaining bytes, and the length's low byte on top.
  uint64_t last = static_cast<uint64_t>(data.size()) << 56;
  const size_t left = data.size() % 8;
  for (size_t i = 0; i < left; ++i) {
    last |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  s.Compress(last);

  Hash128 out;
  s.v2 ^= 0xee;
  out.lo = s.Finalize();
  s.v1 ^= 0xdd;
  out.hi = s.Finalize();
  return out;
}

}  // namespace trackd
