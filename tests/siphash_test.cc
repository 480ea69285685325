#include "server/siphash.h"

#include <array>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace trackd {
namespace {

// Key 00 01 .. 0f; message 00 01 .. (n-1); from the reference
// implementation's vectors_sip128 (github.com/veorq/SipHash, vectors.h).
struct Vector {
  size_t length;
  std::array<uint8_t, 16> expected;
};

constexpr Vector kVectors[] = {
    {0,
     {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02,
      0x93}},
    {1,
     {0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc,
      0x45}},
    {7,
     {0xa1, 0xf1, 0xeb, 0xbe, 0xd8, 0xdb, 0xc1, 0x53, 0xc0, 0xb8, 0x4a, 0xa6, 0x1f, 0xf0, 0x82,
      0x39}},
    {8,
     {0x3b, 0x62, 0xa9, 0xba, 0x62, 0x58, 0xf5, 0x61, 0x0f, 0x83, 0xe2, 0x64, 0xf3, 0x14, 0x97,
      0xb4}},
    {15,
     {0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11, 0x7e, 0x08, 0xec, 0x0f, 0x97, 0xcf, 0xc3,
      0xd9}},
    {63,
     {0x51, 0x50, 0xd1, 0x77, 0x2f, 0x50, 0x83, 0x4a, 0x50, 0x3e, 0x06, 0x9a, 0x97, 0x3f, 0xbd,
      0x7c}},
};

uint64_t LittleEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

TEST(SipHashTest, MatchesTheReferenceVectors) {
  const SipHashKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string message;
  for (int i = 0; i < 64; ++i) message.push_back(static_cast<char>(i));
  for (const Vector& v : kVectors) {
    const Hash128 got = SipHash128(key, absl::string_view(message).substr(0, v.length));
    EXPECT_EQ(got.lo, LittleEndian(v.expected.data())) << "length " << v.length;
    EXPECT_EQ(got.hi, LittleEndian(v.expected.data() + 8)) << "length " << v.length;
  }
}

TEST(SipHashTest, DependsOnTheKey) {
  EXPECT_NE(SipHash128({1, 2}, "0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e"),
            SipHash128({1, 3}, "0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e"));
}

}  // namespace
}  // namespace trackd
