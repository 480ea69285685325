// The --personal_data policy: what the running sink writes or forwards for the
// fields the contract annotates DATA_CLASS_PERSONAL (data_classes.h). trackd
// has one sink per process, so the policy of the process is the sink's.
//   keep: the value as the caller sent it (the default);
//   hash: HMAC-SHA-256 of the value under a key from a file, lower-case hex, so
//         one address always maps to one token and joins still work, and
//         nothing can be reversed without the key;
//   drop: the key is left out of the documented JSON.
// The policy lives in the encoder (json_encoder.h's PersonalValueFilter), so
// every line the server encodes, stored or returned by a dry run, follows it.
#ifndef TRACKD_SERVER_PERSONAL_DATA_H_
#define TRACKD_SERVER_PERSONAL_DATA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/data_classes.h"
#include "trackd/common/json_encoder.h"

namespace trackd {

enum class PersonalDataPolicy { kKeep, kHash, kDrop };

// The fewest bytes a hash key file may hold: HMAC-SHA-256's block of
// security; a shorter key is guessable from the tokens it makes.
inline constexpr size_t kMinPersonalDataKeyBytes = 32;

// "keep", "hash" or "drop".
absl::string_view PersonalDataPolicyName(PersonalDataPolicy policy);
// INVALID_ARGUMENT for anything but "keep", "hash" or "drop".
absl::StatusOr<PersonalDataPolicy> ParsePersonalDataPolicy(absl::string_view text);

// The bytes of `path`, as they are (a trailing newline is part of the key).
// INVALID_ARGUMENT when the file cannot be read, holds fewer than
// kMinPersonalDataKeyBytes, or is readable by everyone. Messages name the
// path, never the content.
absl::StatusOr<std::string> ReadPersonalDataKey(const std::string& path);

// HMAC-SHA-256 under one key, with the key's two padded blocks hashed once
// (RFC 2104): each value then costs two SHA-256 runs over the value and 32
// bytes, not a key setup. Thread-safe.
class HmacSha256 {
 public:
  explicit HmacSha256(absl::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // The MAC of `value`, as 64 lower-case hex digits.
  std::string Hex(absl::string_view value) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HmacSha256(key).Hex(value).
std::string HmacSha256Hex(absl::string_view key, absl::string_view value);

// The filter the encoder applies for `policy`: nullptr for kKeep (the encoder
// then writes values as they are, at no cost); `key` is used by kHash only.
// `classes` must outlive the filter.
std::unique_ptr<PersonalValueFilter> MakePersonalValueFilter(PersonalDataPolicy policy,
                                                             std::string key,
                                                             const DataClasses& classes);

}  // namespace trackd

#endif  // TRACKD_SERVER_PERSONAL_DATA_H_
