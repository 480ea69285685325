#include "server/personal_data.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"

namespace trackd {
namespace {

class PolicyFilter final : public PersonalValueFilter {
 public:
  PolicyFilter(PersonalDataPolicy policy, std::string key, const DataClasses& classes)
      : policy_(policy), key_(std::move(key)), classes_(classes) {}

  bool IsPersonal(const google::protobuf::FieldDescriptor& field) const override {
    return classes_.IsPersonal(field);
  }

  bool Replace(absl::string_view value, std::string* replacement) const override {
    if (policy_ == PersonalDataPolicy::kDrop) return false;
    *replacement = HmacSha256Hex(key_, value);
    return true;
  }

 private:
  const PersonalDataPolicy policy_;
  const std::string key_;
  const DataClasses& classes_;
};

}  // namespace

absl::string_view PersonalDataPolicyName(PersonalDataPolicy policy) {
  switch (policy) {
    case PersonalDataPolicy::kKeep:
      return "keep";
    case PersonalDataPolicy::kHash:
      return "hash";
    case PersonalDataPolicy::kDrop:
      return "drop";
  }
  return "keep";
}

absl::StatusOr<PersonalDataPolicy> ParsePersonalDataPolicy(absl::string_view text) {
  for (auto policy : {PersonalDataPolicy::kKeep, PersonalDataPolicy::kHash,
                      PersonalDataPolicy::kDrop}) {
    if (text == PersonalDataPolicyName(policy)) return policy;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--personal_data must be keep, hash or drop, got \"", text, "\""));
}

absl::StatusOr<std::string> ReadPersonalDataKey(const std::string& path) {
  struct stat info;
  std::ifstream file(path, std::ios::binary);
  if (!file || ::stat(path.c_str(), &info) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--personal_data_key_file ", path, " cannot be read"));
  }
  // Everyone who can read the key can recompute every token from a guessed address.
  if ((info.st_mode & S_IROTH) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--personal_data_key_file ", path, " is readable by everyone; chmod o-r it"));
  }
  std::ostringstream content;
  content << file.rdbuf();
  std::string key = std::move(content).str();
  if (key.size() < kMinPersonalDataKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("--personal_data_key_file ", path, " holds ",
                                                   key.size(), " bytes; the key needs at least ",
                                                   kMinPersonalDataKeyBytes));
  }
  return key;
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest, &length);
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return hex;
}

std::unique_ptr<PersonalValueFilter> MakePersonalValueFilter(PersonalDataPolicy policy,
                                                             std::string key,
                                                             const DataClasses& classes) {
  if (policy == PersonalDataPolicy::kKeep) return nullptr;
  return std::make_unique<PolicyFilter>(policy, std::move(key), classes);
}

}  // namespace trackd
