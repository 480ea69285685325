#include "trackd/client/content_message_id.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>

#include "trackd/common/message_id.h"

namespace trackd {

std::string ContentMessageId(absl::string_view canonical_json) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical_json.data()), canonical_json.size(),
         digest);
  digest[6] = static_cast<unsigned char>(0x80 | (digest[6] & 0x0F));  // Version 8.
  digest[8] = static_cast<unsigned char>(0x80 | (digest[8] & 0x3F));  // Variant 10.
  uint8_t bytes[16];
  std::copy(digest, digest + 16, bytes);
  return FormatUuid(bytes);
}

}  // namespace trackd
