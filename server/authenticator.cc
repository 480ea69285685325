#include "server/authenticator.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/logging.h"

namespace trackd {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Unauthenticated() { return absl::UnauthenticatedError("unauthenticated"); }

}  // namespace

absl::StatusOr<std::vector<TokenAuthenticator::Entry>> TokenAuthenticator::Parse(
    absl::string_view content) {
  std::vector<Entry> entries;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    Entry entry;
    bool ok =
        words.size() == 2 && absl::StartsWith(words[0], "sha256:") && words[0].size() == 7 + 64;
    for (size_t i = 0; ok && i < 32; ++i) {
      const int high = HexValue(words[0][7 + 2 * i]);
      const int low = HexValue(words[0][8 + 2 * i]);
      ok = high >= 0 && low >= 0;
      entry.hash[i] = static_cast<unsigned char>(high * 16 + low);
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token file line ", line_number, " is not 'sha256:<64 hex digits> <client-name>'"));
    }
    entry.client = std::string(words[1]);
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) return absl::InvalidArgumentError("the token file holds no token");
  return entries;
}

absl::StatusOr<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::Load(
    FileSystem& fs, std::string path, Clock& clock, absl::Duration check_interval) {
  auto content = fs.ReadFile(path);
  if (!content.ok()) return content.status();
  auto entries = Parse(*content);
  if (!entries.ok()) return entries.status();
  auto authenticator =
      std::unique_ptr<TokenAuthenticator>(new TokenAuthenticator(fs, path, clock, check_interval));
  absl::MutexLock lock(&authenticator->mu_);
  authenticator->entries_ = std::move(*entries);
  authenticator->last_read_ = *std::move(content);
  authenticator->usable_ = true;
  authenticator->next_check_ = authenticator->clock_.Now() + check_interval;
  return authenticator;
}

void TokenAuthenticator::CheckFile() { Install(fs_.ReadFile(path_)); }

void TokenAuthenticator::Install(absl::StatusOr<std::string> content) {
  absl::StatusOr<std::vector<Entry>> entries =
      content.ok() ? Parse(*content) : absl::StatusOr<std::vector<Entry>>(content.status());
  absl::MutexLock lock(&mu_);
  const bool same =
      content.ok() == last_read_.ok() &&
      (content.ok() ? *content == *last_read_ : content.status() == last_read_.status());
  if (same) return;
  last_read_ = std::move(content);
  if (!entries.ok()) {
    // Fail closed: a revoked token must stop working even when the file that
    // revoked it was deleted or emptied rather than edited.
    entries_.clear();
    usable_ = false;
    Log(LogLevel::kError, "token file cannot be used; every call is refused until it is fixed",
        {{"path", path_}, {"error", entries.status().ToString()}});
    return;
  }
  entries_ = std::move(*entries);
  usable_ = true;
  Log(LogLevel::kInfo, "token file reloaded",
      {{"path", path_}, {"tokens", absl::StrCat(entries_.size())}});
}

void TokenAuthenticator::CheckFileIfDue() {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (now < next_check_) return;
    next_check_ = now + check_interval_;  // One caller reads the file.
  }
  CheckFile();
}

size_t TokenAuthenticator::tokens() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

bool TokenAuthenticator::file_usable() const {
  absl::MutexLock lock(&mu_);
  return usable_;
}

absl::StatusOr<std::string> TokenAuthenticator::Authenticate(absl::string_view authorization) {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kBearer)) return Unauthenticated();
  const absl::string_view token = authorization.substr(kBearer.size());
  if (token.empty()) return Unauthenticated();
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), hash);

  CheckFileIfDue();
  absl::MutexLock lock(&mu_);
  const std::string* client = nullptr;
  for (const Entry& entry : entries_) {  // Every entry, match or not: constant time.
    const bool match = CRYPTO_memcmp(hash, entry.hash.data(), SHA256_DIGEST_LENGTH) == 0;
    if (match) client = &entry.client;
  }
  if (client == nullptr) return Unauthenticated();
  return *client;
}

}  // namespace trackd
