#include "client/content_message_id.h"

#include <openssl/sha.h>

#include <cstdint>

namespace trackd {

std::string ContentMessageId(absl::string_view canonical_json) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical_json.data()), canonical_json.size(),
         digest);
  digest[6] = static_cast<unsigned char>(0x80 | (digest[6] & 0x0F));  // Version 8.
  digest[8] = static_cast<unsigned char>(0x80 | (digest[8] & 0x3F));  // Variant 10.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace trackd
