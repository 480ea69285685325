#include "server/personal_data.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"

namespace trackd {
namespace {

class PolicyFilter final : public PersonalValueFilter {
 public:
  PolicyFilter(PersonalDataPolicy policy, const std::string& key, const DataClasses& classes)
      : policy_(policy), hmac_(key), classes_(classes) {}

  bool IsPersonal(const google::protobuf::FieldDescriptor& field) const override {
    return classes_.IsPersonal(field);
  }

  bool Replace(absl::string_view value, std::string* replacement) const override {
    if (policy_ == PersonalDataPolicy::kDrop) return false;
    *replacement = hmac_.Hex(value);
    return true;
  }

 private:
  const PersonalDataPolicy policy_;
  const HmacSha256 hmac_;
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
  for (auto policy :
       {PersonalDataPolicy::kKeep, PersonalDataPolicy::kHash, PersonalDataPolicy::kDrop}) {
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
    return absl::InvalidArgumentError(
        absl::StrCat("--personal_data_key_file ", path, " is readable by everyone; chmod o-r it"));
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

// The SHA-256 states after the key's inner and outer pads (RFC 2104).
struct HmacSha256::State {
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // Fetched once, not per call.
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_free(sha256);
  }
};

HmacSha256::HmacSha256(absl::string_view key) : state_(std::make_unique<State>()) {
  constexpr size_t kBlock = 64;
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned int length = 0;
    EVP_Digest(key.data(), key.size(), block, &length, state_->sha256, nullptr);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  EVP_DigestInit_ex(state_->inner, state_->sha256, nullptr);
  EVP_DigestUpdate(state_->inner, pad, kBlock);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  EVP_DigestInit_ex(state_->outer, state_->sha256, nullptr);
  EVP_DigestUpdate(state_->outer, pad, kBlock);
  OPENSSL_cleanse(block, kBlock);
  OPENSSL_cleanse(pad, kBlock);
}

HmacSha256::~HmacSha256() = default;

std::string HmacSha256::Hex(absl::string_view value) const {
  // One context per thread, reused: a copy of a padded state costs no allocation.
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX_copy_ex(ctx.get(), state_->inner);
  EVP_DigestUpdate(ctx.get(), value.data(), value.size());
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  EVP_MD_CTX_copy_ex(ctx.get(), state_->outer);
  EVP_DigestUpdate(ctx.get(), digest, length);
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return hex;
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view value) {
  return HmacSha256(key).Hex(value);
}

std::unique_ptr<PersonalValueFilter> MakePersonalValueFilter(PersonalDataPolicy policy,
                                                             std::string key,
                                                             const DataClasses& classes) {
  if (policy == PersonalDataPolicy::kKeep) return nullptr;
  return std::make_unique<PolicyFilter>(policy, key, classes);
}

}  // namespace trackd
