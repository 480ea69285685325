#include "trackd/common/message_id.h"

#include <cstdint>

#include "absl/random/random.h"

namespace trackd {

std::string NewMessageId(absl::Time now) {
  thread_local absl::BitGen bitgen;  // Seeded from the OS; one per thread, no lock.
  const auto millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  uint8_t bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(millis >> (40 - 8 * i));
  const uint64_t random_a = absl::Uniform<uint64_t>(bitgen);
  const uint64_t random_b = absl::Uniform<uint64_t>(bitgen);
  for (int i = 6; i < 16; ++i) {
    bytes[i] = static_cast<uint8_t>(i < 8 ? random_a >> (8 * i) : random_b >> (8 * (i - 8)));
  }
  bytes[6] = static_cast<uint8_t>(0x70 | (bytes[6] & 0x0F));  // Version 7.
  bytes[8] = static_cast<uint8_t>(0x80 | (bytes[8] & 0x3F));  // Variant 10.
  return FormatUuid(bytes);
}

std::string FormatUuid(const uint8_t (&bytes)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Sized once and written in place: a push_back per character costs more
  // than the random bits do.
  std::string out(36, '-');
  char* p = out.data();
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++p;  // Keep the '-'.
    *p++ = kHex[bytes[i] >> 4];
    *p++ = kHex[bytes[i] & 0xF];
  }
  return out;
}

}  // namespace trackd
